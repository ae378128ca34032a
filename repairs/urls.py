from django.urls import path

from . import views

app_name = "repairs"

urlpatterns = [
    path("", views.order_list, name="order-list"),
    path("new/", views.order_create, name="order-create"),
    path("<uuid:repair_id>/", views.order_detail, name="order-detail"),
    path("<uuid:repair_id>/edit/", views.order_edit, name="order-edit"),
    path("<uuid:repair_id>/transition/", views.order_transition, name="order-transition"),
    path("<uuid:repair_id>/photos/", views.photo_add, name="photo-add"),
    path("<uuid:repair_id>/ticket/", views.order_ticket, name="order-ticket"),
    path("<uuid:repair_id>/ticket.pdf", views.order_ticket_pdf, name="order-ticket-pdf"),
    path("photos/<uuid:repair_photo_id>/", views.photo_file, name="photo-file"),
    path("<uuid:repair_id>/deposit/", views.deposit_take, name="deposit-take"),
    path("payments/<uuid:repair_payment_id>/receipt/", views.payment_receipt, name="payment-receipt"),
    path("payments/<uuid:repair_payment_id>/receipt.pdf", views.payment_receipt_pdf,
         name="payment-receipt-pdf"),
    path("payments/<uuid:repair_payment_id>/receipt/email/", views.payment_receipt_email,
         name="payment-receipt-email"),
]
