"""pos.services.sale_complete: one transaction for stock, balances, points and numbering."""

import uuid
from decimal import ROUND_HALF_UP, Decimal

import pytest

from crm import selectors as crm_selectors
from crm.models import PointsTransaction
from inventory.models import StockLevel, StockMovement
from pos.models import Payment, Sale, SaleEvent, SaleLine
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.models import Counter
from tests.factories import item_make, pos_sale_make
from tests.pos.conftest import lot, open_shift, serial_piece

D = Decimal
pytestmark = pytest.mark.django_db


def level(s, item, branch=None) -> int:
    with tenant_context(s.tenant):
        row = StockLevel.objects.filter(item=item, branch=branch or s.main).first()
        return row.quantity if row else 0


def balances(s, customer, card) -> tuple:
    with tenant_context(s.tenant):
        return (crm_selectors.store_credit_balance(customer=customer),
                crm_selectors.gift_card_balance_of(card=card),
                crm_selectors.points_available(customer=customer))


def test_split_cash_and_card_with_a_customer(shop_a, shop_b) -> None:
    s = shop_a
    shift = open_shift(s)
    ring, chain = serial_piece(s), lot(s, 5, net_weight=D("2.000"))
    customer = s.extra["customer"]
    points_before = balances(s, customer, s.extra["gift_card"])[2]
    ring_price, chain_price = ring.selling_price, chain.selling_price
    subtotal = ring_price + 2 * chain_price
    total = subtotal - D("1.00") - D("5.00")
    sale = pos_sale_make(s, shift=shift, customer=customer, cart_discount=D("5.00"),
                         lines=[(ring, 1, D(0)), (chain, 2, D("1.00"))],
                         payments=[("card", D("100.00"), "AUTH-1"),
                                   ("cash", total - D("100.00") + D("20.00"), "")])
    with tenant_context(s.tenant):
        sale = Sale.objects.get(pk=sale.pk)
        assert (sale.number, sale.display_number) == (2, "S-000002")  # the world sold no. 1
        assert sale.subtotal == subtotal and sale.total == total
        assert sale.discount_total == D("6.00") and sale.cart_discount == D("5.00")
        lines = list(SaleLine.objects.filter(sale=sale))
        assert [ln.sku for ln in lines] == [ring.sku, chain.sku]
        assert lines[1].karat == 18 and lines[1].net_weight == D("2.000")
        assert sum(ln.total for ln in lines) == total
        assert sum(ln.cart_discount for ln in lines) == D("5.00")
        assert sale.tax_total == sum(ln.tax for ln in lines) > 0
        cash = Payment.objects.get(sale=sale, method="cash")
        assert cash.change_given == D("20.00")
        assert sum(p.amount - p.change_given for p in Payment.objects.filter(sale=sale)) == total
        assert Payment.objects.get(sale=sale, method="card").reference == "AUTH-1"
        moves = StockMovement.objects.filter(reference=f"sale {sale.pk}", kind="sale")
        assert sorted(m.quantity for m in moves) == [-2, -1]
        assert SaleEvent.objects.filter(sale=sale, kind="sale.completed",
                                        posted_at__isnull=True).count() == 1
        accrual = PointsTransaction.objects.get(customer=customer, reference="S-000002")
        assert accrual.spend == total
        assert Counter.objects.get(key="sale").value == 2
    assert level(s, ring) == 0 and level(s, chain) == 3
    assert balances(s, customer, s.extra["gift_card"])[2] == points_before + accrual.points
    with tenant_context(shop_b.tenant):
        assert not Sale.objects.filter(pk=sale.pk).exists()
        assert Counter.objects.get(key="sale").value == 1


