"""Acceptance 5: returns restore stock and refund correctly; never more than was sold."""

from decimal import Decimal

import pytest

from crm import selectors as crm_selectors
from crm.models import PointsTransaction
from inventory.models import StockMovement
from pos import returns, selectors
from pos import services as pos
from pos.models import Refund, Sale, SaleEvent, SaleReturn, SaleReturnLine
from tenants import services as tenants
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.models import Counter
from tests.factories import pos_sale_make
from tests.pos.conftest import lot, open_shift, serial_piece
from tests.pos.test_sales import level

D = Decimal
pytestmark = pytest.mark.django_db


def do_return(s, shift, sale, lines, **kwargs):
    kwargs.setdefault("reason", "Wrong size")
    with tenant_context(s.tenant):
        return returns.sale_return_create(tenant=s.tenant, actor=kwargs.pop("actor", s.cashier),
                                          shift=shift, sale=sale, lines=lines, **kwargs)


def sale_lines(s, sale):
    with tenant_context(s.tenant):
        return list(Sale.objects.get(pk=sale.pk).lines.all())


def test_partial_returns_restore_stock_and_refund_cash_exactly(shop_a, shop_b) -> None:
    s = shop_a
    shift = open_shift(s, D("50.00"))
    chain = lot(s, 5, net_weight=D("2.000"))
    sale = pos_sale_make(s, shift=shift, lines=[(chain, 3, D("1.00"))], cart_discount=D("0.05"))
    (line,) = sale_lines(s, sale)
    assert level(s, chain) == 2

    first = do_return(s, shift, sale, [(line, 1)])
    second = do_return(s, shift, sale, [(line.pk, 2)])
    with tenant_context(s.tenant):
        # The world made return no. 1.
        assert (first.display_number, second.display_number) == ("R-000002", "R-000003")
        assert first.total + second.total == line.total  # every cent, no more
        assert first.total == D(str(round(line.total / 3, 2)))
        assert sum(r.amount for r in Refund.objects.filter(sale_return__sale=sale)) == line.total
        assert set(Refund.objects.filter(sale_return__sale=sale)
                   .values_list("method", flat=True)) == {"cash"}
        assert SaleReturnLine.objects.filter(sale_line=line).count() == 2
        assert Sale.objects.get(pk=sale.pk).status == Sale.Status.RETURNED
        moves = StockMovement.objects.filter(item=chain, kind="return")
        assert sorted(m.quantity for m in moves) == [1, 2]
        assert SaleEvent.objects.filter(kind="sale.returned", posted_at__isnull=True,
                                        sale__isnull=True).count() == 2
        assert Counter.objects.get(key="return").value == 3
        assert selectors.shift_cash_refunds(shift=shift) == line.total
        assert selectors.shift_expected_cash(shift=shift) == D("50.00")
    assert level(s, chain) == 5

    with pytest.raises(BusinessRuleError, match="can still come back"):
        do_return(s, shift, sale, [(line, 1)])
    with tenant_context(shop_b.tenant):
        assert not SaleReturn.objects.filter(pk__in=[first.pk, second.pk]).exists()
        assert Counter.objects.get(key="return").value == 1


