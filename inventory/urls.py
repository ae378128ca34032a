from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("", views.item_list, name="item-list"),
    path("new/", views.item_create, name="item-create"),
    path("low-stock/", views.low_stock, name="low-stock"),
    path("valuation/", views.valuation, name="valuation"),
    path("rates/", views.rate_board, name="rate-board"),
    path("rates/set/", views.rate_set, name="rate-set"),
    path("rates/settings/", views.settings_edit, name="settings"),
    path("reprice/", views.items_reprice, name="reprice"),
    path("labels/", views.labels_pdf, name="labels"),
    path("import/", views.item_import, name="item-import"),
    path("export/", views.item_export, name="item-export"),
    path("<uuid:item_id>/", views.item_detail, name="item-detail"),
    path("<uuid:item_id>/edit/", views.item_edit, name="item-edit"),
    path("<uuid:item_id>/adjust/", views.stock_adjust, name="stock-adjust"),
    path("<uuid:item_id>/label.pdf", views.item_label, name="item-label"),
]
