"""Acceptance 5: returns restore stock and refund correctly; never more than was sold."""

import uuid
from decimal import Decimal

import pytest

from crm import selectors as crm_selectors
from crm import services as crm
from crm.models import GiftCard, GiftCardTransaction, PointsTransaction
from inventory.models import StockMovement
from pos import carts, receipts, returns, selectors
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
    # The sale's refunds so far count toward the approval limit: the owner does it.
    rest = do_return(s, shift, sale, [(chain_line, 2)], settlement="original", actor=s.owner)
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

    exchange = do_return(s, shift, sale, [(line, 1)], settlement="exchange", actor=s.owner)
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


def test_the_approval_limit_counts_the_sales_earlier_refunds(shop_a) -> None:
    """Limit 500: two pieces of 300.00 need a manager together, and so does the second
    of two returns of one piece each (a big refund cannot pass as small ones)."""
    s = shop_a
    shift = open_shift(s, D("1000.00"))
    chain = lot(s, 2, price_mode="fixed", fixed_price=D("300.00"))
    sale = pos_sale_make(s, shift=shift, lines=[(chain, 2, D(0))])
    (line,) = sale_lines(s, sale)
    with pytest.raises(BusinessRuleError, match="manager"):
        do_return(s, shift, sale, [(line, 2)])
    first = do_return(s, shift, sale, [(line, 1)])
    assert first.approved_by is None
    with pytest.raises(BusinessRuleError, match="manager"):
        do_return(s, shift, sale, [(line, 1)])
    second = do_return(s, shift, sale, [(line, 1)], actor=s.owner)
    assert second.approved_by == s.owner


def test_part_of_a_sale_paid_in_points_comes_back_in_points(shop_a) -> None:
    """A point is worth 1.00; 100.50 + 99.50 paid with 200 points. The 100.50 piece
    comes back as 101 points (a part of a point comes back whole), the other as the 99
    left: never more points than were paid, the money refunded exactly."""
    s = shop_a
    t, customer = s.tenant, s.extra["customer"]
    with tenant_context(t):
        crm.loyalty_settings_update(tenant=t, actor=s.owner, point_value=D("1.00"))
        crm.points_adjust(tenant=t, actor=s.owner, customer=customer, points=500,
                          reason="test")
    shift = open_shift(s)
    a = serial_piece(s, price_mode="fixed", fixed_price=D("100.50"))
    b = serial_piece(s, price_mode="fixed", fixed_price=D("99.50"))
    sale = pos_sale_make(s, shift=shift, customer=customer,
                         lines=[(a, 1, D(0)), (b, 1, D(0))],
                         payments=[("points", D("200.00"), "")])
    with tenant_context(t):
        line_a = Sale.objects.get(pk=sale.pk).lines.get(item=a)
        line_b = Sale.objects.get(pk=sale.pk).lines.get(item=b)
    first = do_return(s, shift, sale, [(line_a, 1)], actor=s.owner)
    second = do_return(s, shift, sale, [(line_b, 1)], actor=s.owner)
    with tenant_context(t):
        one = list(Refund.objects.filter(sale_return=first))
        two = list(Refund.objects.filter(sale_return=second))
    assert [(r.method, r.amount, r.points) for r in one] == [("points", D("100.50"), 101)]
    assert [(r.method, r.amount, r.points) for r in two] == [("points", D("99.50"), 99)]


def test_gift_card_and_old_gold_tenders_come_back_on_one_card(shop_a) -> None:
    """A sale paid by a gift card (90.00), old gold and cash comes back whole: the gift
    card and the old gold parts go on one new card, whose code the return keeps and its
    receipt prints; nothing is issued that the return does not name."""
    s = shop_a
    t = s.tenant
    shift = open_shift(s, D("200.00"))
    piece = serial_piece(s, price_mode="fixed", fixed_price=D("1000.00"))
    card = s.extra["gift_card"]  # balance 90.00
    with tenant_context(t):
        carts.cart_line_add(tenant=t, actor=s.cashier, shift=shift, item=piece)
        cart = carts.cart_old_gold_add(tenant=t, actor=s.cashier, shift=shift,
                                       weight="10.000", karat=18, melt_loss_percent="4",
                                       rate="31.25", seller_name="Seller",
                                       seller_id_number="123")
        gold = Decimal(cart.old_gold[0]["payout"])
        sale = carts.cart_complete(
            tenant=t, actor=s.cashier, shift=shift, cart=carts.cart_active_for(shift=shift),
            idempotency_key=uuid.uuid4(),
            payments=[("gift_card", D("90.00"), card.code),
                      ("cash", D("1000.00") - D("90.00") - gold, "")])
        (line,) = Sale.objects.get(pk=sale.pk).lines.all()
    ret = do_return(s, shift, sale, [(line, 1)], actor=s.owner)
    with tenant_context(t):
        ret = SaleReturn.objects.get(pk=ret.pk)
        issued = GiftCard.objects.filter(pk__in=GiftCardTransaction.objects.filter(
            reference=ret.display_number, kind="issue").values("card"))
        assert list(issued) == [ret.credit_card]
        assert crm_selectors.gift_card_balance_of(card=ret.credit_card) == D("90.00") + gold
        refunds = {r.method: r for r in Refund.objects.filter(sale_return=ret)}
        assert refunds["gift_card"].amount == D("90.00") and refunds["old_gold"].amount == gold
        assert refunds["gift_card"].reference == refunds["old_gold"].reference \
            == ret.credit_card.code[-4:]
        receipt = receipts.return_receipt(tenant=t, ret=ret, url="https://x/")
    assert ret.credit_card.display_code in " ".join(str(v) for _l, v in receipt.totals)