def test_more_than_sold_is_refused_and_nothing_changes(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    chain = lot(s, 5)
    sale = pos_sale_make(s, shift=shift, lines=[(chain, 2, D(0))])
    (line,) = sale_lines(s, sale)
    with pytest.raises(BusinessRuleError, match="can still come back"):
        do_return(s, shift, sale, [(line, 3)])
    with pytest.raises(BusinessRuleError, match="can still come back"):
        do_return(s, shift, sale, [(line, 1), (line, 2)])  # the same line twice adds up
    with pytest.raises(BusinessRuleError, match="why"):
        do_return(s, shift, sale, [(line, 1)], reason="  ")
    with tenant_context(s.tenant):
        assert not SaleReturn.objects.filter(sale=sale).exists()
        assert not Refund.objects.filter(sale_return__sale=sale).exists()
        assert Counter.objects.get(key="return").value == 1
        assert Sale.objects.get(pk=sale.pk).status == Sale.Status.COMPLETED
    assert level(s, chain) == 3


def test_a_line_of_another_sale_is_refused(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    chain = lot(s, 5)
    sale1 = pos_sale_make(s, shift=shift, lines=[(chain, 1, D(0))])
    sale2 = pos_sale_make(s, shift=shift, lines=[(chain, 1, D(0))])
    with pytest.raises(BusinessRuleError, match="not part of the sale"):
        do_return(s, shift, sale1, [(sale_lines(s, sale2)[0], 1)])


def test_split_tenders_refund_non_cash_first_and_points_go_back(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    customer = s.extra["customer"]
    ring, chain = serial_piece(s), lot(s, 4, net_weight=D("1.000"))
    total = ring.selling_price + 2 * chain.selling_price
    with tenant_context(s.tenant):
        credit_before = crm_selectors.store_credit_balance(customer=customer)
    sale = pos_sale_make(s, shift=shift, customer=customer,
                         lines=[(ring, 1, D(0)), (chain, 2, D(0))],
                         payments=[("store_credit", D("40.00"), ""),
                                   ("card", D("100.00"), "AUTH-9"),
                                   ("cash", total - D("140.00"), "")])
    with tenant_context(s.tenant):
        earned = PointsTransaction.objects.get(customer=customer, reference=sale.display_number)
        points_after_sale = crm_selectors.points_available(customer=customer)
    ring_line, chain_line = sale_lines(s, sale)

    ret = do_return(s, shift, sale, [(ring_line, 1)])
    with tenant_context(s.tenant):
        refunds = {r.method: r for r in Refund.objects.filter(sale_return=ret)}
        assert ret.total == ring_line.total
        assert refunds["store_credit"].amount == D("40.00")
        assert refunds["card"].amount == D("100.00") and refunds["card"].reference == "AUTH-9"
        assert refunds["cash"].amount == ring_line.total - D("140.00")
        assert crm_selectors.store_credit_balance(customer=customer) == credit_before
        expected_taken = int(earned.points * ret.total / sale.total)
        assert ret.points_reversed == expected_taken > 0
        assert crm_selectors.points_available(customer=customer) == \
            points_after_sale - expected_taken
        assert Sale.objects.get(pk=sale.pk).status == Sale.Status.PARTIALLY_RETURNED
    assert level(s, ring) == 1

    # The rest: cash only is left to take it; all points earned come back exactly.
    rest = do_return(s, shift, sale, [(chain_line, 2)], settlement="original")
    with tenant_context(s.tenant):
        assert set(Refund.objects.filter(sale_return=rest).values_list("method", flat=True)) \
            == {"cash"}
        assert ret.points_reversed + SaleReturn.objects.get(pk=rest.pk).points_reversed \
            == earned.points
        assert crm_selectors.points_available(customer=customer) == \
            points_after_sale - earned.points


def test_store_credit_and_exchange_credit(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    customer = s.extra["customer"]
    chain = lot(s, 4)
    sale = pos_sale_make(s, shift=shift, customer=customer, lines=[(chain, 2, D(0))])
    (line,) = sale_lines(s, sale)
    with tenant_context(s.tenant):
        credit_before = crm_selectors.store_credit_balance(customer=customer)
    ret = do_return(s, shift, sale, [(line, 1)], settlement="store_credit")
    with tenant_context(s.tenant):
        assert crm_selectors.store_credit_balance(customer=customer) == credit_before + ret.total
        assert selectors.shift_cash_refunds(shift=shift) == 0

    exchange = do_return(s, shift, sale, [(line, 1)], settlement="exchange")
    with tenant_context(s.tenant):
        card = SaleReturn.objects.get(pk=exchange.pk).credit_card
        assert crm_selectors.gift_card_balance_of(card=card) == exchange.total
    # The exchange credit pays for the replacement at the register.
    other = lot(s, 1)
    new_sale = pos_sale_make(s, shift=shift, lines=[(other, 1, D(0))], payments=[
        ("gift_card", min(exchange.total, other.selling_price), card.code),
        *([("cash", other.selling_price - exchange.total, "")]
          if other.selling_price > exchange.total else [])])
    assert new_sale.number > sale.number


def test_store_credit_needs_a_customer(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    chain = lot(s, 2)
    sale = pos_sale_make(s, shift=shift, lines=[(chain, 1, D(0))])
    with pytest.raises(BusinessRuleError, match="no customer"):
        do_return(s, shift, sale, sale_lines(s, sale) and [(sale_lines(s, sale)[0], 1)],
                  settlement="store_credit")


def test_over_the_limit_needs_a_managers_pin(shop_a) -> None:
    s = shop_a
    pos.pos_settings_update(tenant=s.tenant, actor=s.owner, return_approval_limit=D("10"))
    tenants.user_pin_set(user=s.manager, pin="2468")
    shift = open_shift(s)
    chain = lot(s, 2)
    sale = pos_sale_make(s, shift=shift, lines=[(chain, 1, D(0))])
    (line,) = sale_lines(s, sale)
    with pytest.raises(BusinessRuleError, match="manager"):
        do_return(s, shift, sale, [(line, 1)])
    with pytest.raises(BusinessRuleError, match="PIN"):
        do_return(s, shift, sale, [(line, 1)], manager_pin="1111")
    ret = do_return(s, shift, sale, [(line, 1)], manager_pin="2468")
    assert ret.approved_by == s.manager


def test_cash_refund_cannot_exceed_the_drawer(shop_a) -> None:
    s = shop_a
    first = open_shift(s, D("0"))
    chain = lot(s, 2)
    sale = pos_sale_make(s, shift=first, lines=[(chain, 1, D(0))])
    with tenant_context(s.tenant):
        pos.shift_close(tenant=s.tenant, actor=s.cashier, shift=first,
                        counted_cash=sale.total)
    empty = open_shift(s, D("0"))
    with pytest.raises(BusinessRuleError, match="drawer holds only"):
        do_return(s, empty, sale, [(sale_lines(s, sale)[0], 1)])
    ret = do_return(s, empty, sale, [(sale_lines(s, sale)[0], 1)], settlement="exchange")
    assert ret.total == sale.total
