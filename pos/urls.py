from django.urls import path

from .views import buyback, exchange, history, receipts, returns, settings
from .views import register as views

app_name = "pos"

urlpatterns = [
    path("", views.register, name="register"),
    path("settings/", settings.pos_settings, name="settings"),
    path("shift/open/", views.shift_open, name="shift-open"),
    path("shift/close/", views.shift_close, name="shift-close"),
    path("shifts/", history.shift_list, name="shift-list"),
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
    path("sales/", history.sale_list, name="sale-list"),
    path("sales/<uuid:sale_id>/", views.sale_detail, name="sale-detail"),
    # the register's Return and Old gold actions (pos.views.exchange)
    path("cart/old-gold/", exchange.old_gold_credit, name="old-gold-credit"),
    path("cart/old-gold/remove/", exchange.old_gold_remove, name="old-gold-remove"),
    path("old-gold/cash/", exchange.old_gold_cash, name="old-gold-cash"),
    path("return/find/", exchange.return_find, name="register-return-find"),
    path("return/<uuid:sale_id>/", exchange.return_create, name="register-return"),
    # returns, buy-backs, receipts (pos.views.returns, .buyback, .receipts)
    path("sales/<uuid:sale_id>/return/", returns.return_create, name="return-create"),
    path("returns/", returns.return_list, name="return-list"),
    path("returns/<uuid:return_id>/", returns.return_detail, name="return-detail"),
    path("buybacks/", buyback.buyback_list, name="buyback-list"),
    path("buybacks/new/", buyback.buyback_create, name="buyback-create"),
    path("buybacks/<uuid:buy_back_id>/", buyback.buyback_detail, name="buyback-detail"),
    path("sales/<uuid:sale_id>/receipt/", receipts.sale_receipt, name="sale-receipt"),
    path("sales/<uuid:sale_id>/receipt.pdf", receipts.sale_receipt_pdf, name="sale-receipt-pdf"),
    path("sales/<uuid:sale_id>/receipt/email/", receipts.sale_receipt_email,
         name="sale-receipt-email"),
    path("returns/<uuid:return_id>/receipt/", receipts.return_receipt, name="return-receipt"),
    path("returns/<uuid:return_id>/receipt.pdf", receipts.return_receipt_pdf,
         name="return-receipt-pdf"),
    path("returns/<uuid:return_id>/receipt/email/", receipts.return_receipt_email,
         name="return-receipt-email"),
    path("buybacks/<uuid:buy_back_id>/receipt/", receipts.buyback_receipt,
         name="buyback-receipt"),
    path("buybacks/<uuid:buy_back_id>/receipt.pdf", receipts.buyback_receipt_pdf,
         name="buyback-receipt-pdf"),
    path("buybacks/<uuid:buy_back_id>/receipt/email/", receipts.buyback_receipt_email,
         name="buyback-receipt-email"),
]
