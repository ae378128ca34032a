"""The register's Return and Old gold actions with the Django client (HTMX fragments):
old gold credited to the cart and paid as "Old gold credit", old gold paid out in cash,
a return found by sale number or receipt QR, and the errors (422, nothing changed)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from pos.models import BuyBack, Payment, Sale, SaleReturn
from tenants.context import tenant_context
from tests.pos.conftest import serial_piece
from tests.pos.test_views import _key, client_for

D = Decimal
pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
GOLD = {"gold-weight": "10.000", "gold-karat": "18", "gold-melt_loss_percent": "4",
        "gold-rate": "31.25"}


def _open(c, s) -> None:
    c.post(reverse("pos:shift-open"), {"terminal": s.terminal.pk, "opening_float": "500.00"})


def _sold_for_cash(c, s, piece):  # noqa: ANN202
    """Open a shift, scan `piece` and complete the sale in cash at its price (the
    register's own requests); the sale and its one line."""
    _open(c, s)
    c.post(reverse("pos:scan"), {"code": piece.barcode}, **HX)
    key = _key(c.get(reverse("pos:register")).content.decode())
    c.post(reverse("pos:complete"), {"idempotency_key": key, "cash": str(piece.selling_price)})
    with tenant_context(s.tenant):
        sale = Sale.objects.get(idempotency_key=key)
        return sale, sale.lines.get()


def test_old_gold_credited_to_the_sale_through_the_register(shop_a) -> None:
    s = shop_a
    piece = serial_piece(s, price_mode="fixed", fixed_price=D("1000.00"))
    c = client_for(s.manager)
    _open(c, s)
    page = c.get(reverse("pos:register")).content.decode()
    assert 'id="old-gold-panel"' in page and 'id="return-panel"' in page and "F7" in page
    c.post(reverse("pos:scan"), {"code": piece.barcode}, **HX)

    # No seller and no customer on the cart: refused, the form says why, cart unchanged.
    response = c.post(reverse("pos:old-gold-credit"), GOLD, **HX)
    assert response.status_code == 422
    assert "Record the seller" in response.content.decode()
    response = c.post(reverse("pos:old-gold-credit"),
                      {**GOLD, "gold-seller_name": "Maryam Rahimi",
                       "gold-seller_id_number": "0012345678"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    # The panel, the cart (out of band: "To pay" 700) and the payment panel's credit line.
    assert 'id="old-gold"' in html and "300.00" in html
    assert re.search(r'id="cart"[^>]*data-due="700.00"[^>]*hx-swap-oob', html)
    assert re.search(r'id="payment-credits" hx-swap-oob="outerHTML"', html)
    assert 'data-payment="old_gold"' in html and 'id="payment-due">700.00' in html

    # A scan keeps the credit line in the payment panel (sent out of band again).
    page = c.get(reverse("pos:register")).content.decode()
    assert "Old gold credit" in page and 'id="cart-due">700.00' in page
    key = _key(page)
    response = c.post(reverse("pos:complete"), {"idempotency_key": key, "cash": "650.00"}, **HX)
    assert response.status_code == 422 and "50.00 is still due" in response.content.decode()
    assert 'data-payment="old_gold"' in response.content.decode()
    response = c.post(reverse("pos:complete"), {"idempotency_key": key, "cash": "700.00"}, **HX)
    assert response.status_code == 200 and "/receipt/" in response["HX-Redirect"]
    with tenant_context(s.tenant):
        sale = Sale.objects.get(idempotency_key=key)
        methods = {p.method: p.amount for p in Payment.objects.filter(sale=sale)}
        assert methods == {"old_gold": D("300.00"), "cash": D("700.00")}
        row = BuyBack.objects.get(sale=sale)
    receipt = c.get(response["HX-Redirect"]).content.decode()
    assert "Old gold credit" in receipt and row.display_number in receipt


def test_old_gold_paid_out_in_cash_and_removed_from_the_cart(shop_a) -> None:
    s = shop_a
    c = client_for(s.manager)
    _open(c, s)
    seller = {"gold-seller_name": "Ali Mohammadi", "gold-seller_id_number": "0098765432"}
    response = c.post(reverse("pos:old-gold-cash"), {**GOLD, **seller}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    with tenant_context(s.tenant):
        row = BuyBack.objects.get(seller_id_number="0098765432")
        assert row.settlement == "cash" and row.payout == D("300.00") and row.sale_id is None
    assert row.display_number in html and reverse("pos:buyback-receipt", args=[row.pk]) in html
    assert 'id="cart"' not in html  # the cart did not change
    # The drawer's lines (shift close) follow: 500.00 float - 300.00 paid out.
    assert re.search(r'id="drawer-lines" hx-swap-oob="outerHTML"', html)
    assert re.search(r'id="drawer-payouts">&lrm;−\$?300\.00<', html), html
    assert re.search(r'id="drawer-expected">\$?200\.00<', html)

    # More than the drawer holds: refused.
    response = c.post(reverse("pos:old-gold-cash"), {**GOLD, **seller, "gold-weight": "100"},
                      **HX)
    assert response.status_code == 422 and "drawer holds only" in response.content.decode()

    # Credited, then taken off again.
    c.post(reverse("pos:old-gold-credit"), {**GOLD, **seller}, **HX)
    page = c.get(reverse("pos:register")).content.decode()
    entry = re.search(r'data-old-gold="([0-9a-f]{32})"', page).group(1)
    response = c.post(reverse("pos:old-gold-remove"), {"entry": entry}, **HX)
    assert response.status_code == 200 and "data-old-gold" not in response.content.decode()
    response = c.post(reverse("pos:old-gold-remove"), {"entry": entry}, **HX)
    assert response.status_code == 422


def test_return_from_the_register_by_number_and_by_qr(shop_a, shop_b) -> None:
    s = shop_a
    piece = serial_piece(s, price_mode="fixed", fixed_price=D("400.00"))
    c = client_for(s.manager)
    sale, line = _sold_for_cash(c, s, piece)

    find = reverse("pos:register-return-find")
    response = c.get(find, {"find-code": "S-999999"}, **HX)
    assert response.status_code == 422 and "No sale has this number" in response.content.decode()
    # Another shop's sale does not exist here, even by its receipt's QR.
    other = f"http://testserver/pos/sales/{shop_b.extra['sale'].pk}/receipt/"
    assert c.get(find, {"find-code": other}, **HX).status_code == 422
    for code in (sale.display_number, str(sale.number),
                 f"http://testserver{reverse('pos:sale-receipt', args=[sale.pk])}"):
        response = c.get(find, {"find-code": code}, **HX)
        html = response.content.decode()
        assert response.status_code == 200, code
        assert sale.display_number in html and f'name="ret-qty_{line.pk}"' in html
    # Without JavaScript the find goes to the return page of the sale.
    response = c.get(find, {"find-code": sale.display_number})
    assert response.status_code == 302
    assert response["Location"] == reverse("pos:return-create", args=[sale.pk])

    url = reverse("pos:register-return", args=[sale.pk])
    response = c.post(url, {f"ret-qty_{line.pk}": "2", "ret-reason": "Too big",
                            "ret-settlement": "original"}, **HX)
    assert response.status_code == 422
    response = c.post(url, {f"ret-qty_{line.pk}": "1", "ret-reason": "Too big",
                            "ret-settlement": "original"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    with tenant_context(s.tenant):
        ret = SaleReturn.objects.get(sale=sale)
    assert ret.display_number in html and reverse("pos:return-receipt", args=[ret.pk]) in html
    # The drawer's lines follow the cash refund: 500.00 + 400.00 sold - 400.00 back.
    assert re.search(r'id="drawer-cash-refunds">&lrm;−\$?400\.00<', html), html
    assert re.search(r'id="drawer-expected">\$?500\.00<', html)
    response = c.get(find, {"find-code": sale.display_number}, **HX)
    assert 'id="nothing-left"' in response.content.decode()


def test_exchange_credit_shows_its_gift_card_code_and_the_receipt_its_balance(shop_a) -> None:
    """QA 14: the register's note after a return to exchange credit gives the new gift
    card's code, labelled "Gift card code" on the return's page and receipt; a sale
    paid with that card prints what is left on it."""
    s = shop_a
    piece = serial_piece(s, price_mode="fixed", fixed_price=D("400.00"))
    other = serial_piece(s, price_mode="fixed", fixed_price=D("150.00"))
    c = client_for(s.manager)
    sale, line = _sold_for_cash(c, s, piece)
    response = c.post(reverse("pos:register-return", args=[sale.pk]),
                      {f"ret-qty_{line.pk}": "1", "ret-reason": "Swap",
                       "ret-settlement": "exchange"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    with tenant_context(s.tenant):
        ret = SaleReturn.objects.select_related("credit_card").get(sale=sale)
        card = ret.credit_card
    assert f"Gift card code: {card.display_code}" in html
    for url in (reverse("pos:return-detail", args=[ret.pk]),
                reverse("pos:return-receipt", args=[ret.pk])):
        page = c.get(url).content.decode()
        assert "Gift card code" in page and "Credit card code" not in page
        assert card.display_code in page

    # 150.00 of the 400.00 card pays the next sale: 250.00 is left on it.
    c.post(reverse("pos:scan"), {"code": other.barcode}, **HX)
    key = _key(c.get(reverse("pos:register")).content.decode())
    response = c.post(reverse("pos:complete"), {"idempotency_key": key, "gift_card": "150.00",
                                                "gift_card_code": card.display_code})
    assert response.status_code == 302
    with tenant_context(s.tenant):
        paid = Sale.objects.get(idempotency_key=key)
    page = c.get(reverse("pos:sale-receipt", args=[paid.pk])).content.decode()
    assert f"Gift card …{card.code[-4:]}: balance left" in page
    assert re.search(r"balance left</span>\s*<span>\$250\.00<", page), page
    # Spent again later: the first receipt still says what was left then.
    with tenant_context(s.tenant):
        from crm import services as crm

        crm.gift_card_redeem(tenant=s.tenant, actor=s.owner, code=card.code,
                             amount=D("50.00"))
    page = c.get(reverse("pos:sale-receipt", args=[paid.pk])).content.decode()
    assert re.search(r"balance left</span>\s*<span>\$250\.00<", page)
