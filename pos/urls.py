from django.urls import path

from .views import register as views

app_name = "pos"

urlpatterns = [
    path("", views.register, name="register"),
    path("shift/open/", views.shift_open, name="shift-open"),
    path("shift/close/", views.shift_close, name="shift-close"),
    path("shifts/<uuid:shift_id>/", views.shift_report, name="shift-report"),
    path("scan/", views.scan, name="scan"),
    path("cart/clear/", views.cart_clear, name="cart-clear"),
    path("complete/", views.complete, name="complete"),
    path("sales/<uuid:sale_id>/", views.sale_detail, name="sale-detail"),
]
