"""Branch scope in the POS pages: a cashier bound to Bazaar sees Bazaar's sales,
returns, buy-backs and receipts only; main's answer 404 as another shop's would.
Owners, managers and staff without a branch see every branch's."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from pos import buybacks, returns, selectors
from pos import services as pos
from pos.models import BuyBack, Sale, SaleReturn
from tenants.context import tenant_context
from tests.factories import Shop, item_make, pos_sale_make
from tests.pos.conftest import Bazaar, receive
from tests.pos.test_views import client_for

D = Decimal
pytestmark = pytest.mark.django_db


@dataclass
class Rows:
    sale: Sale
    ret: SaleReturn
    buy_back: BuyBack


@dataclass
class Scene:
    s: Shop
    bazaar: Bazaar
    main: Rows  # the world's sale, return and buy-back, at main
    here: Rows  # Bazaar's, made by its own cashier at its till


@pytest.fixture
def scene(shop_a, bazaar) -> Scene:
    s = shop_a
    piece = item_make(s)
    receive(s, piece, 1, branch=s.branch)
    with tenant_context(s.tenant):
        shift = pos.shift_open(tenant=s.tenant, actor=bazaar.cashier, terminal=bazaar.terminal,
                               opening_float=D("1000.00"))
    sale = pos_sale_make(s, shift=shift, lines=[(piece, 1, D(0))], actor=bazaar.cashier)
    with tenant_context(s.tenant):
        line = sale.lines.get()
        ret = returns.sale_return_create(tenant=s.tenant, actor=bazaar.cashier, shift=shift,
                                         sale=sale, lines=[(line, 1)], reason="Too small",
                                         settlement="original")
        buy_back = buybacks.buy_back_create(
            tenant=s.tenant, actor=bazaar.cashier, shift=shift, weight="1.000", karat=18,
            seller_name="Maryam Rahimi", seller_id_number="0012345678")
    assert sale.branch_id == ret.branch_id == buy_back.branch_id == s.branch.pk
    main = Rows(s.extra["sale"], s.extra["sale_return"], s.extra["buy_back"])
    assert main.sale.branch_id == main.ret.branch_id == main.buy_back.branch_id == s.main.pk
    return Scene(s, bazaar, main, Rows(sale, ret, buy_back))


def _pages(rows: Rows) -> list[str]:
    """Every GET page of a sale, its return and its buy-back, receipts included."""
    sale, ret, buy = ({"sale_id": rows.sale.pk}, {"return_id": rows.ret.pk},
                      {"buy_back_id": rows.buy_back.pk})
    return [reverse(name, kwargs=kwargs) for name, kwargs in (
        ("pos:sale-detail", sale), ("pos:sale-receipt", sale), ("pos:sale-receipt-pdf", sale),
        ("pos:return-create", sale),
        ("pos:return-detail", ret), ("pos:return-receipt", ret),
        ("pos:return-receipt-pdf", ret),
        ("pos:buyback-detail", buy), ("pos:buyback-receipt", buy),
        ("pos:buyback-receipt-pdf", buy))]


def _emails(rows: Rows) -> list[str]:
    return [reverse("pos:sale-receipt-email", kwargs={"sale_id": rows.sale.pk}),
            reverse("pos:return-receipt-email", kwargs={"return_id": rows.ret.pk}),
            reverse("pos:buyback-receipt-email", kwargs={"buy_back_id": rows.buy_back.pk})]


def _detail_links(html: str, rows: Rows) -> tuple[bool, bool]:
    return (reverse("pos:return-detail", kwargs={"return_id": rows.ret.pk}) in html,
            reverse("pos:buyback-detail", kwargs={"buy_back_id": rows.buy_back.pk}) in html)


def test_a_branch_bound_cashier_lists_their_branchs_returns_and_buy_backs(scene) -> None:
    c = client_for(scene.bazaar.cashier)
    html = (c.get(reverse("pos:return-list")).content.decode()
            + c.get(reverse("pos:buyback-list")).content.decode())
    assert _detail_links(html, scene.here) == (True, True)
    assert _detail_links(html, scene.main) == (False, False), "main's rows leaked to Bazaar"


def test_another_branchs_pages_and_receipts_answer_404(scene) -> None:
    c = client_for(scene.bazaar.cashier)
    for url in _pages(scene.here):
        assert c.get(url).status_code == 200, url
    for url in _pages(scene.main):
        assert c.get(url).status_code == 404, url
    for url in _emails(scene.main):
        assert c.post(url, {"email": "buyer@example.com"}).status_code == 404, url
    assert mail.outbox == []
    # Nor can the register take main's sale back (the return panel's POST).
    response = c.post(reverse("pos:register-return", kwargs={"sale_id": scene.main.sale.pk}),
                      {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 404


def test_the_registers_return_search_finds_only_the_branchs_sales(scene) -> None:
    """By number or by the receipt's QR code (the sale's URL)."""
    c = client_for(scene.bazaar.cashier)
    url = reverse("pos:register-return-find")
    for sale, found in ((scene.here.sale, True), (scene.main.sale, False)):
        qr = "https://shop.example" + reverse("pos:sale-detail", kwargs={"sale_id": sale.pk})
        for code in (sale.display_number, qr):
            response = c.get(url, {"find-code": code}, HTTP_HX_REQUEST="true")
            html = response.content.decode()
            # found: the sale's return form (the typed code is echoed either way)
            assert (response.status_code, 'id="return-sale"' in html) == (
                (200, True) if found else (422, False)), code
            if not found:
                assert "No sale of your branch has this number or code" in html
    with tenant_context(scene.s.tenant):
        assert selectors.sale_find(code=scene.main.sale.display_number,
                                   user=scene.s.cashier) == scene.main.sale


def test_owners_managers_and_staff_without_a_branch_see_every_branch(scene, shop_b) -> None:
    s = scene.s
    for user in (s.owner, s.manager, s.cashier):
        c = client_for(user)
        html = (c.get(reverse("pos:return-list")).content.decode()
                + c.get(reverse("pos:buyback-list")).content.decode())
        assert _detail_links(html, scene.here) == (True, True), user.email
        assert _detail_links(html, scene.main) == (True, True), user.email
        for url in _pages(scene.main) + _pages(scene.here):
            assert c.get(url).status_code == 200, (user.email, url)
    # Another shop's owner sees none of it (RLS): the same 404.
    c = client_for(shop_b.owner)
    for url in _pages(scene.here):
        assert c.get(url).status_code == 404, url
