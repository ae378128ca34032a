"""Old gold credited to the current sale (an exchange at the register): the buy-back
is made in the sale's transaction, pays as the tender "old_gold", the customer pays
only the rest, the scrap lot carries its fine weight, and only the cash paid reaches
the shift's drawer maths. The sale's idempotency key covers the buy-back too."""

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from crm import selectors as crm_selectors
from inventory.models import StockLevel, StockMovement
from pos import carts, returns, selectors, services
from pos.models import BuyBack, Cart, Payment, Refund, Sale, SaleEvent
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.pos.conftest import open_shift, serial_piece
from tests.pos.test_views import client_for

D = Decimal
pytestmark = pytest.mark.django_db

# 10 g of 18K (750 ‰), 4 % melt loss, 31.25 per gram as bought:
# payout = 10 x 0.96 x 31.25 = 300.00; fine = 10 x 0.750 x 0.96 = 7.200 g.
GOLD = {"weight": "10.000", "karat": 18, "melt_loss_percent": "4", "rate": "31.25"}


def _cart_worth_1000(s, shift):
    piece = serial_piece(s, price_mode="fixed", fixed_price=D("1000.00"), name="Bangle")
    with tenant_context(s.tenant):
        line = carts.cart_line_add(tenant=s.tenant, actor=s.cashier, shift=shift, item=piece)
        carts.cart_set_customer(tenant=s.tenant, actor=s.cashier, cart=line.cart,
                                customer=s.extra["customer"])
    return piece, line.cart


def _add_gold(s, shift, **overrides):
    with tenant_context(s.tenant):
        return carts.cart_old_gold_add(tenant=s.tenant, actor=s.cashier, shift=shift,
                                       **{**GOLD, **overrides})


def _complete(s, shift, key, payments):
    with tenant_context(s.tenant):
        return carts.cart_complete(tenant=s.tenant, actor=s.cashier, shift=shift,
                                   cart=carts.cart_active_for(shift=shift),
                                   idempotency_key=key, payments=payments)


def test_old_gold_worth_300_pays_part_of_a_1000_sale(shop_a) -> None:
    s = shop_a
    shift = open_shift(s, D("200.00"))
    piece, cart = _cart_worth_1000(s, shift)
    cart = _add_gold(s, shift)
    with tenant_context(s.tenant):
        view = carts.cart_view(tenant=s.tenant, cart=cart)
    assert view.total == D("1000.00") and view.old_gold_total == D("300.00")
    assert view.due == D("700.00")
    entry = view.old_gold[0]
    assert (entry["payout"], entry["fine_weight"]) == ("300.00", "7.200")
    # The seller is the cart's customer.
    assert entry["customer"] == str(s.extra["customer"].pk)

    sale = _complete(s, shift, uuid.uuid4(), [("cash", D("700.00"), "")])
    with tenant_context(s.tenant):
        sale = Sale.objects.get(pk=sale.pk)
        assert sale.total == D("1000.00")
        payments = {p.method: p for p in Payment.objects.filter(sale=sale)}
        assert set(payments) == {"old_gold", "cash"}
        assert payments["old_gold"].amount == D("300.00")
        assert payments["cash"].amount == D("700.00")
        assert payments["cash"].change_given == 0
        assert sum(p.net_amount for p in payments.values()) == sale.total

        row = BuyBack.objects.select_related("scrap_item").get(sale=sale)
        assert payments["old_gold"].reference == row.display_number
        assert row.settlement == BuyBack.Settlement.SALE
        assert row.payout == D("300.00") and row.credit_card_id is None
        assert row.customer_id == s.extra["customer"].pk
        # fine weight = weight x purity x (1 - melt loss) = 10 x 0.750 x 0.96
        assert row.fine_weight == D("10.000") * D("0.750") * (1 - D("0.04")) == D("7.200")
        scrap = row.scrap_item
        assert (scrap.gross_weight, scrap.net_weight, scrap.cost) == (
            D("10.000"), D("9.600"), D("300.00"))
        assert StockLevel.objects.get(item=scrap, branch=s.main).quantity == 1
        assert StockMovement.objects.get(item=scrap).kind == "buy_back"
        assert StockLevel.objects.get(item=piece, branch=s.main).quantity == 0
        assert SaleEvent.objects.filter(kind="buyback.completed", buy_back=row).count() == 1
        assert SaleEvent.objects.filter(kind="sale.completed", sale=sale).count() == 1
        assert not Cart.objects.filter(pk=cart.pk).exists()

        # The drawer: float + the 700 of cash; the old gold is no payout.
        assert selectors.shift_cash_sales(shift=shift) == D("700.00")
        assert selectors.shift_payouts(shift=shift) == 0
        assert selectors.shift_expected_cash(shift=shift) == D("900.00")
        report = selectors.shift_z_report(shift=shift)
        assert report.by_method == {"cash": D("700.00"), "old_gold": D("300.00")}
        assert report.total == D("1000.00") and report.expected_cash == D("900.00")
        assert report.buybacks_count == 1 and report.buybacks_fine_weight == D("7.200")
        closed = services.shift_close(tenant=s.tenant, actor=s.cashier, shift=shift,
                                      counted_cash=D("900.00"))
        assert closed.over_short == 0