def test_tax_line_is_the_included_share_of_the_item_price(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    ring = serial_piece(s)  # 18K, 5 g, making 8/g, tax 9% on making (inventory_world)
    sale = pos_sale_make(s, shift=shift, lines=[(ring, 1, D("10.00"))])
    with tenant_context(s.tenant):
        line = SaleLine.objects.get(sale=sale)
    from inventory import services as inventory

    with tenant_context(s.tenant):
        parts = inventory.item_price_breakdown(ring, inventory.pricing_context(s.tenant))
    assert parts.tax > 0 and parts.total == ring.selling_price
    expected = (line.total * parts.tax / parts.total).quantize(D("0.01"), ROUND_HALF_UP)
    assert line.tax == expected and line.total == ring.selling_price - D("10.00")


def test_store_credit_gift_card_and_points_pay_together(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    customer, card = s.extra["customer"], s.extra["gift_card"]
    credit, card_balance, points = balances(s, customer, card)
    assert (credit, card_balance) == (D("50.00"), D("90.00")) and points >= 100
    chain = lot(s, 3)
    total = chain.selling_price
    sale = pos_sale_make(s, shift=shift, customer=customer, lines=[(chain, 1, D(0))],
                         payments=[("store_credit", D("50.00"), ""),
                                   ("gift_card", D("40.00"), card.code),
                                   ("points", D("1.00"), ""),
                                   ("card", total - D("91.00"), "AUTH-2")])
    credit2, card2, points2 = balances(s, customer, card)
    with tenant_context(s.tenant):
        accrual = PointsTransaction.objects.get(customer=customer, kind="accrue",
                                                reference=sale.display_number)
        gift = Payment.objects.get(sale=sale, method="gift_card")
        assert Payment.objects.get(sale=sale, method="points").points == 100
    assert (credit2, card2) == (D("0.00"), D("50.00"))
    assert accrual.spend == total - D("1.00")  # points do not earn points
    assert points2 == points - 100 + accrual.points
    assert gift.reference == card.code[-4:]  # the code is a bearer secret: keep its end only


def test_a_failing_payment_rolls_back_stock_balances_and_numbering(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    customer, card = s.extra["customer"], s.extra["gift_card"]
    ring, chain = serial_piece(s), lot(s, 4)
    before = balances(s, customer, card)
    total = ring.selling_price + chain.selling_price
    with pytest.raises(BusinessRuleError, match="left on this gift card"):
        pos_sale_make(s, shift=shift, customer=customer,
                      lines=[(ring, 1, D(0)), (chain, 1, D(0))],
                      payments=[("store_credit", D("20.00"), ""),
                                ("gift_card", D("95.00"), card.code),  # 90 left on it
                                ("cash", total - D("115.00"), "")])
    assert balances(s, customer, card) == before
    assert level(s, ring) == 1 and level(s, chain) == 4
    with tenant_context(s.tenant):
        assert Sale.objects.count() == 1  # the world's
        assert Counter.objects.get(key="sale").value == 1
        assert not StockMovement.objects.filter(kind="sale").exists()


def test_the_same_key_ten_times_in_sequence_is_one_sale(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    chain = lot(s, 20)
    key = uuid.uuid4()
    sales = {pos_sale_make(s, shift=shift, key=key, lines=[(chain, 2, D(0))]).pk
             for _ in range(10)}
    assert len(sales) == 1
    assert level(s, chain) == 18
    with tenant_context(s.tenant):
        assert Sale.objects.filter(idempotency_key=key).count() == 1


def test_a_serial_piece_is_sold_once(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    ring = serial_piece(s)
    pos_sale_make(s, shift=shift, lines=[(ring, 1, D(0))])
    with pytest.raises(BusinessRuleError, match="may have just been sold"):
        pos_sale_make(s, shift=shift, lines=[(ring, 1, D(0))])


@pytest.mark.parametrize("case", [
    "closed_shift", "no_customer_for_credit", "underpaid", "card_overpaid", "serial_two",
    "other_shops_item", "unknown_method", "empty", "gift_card_without_code", "bad_key",
    "other_shops_cashier", "discount_above_line", "other_shops_customer",
    "other_shops_gift_card",
])
def test_refusals_leave_nothing_behind(shop_a, shop_b, case) -> None:
    s = shop_a
    shift = open_shift(s)
    ring = serial_piece(s)
    price = ring.selling_price
    kwargs = {"shift": shift, "lines": [(ring, 1, D(0))], "payments": [("cash", price, "")]}
    if case == "closed_shift":
        kwargs["shift"] = s.extra["shift"]
    elif case == "no_customer_for_credit":
        kwargs["payments"] = [("store_credit", price, "")]
    elif case == "underpaid":
        kwargs["payments"] = [("cash", price - D("0.01"), "")]
    elif case == "card_overpaid":
        kwargs["payments"] = [("card", price + D("0.01"), "")]
    elif case == "serial_two":
        kwargs["lines"] = [(ring, 2, D(0))]
    elif case == "other_shops_item":
        kwargs["lines"] = [(shop_b.extra["item"], 1, D(0))]
    elif case == "unknown_method":
        kwargs["payments"] = [("cheque", price, "")]
    elif case == "empty":
        kwargs["lines"] = []
    elif case == "gift_card_without_code":
        kwargs["payments"] = [("gift_card", price, "")]
    elif case == "bad_key":
        kwargs["key"] = "not-a-uuid"
    elif case == "other_shops_cashier":
        kwargs["actor"] = shop_b.cashier
    elif case == "discount_above_line":
        kwargs["lines"] = [(ring, 1, price + D("0.01"))]
    elif case == "other_shops_customer":
        kwargs["customer"] = shop_b.extra["customer"]
    elif case == "other_shops_gift_card":
        kwargs["payments"] = [("gift_card", D("10.00"), shop_b.extra["gift_card"].code),
                              ("cash", price - D("10.00"), "")]
    with pytest.raises(BusinessRuleError):
        pos_sale_make(s, **kwargs)
    assert level(s, ring) == 1
    with tenant_context(s.tenant):
        assert Sale.objects.count() == 1 and Payment.objects.count() == 1


def test_irr_shop_sells_in_whole_rials(db) -> None:
    from tests.factories import shop

    s = shop("Rial shop")
    s.tenant.currency = "IRR"
    s.tenant.save(update_fields=["currency"])
    shift = open_shift(s, opening_float=D("1000000"))
    chain = lot(s, 2, price_mode="fixed", fixed_price=D("12500000"))
    sale = pos_sale_make(s, shift=shift, lines=[(chain, 1, D("333"))],
                         cart_discount=D("167"))
    assert sale.total == D("12499500") and sale.total == sale.total.to_integral_value()
    with pytest.raises(BusinessRuleError, match="decimals"):
        pos_sale_make(s, shift=shift, lines=[(chain, 1, D("0.50"))],
                      payments=[("cash", D("12499999.50"), "")])


def test_other_items_of_the_world_are_unaffected(shop_a) -> None:
    """item_make is reachable from pos tests; make sure an extra item sells at its price."""
    s = shop_a
    shift = open_shift(s)
    bangle = item_make(s, tracking="lot", price_mode="fixed", fixed_price=D("99.99"))
    from tests.pos.conftest import receive

    receive(s, bangle, 1)
    sale = pos_sale_make(s, shift=shift, lines=[(bangle, 1, D(0))])
    assert sale.total == D("99.99") and sale.tax_total == 0  # fixed prices carry no tax part


def test_a_gold_customer_pays_less_and_the_receipt_says_why(shop_a) -> None:
    """The customer's tier discount (Gold, 5 %) comes off the amount after line
    discounts, is recorded on the sale and its lines, is named on the receipt, and
    points accrue on what was paid; a return refunds the line at what it was sold for."""
    from crm import services as crm
    from pos import receipts, returns

    s = shop_a
    customer = s.extra["customer"]
    with tenant_context(s.tenant):
        crm.points_accrue(tenant=s.tenant, actor=s.owner, customer=customer,
                          amount=D("1000.00"), reference="earlier")
        customer.refresh_from_db()
    shift = open_shift(s)
    a = serial_piece(s, price_mode="fixed", fixed_price=D("100.00"))
    b = serial_piece(s, price_mode="fixed", fixed_price=D("33.33"))
    sale = pos_sale_make(s, shift=shift, customer=customer, actor=s.manager,
                         lines=[(a, 1, D(0)), (b, 1, D("3.33"))],
                         payments=[("cash", D("200.00"), "")])
    # After line discounts 130.00; 5 % = 6.50, split 5.00 / 1.50 over the lines.
    with tenant_context(s.tenant):
        sale = Sale.objects.get(pk=sale.pk)
        assert (sale.subtotal, sale.member_discount, sale.discount_total, sale.total) == (
            D("133.33"), D("6.50"), D("9.83"), D("123.50"))
        assert (sale.member_tier, sale.member_percent) == ("Gold", D("5.00"))
        lines = list(sale.lines.order_by("position"))
        assert [ln.member_discount for ln in lines] == [D("5.00"), D("1.50")]
        assert [ln.total for ln in lines] == [D("95.00"), D("28.50")]
        accrual = PointsTransaction.objects.get(customer=customer, reference=sale.display_number)
        assert accrual.spend == D("123.50") and accrual.points == 247  # Gold earns 2x
        receipt = receipts.sale_receipt(tenant=s.tenant, sale=sale, url="https://x/")
        assert ("Gold member discount (5%)", D("6.50")) in receipt.totals
        assert ("Other discounts", D("3.33")) in receipt.totals
        ret = returns.sale_return_create(tenant=s.tenant, actor=s.owner, shift=shift, sale=sale,
                                         lines=[(lines[0], 1)], reason="changed mind")
        assert ret.total == D("95.00")


def test_the_member_discount_needs_no_manager_a_typed_one_does(shop_a) -> None:
    """The world's limit is 5 %: a cashier's typed discount above it needs a manager; the
    tier's discount (20 % here) is the shop's own rule and does not count."""
    from crm import services as crm

    s = shop_a
    customer, tier = s.extra["customer"], s.extra["tier"]
    with tenant_context(s.tenant):
        crm.points_accrue(tenant=s.tenant, actor=s.owner, customer=customer,
                          amount=D("1000.00"), reference="earlier")
        crm.tier_update(tenant=s.tenant, actor=s.owner, tier=tier, name=tier.name,
                        threshold=tier.threshold, validity_months=tier.validity_months,
                        discount_percent=D("20"), points_multiplier=tier.points_multiplier)
    shift = open_shift(s)
    a = serial_piece(s, price_mode="fixed", fixed_price=D("100.00"))
    b = serial_piece(s, price_mode="fixed", fixed_price=D("100.00"))
    sale = pos_sale_make(s, shift=shift, customer=customer, lines=[(b, 1, D(0))],
                         payments=[("cash", D("80.00"), "")])
    assert (sale.total, sale.member_discount, sale.discount_approved_by_id) == (
        D("80.00"), D("20.00"), None)
    with pytest.raises(BusinessRuleError, match="needs a manager"):
        pos_sale_make(s, shift=shift, customer=customer, cart_discount=D("10.00"),
                      lines=[(a, 1, D(0))], payments=[("cash", D("70.00"), "")])


def test_a_balance_that_cannot_pay_is_said_on_its_own_field(shop_a) -> None:
    """QA 15: store credit the customer does not have, an unknown gift card, or more
    than a card holds: each its own message on its field (not "... is still due"),
    and nothing is sold or spent."""
    from crm import services as crm

    s = shop_a
    shift = open_shift(s)
    ring = serial_piece(s, price_mode="fixed", fixed_price=D("3439.21"))
    lines = [(ring, 1, D(0))]
    customer = s.extra["customer"]  # 50.00 of store credit; its card holds 90.00
    with tenant_context(s.tenant):
        broke = crm.customer_create(tenant=s.tenant, actor=s.owner, last_name="Broke",
                                    phone="09120009999")
    cases = [
        (broke, [("store_credit", D("100.00"), ""), ("cash", D("3339.21"), "")],
         "store_credit", "Broke has no store credit."),
        (customer, [("store_credit", D("100.00"), ""), ("cash", D("3339.21"), "")],
         "store_credit", "has only $50.00 of store credit."),
        (None, [("gift_card", D("100.00"), "NOPE"), ("cash", D("3339.21"), "")],
         "gift_card_code", "No gift card has this code."),
        (None, [("gift_card", D("100.00"), s.extra["gift_card"].code),
                ("cash", D("3339.21"), "")],
         "gift_card", "Only $90.00 is left on this gift card."),
    ]
    for who, payments, field, message in cases:
        with pytest.raises(BusinessRuleError) as info:
            pos_sale_make(s, shift=shift, lines=lines, customer=who, payments=payments)
        assert info.value.field == field and message in str(info.value.message)
        assert "still due" not in str(info.value.message)
    assert level(s, ring) == 1
    assert balances(s, customer, s.extra["gift_card"])[:2] == (D("50.00"), D("90.00"))
    with tenant_context(s.tenant):
        assert not Sale.objects.filter(shift=shift).exists()
