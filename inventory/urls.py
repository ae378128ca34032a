from django.urls import path

from . import transfer_views, views

app_name = "inventory"

urlpatterns = [
    path("", views.item_list, name="item-list"),
    path("new/", views.item_create, name="item-create"),
    path("low-stock/", views.low_stock, name="low-stock"),
    path("valuation/", views.valuation, name="valuation"),
    path("reports/dead-stock/", views.dead_stock_report, name="report-dead-stock"),
    path("reports/turnover/", views.turnover_report, name="report-turnover"),
    path("rates/", views.rate_board, name="rate-board"),
    path("categories/", views.category_list, name="categories"),
    path("categories/<uuid:category_id>/edit/", views.category_edit, name="category-edit"),
    path("pricing-rules/", views.pricing_rule_list, name="pricing-rules"),
    path("pricing-rules/<uuid:rule_id>/edit/", views.pricing_rule_edit, name="pricing-rule-edit"),
    path("pricing-rules/<uuid:rule_id>/delete/", views.pricing_rule_delete,
         name="pricing-rule-delete"),
    path("rates/alerts/", views.rate_alert_list, name="rate-alerts"),
    path("rates/alerts/<uuid:alert_id>/edit/", views.rate_alert_edit, name="rate-alert-edit"),
    path("rates/alerts/<uuid:alert_id>/delete/", views.rate_alert_delete, name="rate-alert-delete"),
    path("rates/set/", views.rate_set, name="rate-set"),
    path("rates/settings/", views.settings_edit, name="settings"),
    path("reprice/", views.items_reprice, name="reprice"),
    path("labels/", views.labels_pdf, name="labels"),
    path("import/", views.item_import, name="item-import"),
    path("export/", views.item_export, name="item-export"),
    path("<uuid:item_id>/", views.item_detail, name="item-detail"),
    path("<uuid:item_id>/edit/", views.item_edit, name="item-edit"),
    path("<uuid:item_id>/adjust/", views.stock_adjust, name="stock-adjust"),
    path("<uuid:item_id>/photos/", views.item_photo_upload, name="item-photo-upload"),
    path("photos/<uuid:photo_id>/", views.item_photo_file, name="item-photo"),
    path("photos/<uuid:photo_id>/delete/", views.item_photo_delete, name="item-photo-delete"),
    path("<uuid:item_id>/label.pdf", views.item_label, name="item-label"),
    path("transfers/", transfer_views.transfer_list, name="transfer-list"),
    path("transfers/new/", transfer_views.transfer_create, name="transfer-create"),
    path("transfers/<uuid:transfer_id>/", transfer_views.transfer_detail,
         name="transfer-detail"),
    path("transfers/<uuid:transfer_id>/transition/", transfer_views.transfer_transition,
         name="transfer-transition"),
]
