from django.urls import path

from . import views

app_name = "crm"

urlpatterns = [
    path("", views.customer_list, name="customer-list"),
    path("new/", views.customer_create, name="customer-create"),
    path("<uuid:customer_id>/", views.customer_detail, name="customer-detail"),
    path("<uuid:customer_id>/edit/", views.customer_edit, name="customer-edit"),
    path("<uuid:customer_id>/store-credit/", views.store_credit_change, name="store-credit-change"),
    path("gift-cards/", views.gift_card_list, name="gift-card-list"),
    path("gift-cards/new/", views.gift_card_issue, name="gift-card-issue"),
    path("gift-cards/check/", views.gift_card_check, name="gift-card-check"),
    path("gift-cards/<uuid:gift_card_id>/", views.gift_card_detail, name="gift-card-detail"),
    path("loyalty/", views.loyalty_settings, name="loyalty-settings"),
    path("loyalty/tiers/new/", views.tier_create, name="tier-create"),
    path("loyalty/tiers/<uuid:tier_id>/", views.tier_edit, name="tier-edit"),
]
