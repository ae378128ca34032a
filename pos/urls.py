from django.urls import path

from .views import register as views

app_name = "pos"

urlpatterns = [
    path("", views.register, name="register"),
    path("shift/open/", views.shift_open, name="shift-open"),
    path("shift/close/", views.shift_close, name="shift-close"),
    path("shifts/<uuid:shift_id>/", views.shift_report, name="shift-report"),
    path("scan/", views.scan, name="scan"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/line/remove/", views.line_remove, name="line-remove"),
    path("cart/line/quantity/", views.line_quantity, name="line-quantity"),
    path("cart/discount/", views.discount, name="discount"),
    path("cart/clear/", views.cart_clear, name="cart-clear"),
    path("cart/hold/", views.cart_hold, name="cart-hold"),
    path("cart/resume/", views.cart_resume, name="cart-resume"),
    path("cart/discard/", views.cart_discard, name="cart-discard"),
    path("cart/customer/", views.customer_pick, name="customer-pick"),
    path("cart/customer/new/", views.customer_create, name="customer-create"),
    path("search/items/", views.item_search, name="item-search"),
    path("search/customers/", views.customer_search, name="customer-search"),
    path("complete/", views.complete, name="complete"),
    path("sales/<uuid:sale_id>/", views.sale_detail, name="sale-detail"),
]