def test_a_sale_line_may_be_named_by_its_id_as_text(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    sale = pos_sale_make(s, shift=shift, lines=[(lot(s, 3), 2, D(0))])
    (line,) = sale_lines(s, sale)
    ret = do_return(s, shift, sale, [(str(line.pk), 1)], actor=s.owner)
    assert ret.total == line.total / 2
    with pytest.raises(BusinessRuleError, match="not part of the sale"):
        do_return(s, shift, sale, [("not-an-id", 1)], actor=s.owner)


@pytest.mark.parametrize("settlement", ["original", "exchange"])
def test_a_branch_bound_cashier_may_not_take_back_another_branchs_sale(
        shop_a, bazaar, settlement) -> None:
    """The service refuses (the register's return and exchange panels already 404);
    nothing is written."""
    s = shop_a
    chain = lot(s, 5)
    sale = pos_sale_make(s, shift=open_shift(s), lines=[(chain, 2, D(0))])  # at main
    (line,) = sale_lines(s, sale)
    with tenant_context(s.tenant):
        till = pos.shift_open(tenant=s.tenant, actor=bazaar.cashier, terminal=bazaar.terminal,
                              opening_float=D("5000.00"))
        before = (Counter.objects.get(key="return").value, GiftCard.objects.count(),
                  Refund.objects.count())
    with pytest.raises(BusinessRuleError, match=f"{sale.display_number} was sold at another "
                                                "branch") as refused:
        do_return(s, till, sale, [(line, 1)], actor=bazaar.cashier, settlement=settlement)
    assert refused.value.field == "sale"
    with tenant_context(s.tenant):
        assert not SaleReturn.objects.filter(sale=sale).exists()
        assert Sale.objects.get(pk=sale.pk).status == Sale.Status.COMPLETED
        assert (Counter.objects.get(key="return").value, GiftCard.objects.count(),
                Refund.objects.count()) == before
    assert (level(s, chain), level(s, chain, s.branch)) == (3, 0)


def test_owners_managers_and_staff_without_a_branch_take_back_any_branchs_sale(
        shop_a, bazaar) -> None:
    """Kept as it was: a customer may bring a piece back at another branch; the return
    (and the stock) belong to the branch of the till it is made at."""
    s = shop_a
    chain = lot(s, 5, net_weight=D("0.500"))  # three returns stay within the approval limit
    sale = pos_sale_make(s, shift=open_shift(s), lines=[(chain, 3, D(0))])  # at main
    (line,) = sale_lines(s, sale)
    with tenant_context(s.tenant):
        till = pos.shift_open(tenant=s.tenant, actor=bazaar.cashier, terminal=bazaar.terminal,
                              opening_float=D("5000.00"))
    for actor in (s.owner, s.manager, s.cashier):
        ret = do_return(s, till, sale, [(line, 1)], actor=actor, settlement="exchange")
        assert ret.branch_id == s.branch.pk
    assert (level(s, chain), level(s, chain, s.branch)) == (2, 3)


def test_a_refund_is_rounded_in_the_sales_currency_after_the_shop_changes_its_own(
        shop_a) -> None:
    """A USD sale taken back after the shop switched to rials (0 decimals): the refund
    is the sale's cents, not rounded to whole rials."""
    from tenants.models import Tenant

    s = shop_a
    shift = open_shift(s, D("50.00"))
    chain = lot(s, 3, net_weight=D("2.000"))
    sale = pos_sale_make(s, shift=shift, lines=[(chain, 3, D("1.00"))])
    (line,) = sale_lines(s, sale)
    third = D(str(round(line.total / 3, 2)))
    assert third != third.to_integral_value(), "a whole amount would not tell the two apart"
    Tenant.objects.filter(pk=s.tenant.pk).update(currency="IRR")
    s.tenant.refresh_from_db()
    ret = do_return(s, shift, sale, [(line, 1)])
    assert ret.total == third
    with tenant_context(s.tenant):
        assert sum(r.amount for r in Refund.objects.filter(sale_return=ret)) == third
