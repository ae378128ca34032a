"""The CRM pages: lists with filters and HTMX fragments, forms that keep input with
422, the duplicate warning with its link (acceptance 4), and shop isolation."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from crm import selectors
from crm.models import Customer, GiftCard
from tenants.context import tenant_context
from tests.factories import customer_make

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_customer_list_shows_own_customers_only(shop_a, shop_b, django_assert_max_num_queries) -> None:
    for n in range(30):
        customer_make(shop_a, last_name=f"Many{n:02d}", tags=["VIP"] if n % 2 else [])
    customer_make(shop_b, last_name="Hidden")
    client = _client(shop_a.cashier)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("crm:customer-list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Karimi" in body and "Hidden" not in body
    assert "?page=2" in body
    response = client.get(reverse("crm:customer-list"), {"q": "many0", "tag": "VIP"},
                          headers={"HX-Request": "true", "HX-Target": "customer-results"})
    body = response.content.decode()
    assert "<html" not in body and 'id="customer-results"' in body
    assert "Many01" in body and "Many02" not in body and "Many11" not in body


def test_create_customer_then_duplicate_is_reported_with_a_link(shop_a) -> None:
    client = _client(shop_a.cashier)
    url = reverse("crm:customer-create")
    data = {"first_name": "Nima", "last_name": "Sadeghi", "phone": "۰۹۱۲ ۳۳۳ ۴۴۴۴",
            "email": "nima@example.com", "tags": "VIP", "sms_opt_in": "on"}
    response = client.post(url, data)
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        nima = Customer.objects.get(last_name="Sadeghi")
    assert response["Location"] == reverse("crm:customer-detail", args=[nima.pk])
    assert (nima.phone, nima.sms_opt_in, nima.tags) == ("09123334444", True, ["VIP"])

    response = client.post(url, {**data, "first_name": "Other", "email": ""})
    body = response.content.decode()
    assert response.status_code == 422
    assert reverse("crm:customer-detail", args=[nima.pk]) in body  # the link to the existing one
    assert 'value="Other"' in body  # input kept
    assert 'name="allow_duplicate"' in body and 'type="checkbox"' in body
    response = client.post(url, {**data, "first_name": "Other", "email": "",
                                 "allow_duplicate": "on"})
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        assert Customer.objects.filter(phone="09123334444").count() == 2


def test_customer_form_errors_keep_input(shop_a) -> None:
    client = _client(shop_a.cashier)
    response = client.post(reverse("crm:customer-create"), {"last_name": "", "first_name": "",
                                                           "email": "not-an-email"})
    assert response.status_code == 422
    assert "not-an-email" in response.content.decode()


def test_profile_shows_balances_and_histories(shop_a, shop_b, django_assert_max_num_queries) -> None:
    customer = shop_a.extra["customer"]
    client = _client(shop_a.cashier)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("crm:customer-detail", args=[customer.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert shop_a.extra["gift_card"].display_code in body
    assert "50.00" in body and "170" in body and "90.00" in body
    assert shop_b.extra["gift_card"].display_code not in body
    other = client.get(reverse("crm:customer-detail", args=[shop_b.extra["customer"].pk]))
    assert other.status_code == 404


def test_edit_customer(shop_a) -> None:
    customer = shop_a.extra["customer"]
    client = _client(shop_a.cashier)
    url = reverse("crm:customer-edit", args=[customer.pk])
    assert 'value="Karimi"' in client.get(url).content.decode()
    response = client.post(url, {"first_name": "Reza", "last_name": "Karimi-Rad",
                                 "phone": customer.phone, "email": customer.email,
                                 "tags": "wedding", "email_opt_in": "on"})
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        customer.refresh_from_db()
    assert (customer.last_name, customer.tags, customer.email_opt_in) == (
        "Karimi-Rad", ["wedding"], True)


def test_a_phone_that_is_not_a_number_is_refused_and_nothing_changes(shop_a) -> None:
    customer = shop_a.extra["customer"]
    client = _client(shop_a.cashier)
    url = reverse("crm:customer-edit", args=[customer.pk])
    before = customer.phone
    for typed in ("abc", "0912 abc 4567"):
        response = client.post(url, {"first_name": "Reza", "last_name": "Changed",
                                     "phone": typed, "email": customer.email})
        assert response.status_code == 422
        assert "Enter a phone number." in response.content.decode()
        assert f'value="{typed}"' in response.content.decode()  # kept for correction
    with tenant_context(shop_a.tenant):
        customer.refresh_from_db()
        assert (customer.phone, customer.last_name) == (before, "Karimi")
        assert not Customer.objects.filter(last_name="Newcomer").exists()
    response = client.post(reverse("crm:customer-create"),
                           {"last_name": "Newcomer", "phone": "xyz"})
    assert response.status_code == 422 and "Enter a phone number." in response.content.decode()
    with tenant_context(shop_a.tenant):
        assert not Customer.objects.filter(last_name="Newcomer").exists()
    # Persian digits, a + and separators are a phone.
    response = client.post(reverse("crm:customer-create"),
                           {"last_name": "Newcomer", "phone": "+98 (912) ۵۵۵-۰۱۰۱"})
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        assert Customer.objects.get(last_name="Newcomer").phone == "+989125550101"


def test_in_persian_a_birthday_is_typed_and_shown_in_jalali(shop_a) -> None:
    customer = shop_a.extra["customer"]
    shop_a.cashier.language = "fa"
    shop_a.cashier.save(update_fields=["language"])
    client = _client(shop_a.cashier)
    url = reverse("crm:customer-edit", args=[customer.pk])
    data = {"first_name": customer.first_name, "last_name": customer.last_name,
            "phone": customer.phone, "email": customer.email}
    refused = client.post(url, {**data, "birthday": "۱۳۷۰/۱۲/۳۱"})  # Esfand never has 31 days
    assert refused.status_code == 422
    assert "۱۳۷۰/۱۲/۳۱ روزی از تقویم شمسی نیست." in refused.content.decode()
    response = client.post(url, {**data, "birthday": "۱۳۷۰/۰۶/۳۱", "anniversary": "2015-05-20"})
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        customer.refresh_from_db()
    assert (customer.birthday, customer.anniversary) == (
        datetime.date(1991, 9, 22), datetime.date(2015, 5, 20))
    html = client.get(url).content.decode()
    assert 'name="birthday" value="۱۳۷۰/۰۶/۳۱"' in html
    assert 'name="anniversary" value="۱۳۹۴/۰۲/۳۰"' in html


def test_store_credit_page_is_for_managers_and_refuses_overdraw(shop_a) -> None:
    customer = shop_a.extra["customer"]
    url = reverse("crm:store-credit-change", args=[customer.pk])
    assert _client(shop_a.cashier).get(url).status_code == 403
    client = _client(shop_a.manager)
    assert client.post(url, {"kind": "issue", "amount": "25.50", "reason": ""}).status_code == 302
    response = client.post(url, {"kind": "adjust_down", "amount": "100", "reason": "count"})
    assert response.status_code == 422
    assert "store credit is left" in response.content.decode()
    response = client.post(url, {"kind": "adjust_down", "amount": "5", "reason": ""})
    assert response.status_code == 422
    with tenant_context(shop_a.tenant):
        assert selectors.store_credit_balance(customer=customer) == Decimal("75.50")


def test_issue_gift_card_and_check_balance_by_code(shop_a, shop_b) -> None:
    customer = shop_a.extra["customer"]
    client = _client(shop_a.cashier)
    response = client.post(reverse("crm:gift-card-issue") + f"?customer={customer.pk}",
                           {"amount": "40", "reference": "R-9"})
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        card = GiftCard.objects.get(transactions__reference="R-9")
    assert card.customer_id == customer.pk
    assert response["Location"] == reverse("crm:gift-card-detail", args=[card.pk])
    check = reverse("crm:gift-card-check")
    response = client.get(check, {"code": card.display_code.lower()})
    assert response.status_code == 200 and "40.00" in response.content.decode()
    response = client.get(check, {"code": card.code},
                          headers={"HX-Request": "true", "HX-Target": "gift-card-balance"})
    assert "<html" not in response.content.decode() and "40.00" in response.content.decode()
    # Another shop's card is unknown here: a refusal (422), which htmx swaps in place.
    response = client.get(check, {"code": shop_b.extra["gift_card"].code})
    assert response.status_code == 422 and "No gift card has this code" in response.content.decode()
    response = client.get(check, {"code": shop_b.extra["gift_card"].code},
                          headers={"HX-Request": "true", "HX-Target": "gift-card-balance"})
    html = response.content.decode()
    assert response.status_code == 422 and "No gift card has this code" in html
    assert html.lstrip().startswith('<div id="gift-card-balance"')
    assert client.get(reverse("crm:gift-card-list")).status_code == 200


def test_loyalty_pages(shop_a) -> None:
    assert _client(shop_a.cashier).get(reverse("crm:loyalty-settings")).status_code == 403
    client = _client(shop_a.manager)
    response = client.post(reverse("crm:tier-create"), {
        "name": "Platinum", "threshold": "5000", "validity_months": "12",
        "discount_percent": "10", "points_multiplier": "3"})
    assert response.status_code == 302
    response = client.post(reverse("crm:tier-create"), {
        "name": "gold", "threshold": "7000", "validity_months": "12",
        "discount_percent": "10", "points_multiplier": "3"})
    assert response.status_code == 422 and "Another tier has this name" in response.content.decode()
    response = client.post(reverse("crm:loyalty-settings"), {
        "points_per_unit": "2", "point_value": "0.05", "expiry_months": "6",
        "qualification_months": "12", "referral_points_referrer": "10",
        "referral_points_referee": "5"})
    assert response.status_code == 302
    body = client.get(reverse("crm:loyalty-settings")).content.decode()
    assert "Platinum" in body and "Gold" in body


def test_persian_pages_render(shop_a) -> None:
    from django.utils import translation

    shop_a.cashier.language = "fa"
    shop_a.cashier.save(update_fields=["language"])
    client = _client(shop_a.cashier)
    with translation.override("fa"):
        response = client.get(reverse("crm:customer-detail", args=[shop_a.extra["customer"].pk]))
    body = response.content.decode()
    assert response.status_code == 200 and 'dir="rtl"' in body
    assert "۱۷۰" in body  # points in Persian digits


def test_every_crm_url_gives_404_for_another_shops_ids(shop_a, shop_b) -> None:
    """The URL walk (tests/test_urlwalk.py) limited to this app, so it can fail alone."""
    from tests.urlwalk import OBJECT_IDS, pattern_kwargs, url_patterns

    client = _client(shop_a.owner)
    checked = 0
    for name, _namespace, pattern in url_patterns():
        kwargs = pattern_kwargs(pattern)
        if not name.startswith("crm:") or not kwargs:
            continue
        own = reverse(name, kwargs={k: OBJECT_IDS[k](shop_a) for k in kwargs})
        theirs = reverse(name, kwargs={k: OBJECT_IDS[k](shop_b) for k in kwargs})
        assert client.get(own).status_code == 200, own
        assert client.get(theirs).status_code == 404, theirs
        checked += 1
    assert checked == 5
