"""The register with the Django client: open a shift, scan, complete, close."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from inventory.models import StockLevel
from pos.models import Payment, Sale
from tenants.context import tenant_context
from tests.pos.conftest import lot, serial_piece

D = Decimal
pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', html).group(1)


def test_open_scan_complete_and_close(shop_a, shop_b, django_assert_max_num_queries) -> None:
    s = shop_a
    ring, chain = serial_piece(s), lot(s, 5)
    c = client_for(s.manager)
    response = c.get(reverse("pos:register"))
    assert response.status_code == 200 and "Open a shift" in response.content.decode()
    assert str(shop_b.terminal.pk) not in response.content.decode()
    response = c.post(reverse("pos:shift-open"), {"terminal": s.terminal.pk,
                                                  "opening_float": "100.00"})
    assert response.status_code == 302

    # Scanner: barcode + Enter, as an HTMX fragment; a serial piece goes in once.
    for code in (ring.barcode, chain.sku, chain.barcode):
        with django_assert_max_num_queries(30):  # the first makes the cart
            response = c.post(reverse("pos:scan"), {"code": code}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
    html = response.content.decode()
    assert 'id="cart"' in html and "<html" not in html and ring.sku in html
    total = ring.selling_price + 2 * chain.selling_price
    assert f"{total}" in html
    response = c.post(reverse("pos:scan"), {"code": ring.barcode}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "already in the cart" in response.content.decode()
    response = c.post(reverse("pos:scan"), {"code": shop_b.extra["item"].barcode + "X"},
                      HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "No item has this code" in response.content.decode()

    key = _key(c.get(reverse("pos:register")).content.decode())
    # Underpaid: the same form comes back with the message, nothing sold.
    response = c.post(reverse("pos:complete"), {"idempotency_key": key, "cash": "1.00"})
    assert response.status_code == 422 and "still due" in response.content.decode()
    form = {"idempotency_key": key, "card": "100.00", "card_reference": "AUTH-9",
            "cash": str(total - D("100.00") + D("50.00")), "cart_discount": "0"}
    response = c.post(reverse("pos:complete"), form)
    assert response.status_code == 302
    with tenant_context(s.tenant):
        sale = Sale.objects.get(idempotency_key=key)
        assert sale.total == total and sale.cashier == s.manager
        assert Payment.objects.get(sale=sale, method="cash").change_given == D("50.00")
        assert StockLevel.objects.get(item=chain, branch=s.main).quantity == 3
    page = c.get(response["Location"]).content.decode()
    assert sale.display_number in page and "50.00" in page

    # A double submit (same key) gives the same sale, not a second one.
    response = c.post(reverse("pos:complete"), form)
    with tenant_context(s.tenant):
        assert Sale.objects.filter(idempotency_key=key).count() == 1
        assert Sale.objects.count() == 2

    # Shop B cannot open A's sale.
    assert client_for(shop_b.owner).get(
        reverse("pos:sale-detail", args=[sale.pk])).status_code == 404

    expected = D("100.00") + total - D("100.00")
    response = c.post(reverse("pos:shift-close"), {"counted_cash": str(expected)})
    assert response.status_code == 302
    report = c.get(response["Location"]).content.decode()
    assert "Z report" in report and 'id="z-over-short">0.00<' in report


def test_a_cashier_sees_only_their_branchs_terminals(shop_a) -> None:
    # The factory's cashier works at the Bazaar branch; the terminal is at the main one.
    response = client_for(shop_a.cashier).get(reverse("pos:register"))
    assert str(shop_a.terminal.pk) not in response.content.decode()
    response = client_for(shop_a.cashier).post(
        reverse("pos:shift-open"), {"terminal": shop_a.terminal.pk, "opening_float": "0"})
    assert response.status_code == 422