def test_the_same_key_twice_makes_one_sale_and_one_buy_back(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    _cart_worth_1000(s, shift)
    _add_gold(s, shift)
    key = uuid.uuid4()
    first = _complete(s, shift, key, [("card", D("700.00"), "A-1")])
    again = _complete(s, shift, key, [("card", D("700.00"), "A-1")])
    assert again.pk == first.pk
    with tenant_context(s.tenant):
        # The page resubmits after the cart is gone, or a caller sends the entries again.
        third = services.sale_complete(
            tenant=s.tenant, actor=s.cashier, shift=shift, idempotency_key=key,
            lines=[], payments=[("card", D("700.00"), "A-1")],
            old_gold=[{**GOLD, "payout": "300.00", "seller_name": "X",
                       "seller_id_number": "1"}])
        assert third.pk == first.pk
        assert Sale.objects.filter(idempotency_key=key).count() == 1
        assert BuyBack.objects.filter(sale=first).count() == 1
        assert Payment.objects.filter(sale=first).count() == 2


def test_refused_exchanges_change_nothing(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    _cart_worth_1000(s, shift)
    _add_gold(s, shift)
    with tenant_context(s.tenant):
        before = BuyBack.objects.count()
    with pytest.raises(BusinessRuleError, match="100.00 is still due"):
        _complete(s, shift, uuid.uuid4(), [("cash", D("600.00"), "")])
    with pytest.raises(BusinessRuleError, match="old gold panel"):
        _complete(s, shift, uuid.uuid4(), [("old_gold", D("700.00"), "")])
    # Worth more than the sale: 4 x 300 > 1000.
    for _i in range(3):
        _add_gold(s, shift)
    with pytest.raises(BusinessRuleError, match="worth more than the sale"):
        _complete(s, shift, uuid.uuid4(), [])
    with tenant_context(s.tenant):
        cart = carts.cart_active_for(shift=shift)
        assert len(cart.old_gold) == 4
        for entry in cart.old_gold[1:]:
            cart = carts.cart_old_gold_remove(tenant=s.tenant, actor=s.cashier, cart=cart,
                                              entry_id=entry["id"])
        assert len(cart.old_gold) == 1
        assert BuyBack.objects.count() == before
        assert not Sale.objects.filter(shift=shift).exists()
    # Bad figures and an unknown seller are refused before the cart changes.
    with tenant_context(s.tenant):
        carts.cart_set_customer(tenant=s.tenant, actor=s.cashier, cart=cart, customer=None)
    with pytest.raises(BusinessRuleError, match="Record the seller"):
        _add_gold(s, shift)
    with pytest.raises(BusinessRuleError, match="milligram"):
        _add_gold(s, shift, weight="1.0005", seller_name="M", seller_id_number="9")
    with pytest.raises(BusinessRuleError, match="melt loss"):
        _add_gold(s, shift, melt_loss_percent="100", seller_name="M", seller_id_number="9")
    with tenant_context(s.tenant):
        assert len(carts.cart_active_for(shift=shift).old_gold) == 1


def test_a_named_seller_and_a_return_of_the_exchange_sale(shop_a) -> None:
    """The seller can be someone other than the buyer; returning the sale gives the
    old gold's part back as trade-in credit, never as drawer cash."""
    s = shop_a
    shift = open_shift(s, D("0"))
    _cart_worth_1000(s, shift)
    _add_gold(s, shift, seller_name="Maryam Rahimi", seller_id_number="0012345678")
    sale = _complete(s, shift, uuid.uuid4(), [("cash", D("700.00"), "")])
    with tenant_context(s.tenant):
        row = BuyBack.objects.get(sale=sale)
        assert row.customer_id is None
        assert (row.seller_name, row.seller_id_number) == ("Maryam Rahimi", "0012345678")
        line = sale.lines.get()
        ret = returns.sale_return_create(tenant=s.tenant, actor=s.manager, shift=shift,
                                         sale=sale, lines=[(line, 1)], reason="Changed mind",
                                         manager_pin="", settlement="original")
        refunds = {r.method: r.amount for r in Refund.objects.filter(sale_return=ret)}
        assert refunds == {"old_gold": D("300.00"), "cash": D("700.00")}
        ret.refresh_from_db()
        assert crm_selectors.gift_card_balance_of(card=ret.credit_card) == D("300.00")
        assert selectors.shift_expected_cash(shift=shift) == 0


def test_the_z_report_counts_old_gold_credited_to_a_sale_as_trade_in_credit(shop_a) -> None:
    """QA 3: old gold credited to a sale (settlement "sale") is trade-in credit on the Z
    report, beside a buy-back paid as a gift card ("credit"); neither moves cash."""
    from pos import buybacks

    s = shop_a
    shift = open_shift(s, D("200.00"))
    _cart_worth_1000(s, shift)
    _add_gold(s, shift)
    _complete(s, shift, uuid.uuid4(), [("cash", D("700.00"), "")])
    with tenant_context(s.tenant):
        report = selectors.shift_z_report(shift=shift)
    assert report.buybacks_credit == D("300.00")
    assert report.buybacks_sale_credit == D("300.00")
    assert report.payouts == 0 and report.expected_cash == D("900.00")
    with tenant_context(s.tenant):  # 2 g 18K at 31.25, to a gift card: 62.50 more credit
        buybacks.buy_back_create(tenant=s.tenant, actor=s.cashier, shift=shift,
                                 weight="2.000", karat=18, rate="31.25", settlement="credit",
                                 customer=s.extra["customer"])
        report = selectors.shift_z_report(shift=shift)
    assert report.buybacks_credit == D("362.50")
    assert report.buybacks_sale_credit == D("300.00")
    assert report.payouts == 0 and report.expected_cash == D("900.00")
    page = client_for(s.cashier).get(reverse("pos:shift-report", args=[shift.pk]))
    html = page.content.decode()
    assert re.search(r'id="z-buybacks-credit">\$362\.50<', html)
    assert re.search(r'id="z-buybacks-sale-credit">\$300\.00<', html)
    assert re.search(r'id="z-expected">\$900\.00<', html)
