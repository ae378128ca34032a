"""A Rial shop (like the demo's zarin.example) in Persian: every main area shows money
in whole Rials with Persian digits, Persian thousands separators and "ریال", never
the old ۱۲۳۴۵۶۷٫۰۰ form."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from pos.models import Sale
from tenants.context import tenant_context
from tenants.money import money_text
from tenants.services import user_set_preferences
from tests.factories import shop
from tests.pos.conftest import lot

D = Decimal
NBSP = "\u00a0"
pytestmark = pytest.mark.django_db
# Persian digits with a Persian decimal separator and two decimals: the old form.
OLD_FORM = re.compile("[۰-۹]+٫[۰-۹]{2}(?![۰-۹])")


@pytest.fixture
def rial(db):
    s = shop("Zarin", currency="IRR")
    for user in (s.owner, s.manager):
        user_set_preferences(user=user, language="fa")
    return s


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _fa(amount: Decimal) -> str:
    return money_text(amount, "IRR", lang="fa")


def test_register_cart_and_sale_in_rials(rial) -> None:
    piece = lot(rial, 5, price_mode="fixed", fixed_price=D("1234567"))
    c = _client(rial.manager)
    assert c.post(reverse("pos:shift-open"), {"terminal": rial.terminal.pk,
                                               "opening_float": "1000000"}).status_code == 302
    html = c.post(reverse("pos:scan"), {"code": piece.sku}, HTTP_HX_REQUEST="true") \
        .content.decode()
    assert 'id="cart-total">۱٬۲۳۴٬۵۶۷</span> <span class="text-sm">ریال</span>' in html
    assert not OLD_FORM.search(html), OLD_FORM.search(html)
    page = c.get(reverse("pos:register")).content.decode()
    cash = re.search(r'<input[^>]*name="cash"[^>]*>', page).group(0)
    assert 'type="text"' in cash and 'inputmode="decimal"' in cash
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)
    # Typed on a Persian keyboard: ۱٬۳۰۰٬۰۰۰ is 1300000.
    response = c.post(reverse("pos:complete"), {"idempotency_key": key, "cash": "۱٬۳۰۰٬۰۰۰",
                                                "cart_discount": "0"})
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_context(rial.tenant):
        sale = Sale.objects.get(idempotency_key=key)
    assert sale.total == D("1234567")
    detail = c.get(reverse("pos:sale-detail", args=[sale.pk])).content.decode()
    assert f'id="sale-total">{_fa(D("1234567"))}<' in detail
    assert f'id="sale-change">{_fa(D("65433"))}<' in detail  # 1,300,000 - 1,234,567
    receipt = c.get(reverse("pos:sale-receipt", kwargs={"sale_id": sale.pk})).content.decode()
    assert _fa(D("1234567")) in receipt and not OLD_FORM.search(receipt)


def test_inventory_item_in_rials(rial) -> None:
    piece = lot(rial, 2, price_mode="fixed", fixed_price=D("98765432"))
    html = _client(rial.owner).get(reverse("inventory:item-detail", kwargs={
        "item_id": piece.pk})).content.decode()
    assert f'data-testid="price">{_fa(D("98765432"))}<' in html
    assert "۹۸٬۷۶۵٬۴۳۲" in html and not OLD_FORM.search(html)


def test_crm_customer_in_rials(rial) -> None:
    customer = rial.extra["customer"]  # 50 of store credit, a card with 90 left
    html = _client(rial.owner).get(reverse("crm:customer-detail", kwargs={
        "customer_id": customer.pk})).content.decode()
    assert '۵۰ <span class="text-sm font-medium text-stone-500">ریال</span>' in html
    assert f"۹۰{NBSP}ریال" in html and not OLD_FORM.search(html)


def test_repair_in_rials(rial) -> None:
    repair = rial.extra["repair"]  # labour 25, deposit 10
    html = _client(rial.owner).get(reverse("repairs:order-detail", kwargs={
        "repair_id": repair.pk})).content.decode()
    assert f'<dd class="font-semibold">{_fa(D("15"))}</dd>' in html
    assert "۴٫۱۲۰" in html  # the weight keeps its 3 decimals (grams)
    assert not OLD_FORM.search(html)


def test_dashboard_and_statements_in_rials(rial) -> None:
    sale = rial.extra["sale"]
    c = _client(rial.owner)
    home = c.get(reverse("home")).content.decode()
    assert _fa(sale.total) in home and not OLD_FORM.search(home)
    statements = c.get(reverse("accounting:statements")).content.decode()
    assert f"{NBSP}ریال" in statements and not OLD_FORM.search(statements)


def test_sales_report_in_rials(rial) -> None:
    sale = rial.extra["sale"]
    html = _client(rial.owner).get(reverse("reports:index")).content.decode()
    assert money_text(sale.total, "IRR", label=False, lang="fa") in html
    assert not OLD_FORM.search(html)
