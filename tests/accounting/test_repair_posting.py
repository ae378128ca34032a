"""Repair money in the books: a deposit, the balance at delivery and the delivery itself,
with figures computed by hand; a cancelled order's deposit paid back; the backfill of
payments recorded before the register took repair money, posted once."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from accounting import selectors, services
from accounting.models import Posting
from repairs import services as repairs
from repairs.models import RepairOrder
from tenants.context import tenant_context
from tests.pos.conftest import open_shift
from tests.repairs.money import till_at

pytestmark = pytest.mark.django_db(databases=["default", "platform"])

CASH, CARD, DEPOSITS, REPAIR_INCOME = "1010", "1020", "2240", "4030"


def _balances(shop) -> dict[str, Decimal]:
    with tenant_context(shop.tenant):
        return selectors.balances()


def _delta(before: dict[str, Decimal], after: dict[str, Decimal]) -> dict[str, Decimal]:
    return {code: after.get(code, Decimal(0)) - before.get(code, Decimal(0))
            for code in set(before) | set(after)
            if after.get(code, Decimal(0)) != before.get(code, Decimal(0))}


def _order(shop, till, deposit: str):
    with tenant_context(shop.tenant):
        return repairs.repair_create(
            tenant=shop.tenant, actor=shop.owner, customer=shop.extra["customer"],
            branch=shop.main, description="Necklace: restring and new clasp",
            labour_estimate=Decimal("120.00"), materials_estimate=Decimal("45.00"),
            deposit=Decimal(deposit), till=till)


def test_deposit_balance_and_delivery_post_by_hand_computed_figures(shop_a, shop_b) -> None:
    shift = open_shift(shop_a)
    before = _balances(shop_a)
    b_before = _balances(shop_b)
    # Intake: deposit 50 in cash (70 handed over, 20 change: only 50 stays).
    order = _order(shop_a, till_at(shift, handed=Decimal("70.00")), "50.00")
    assert services.pending_post(tenant=shop_a.tenant) == 1
    assert _delta(before, _balances(shop_a)) == {CASH: Decimal("50.00"),
                                                 DEPOSITS: Decimal("-50.00")}
    # Delivery: the price is 120 + 45 = 165; the balance 115 paid by card.
    with tenant_context(shop_a.tenant):
        RepairOrder.objects.filter(pk=order.pk).update(status="ready")
    repairs.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                              action="deliver",
                              till=till_at(shift, method="card", reference="0042"))
    assert services.pending_post(tenant=shop_a.tenant) == 2  # the balance and the delivery
    after = _balances(shop_a)
    assert _delta(before, after) == {CASH: Decimal("50.00"), CARD: Decimal("115.00"),
                                     REPAIR_INCOME: Decimal("-165.00")}
    # 2240 is back where it was (the world's card deposit of 10 on an open order).
    assert after[DEPOSITS] == before[DEPOSITS] == Decimal("-10.00")
    with tenant_context(shop_a.tenant):
        trial = selectors.trial_balance()
        income = selectors.income_statement(start=None, end=None)
        kinds = sorted(Posting.objects.filter(source__startswith="repairs.")
                       .values_list("kind", flat=True))
    assert trial["debit"] == trial["credit"]
    assert sum(after.values()) == 0
    assert kinds == ["repair.balance", "repair.delivered", "repair.deposit", "repair.deposit"]
    income_lines = {code: amount for section in income["sections"]
                    for code, _name, amount in section.lines}
    assert income_lines[REPAIR_INCOME] == Decimal("165.00")  # the repair's price
    # Posting again adds nothing; the other shop's books did not move.
    assert services.pending_post(tenant=shop_a.tenant) == 0
    assert _balances(shop_b) == b_before


def test_a_cancelled_orders_deposit_paid_back_leaves_nothing_in_repair_deposits(shop_a) -> None:
    shift = open_shift(shop_a)
    before = _balances(shop_a)
    order = _order(shop_a, till_at(shift, method="card", reference="1234"), "40.00")
    repairs.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                              action="cancel", note="customer took it elsewhere",
                              till=till_at(shift, method="card", reference="1234"))
    assert services.pending_post(tenant=shop_a.tenant) == 2
    assert _delta(before, _balances(shop_a)) == {}  # in and out of card clearing and 2240
    with tenant_context(shop_a.tenant):
        assert Posting.objects.filter(kind="repair.refund").count() == 1
        assert not Posting.objects.filter(kind="repair.delivered").exists()


def test_backfill_records_and_posts_earlier_repair_payments_once(shop_a) -> None:
    """Orders from before: one open with a typed deposit of 15, one delivered (price 165,
    typed deposit 65: its balance of 100 is recorded as collected at delivery)."""
    open_order = _order(shop_a, None, "0")
    done = _order(shop_a, None, "0")
    with tenant_context(shop_a.tenant):
        RepairOrder.objects.filter(pk=open_order.pk).update(deposit=Decimal("15.00"))
        RepairOrder.objects.filter(pk=done.pk).update(deposit=Decimal("65.00"),
                                                      status="delivered")
    before = _balances(shop_a)
    call_command("accounting_backfill", tenant=shop_a.tenant.slug)
    after = _balances(shop_a)
    # cash 15 + 65 + 100 in; 2240 holds the open order's 15; 4030 the delivered price.
    assert _delta(before, after) == {CASH: Decimal("180.00"), DEPOSITS: Decimal("-15.00"),
                                     REPAIR_INCOME: Decimal("-165.00")}
    call_command("accounting_backfill", tenant=shop_a.tenant.slug)
    assert _balances(shop_a) == after
