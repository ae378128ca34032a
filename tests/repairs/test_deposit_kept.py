"""A cancelled order's deposit kept by the shop (forfeited) instead of paid back: a
manager's choice with a reason; no cash moves; the books move the money held in repair
deposits (2240) to forfeited deposits (4040); the order, its history, its work order
and its payment receipts show it. Paying it back (the default) is unchanged."""

import importlib
import uuid
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounting import selectors as books
from accounting import services as accounting
from accounting.models import Posting
from pos import selectors as pos_selectors
from repairs import payments, services
from repairs.models import RepairEvent, RepairOrder, RepairPayment
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.services import user_set_preferences
from tests.pos.conftest import open_shift
from tests.repairs.money import till_at

pytestmark = pytest.mark.django_db(databases=["default", "platform"])
D = Decimal
CASH, DEPOSITS, FORFEITED = "1010", "2240", "4040"


def _custom_order(shop, shift, deposit: str = "40.00", method: str = "cash") -> RepairOrder:
    with tenant_context(shop.tenant):
        return services.repair_create(
            tenant=shop.tenant, actor=shop.manager, customer=shop.extra["customer"],
            branch=shop.main, kind="custom", service="make",
            description="Custom ring: 18K band with an engraved name",
            labour_estimate=D("150.00"), materials_estimate=D("250.00"),
            deposit=D(deposit), till=till_at(shift, method=method,
                                             reference="77" if method == "card" else ""))


def _balances(shop) -> dict[str, Decimal]:
    with tenant_context(shop.tenant):
        return books.balances()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_keeping_the_deposit_posts_2240_to_income_and_moves_no_cash(shop_a, shop_b) -> None:
    shift = open_shift(shop_a, D("100.00"))
    before = _balances(shop_a)
    b_before = _balances(shop_b)
    order = _custom_order(shop_a, shift)
    with tenant_context(shop_a.tenant):
        cash_before_cancel = pos_selectors.shift_expected_cash(shift=shift)
    assert cash_before_cancel == D("140.00")  # float + the cash deposit
    order = services.repair_transition(
        tenant=shop_a.tenant, actor=shop_a.manager, order=order, action="cancel",
        note="Customer cancelled the custom order", deposit_action="keep",
        deposit_reason="Gold already cast to the customer's design",
        till=till_at(shift))
    assert order.status == "cancelled"
    assert (order.deposit, order.deposit_kept) == (D("0"), D("40.00"))
    assert order.deposit_kept_reason == "Gold already cast to the customer's design"
    with tenant_context(shop_a.tenant):
        # No money went back: no refund row, and the drawer expects what it held.
        assert list(RepairPayment.objects.filter(order=order).values_list("kind", flat=True)) \
            == ["deposit"]
        assert pos_selectors.shift_expected_cash(shift=shift) == cash_before_cancel
        report = pos_selectors.shift_z_report(shift=shift)
        assert report.expected_cash == cash_before_cancel
        event = RepairEvent.objects.get(order=order, action="cancel")
        assert event.actor == shop_a.manager and event.note == "Customer cancelled the custom order"
    # The books: the deposit came in as cash against 2240; keeping it moves 2240 to 4040.
    assert accounting.pending_post(tenant=shop_a.tenant) == 2
    after = _balances(shop_a)
    delta = {code: after.get(code, D(0)) - before.get(code, D(0))
             for code in set(before) | set(after) if after.get(code, D(0)) != before.get(code, D(0))}
    assert delta == {CASH: D("40.00"), FORFEITED: D("-40.00")}
    assert after[DEPOSITS] == before[DEPOSITS]  # the order's share of 2240 is back to zero
    with tenant_context(shop_a.tenant):
        trial = books.trial_balance()
        income = books.income_statement(start=None, end=None)
        posting = Posting.objects.get(source=Posting.Source.REPAIR_FORFEIT)
        assert (posting.kind, posting.source_id) == ("repair.forfeit", order.pk)
    assert trial["debit"] == trial["credit"]
    income_lines = {code: amount for section in income["sections"]
                    for code, _name, amount in section.lines}
    assert income_lines[FORFEITED] == D("40.00")
    # Once only; the other shop's books did not move.
    assert accounting.pending_post(tenant=shop_a.tenant) == 0
    assert _balances(shop_b) == b_before


def test_only_a_manager_or_owner_keeps_a_deposit(shop_a) -> None:
    shift = open_shift(shop_a)
    order = _custom_order(shop_a, shift)
    # The cancellation itself is for managers; the keeping is checked on its own too.
    with pytest.raises(BusinessRuleError, match="Only an owner or a manager"):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.cashier, order=order,
                                   action="cancel", note="x", deposit_action="keep",
                                   deposit_reason="y")
    with tenant_context(shop_a.tenant):
        locked = RepairOrder.objects.get(pk=order.pk)
        with pytest.raises(BusinessRuleError, match="Only an owner or a manager can keep"):
            payments.cancellation_keep(actor=shop_a.cashier, order=locked, reason="y")
    # The page: a cashier sees no cancel button nor the choice, and a forged post is refused.
    client = _client(shop_a.cashier)
    body = client.get(reverse("repairs:order-detail", args=[order.pk])).content.decode()
    assert 'id="transition-deposit"' not in body
    response = client.post(reverse("repairs:order-transition", args=[order.pk]), {
        "action": "cancel", "note": "x", "deposit_action": "keep", "deposit_reason": "y",
        "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 422
    assert "Only an owner or a manager" in response.content.decode()
    with tenant_context(shop_a.tenant):
        order.refresh_from_db()
        assert (order.status, order.deposit, order.deposit_kept) == ("received", D("40.00"), 0)


def test_keeping_needs_a_reason_and_a_deposit(shop_a) -> None:
    shift = open_shift(shop_a)
    order = _custom_order(shop_a, shift)
    with pytest.raises(BusinessRuleError, match="Say why the shop keeps the deposit"):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.manager, order=order,
                                   action="cancel", note="Customer cancelled",
                                   deposit_action="keep", deposit_reason="   ")
    with pytest.raises(BusinessRuleError, match="paid back or kept"):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.manager, order=order,
                                   action="cancel", note="Customer cancelled",
                                   deposit_action="split")
    client = _client(shop_a.manager)
    response = client.post(reverse("repairs:order-transition", args=[order.pk]), {
        "action": "cancel", "note": "Customer cancelled", "deposit_action": "keep",
        "deposit_reason": "", "idempotency_key": str(uuid.uuid4())})
    body = response.content.decode()
    assert response.status_code == 422 and "Say why the shop keeps the deposit" in body
    assert 'name="deposit_action" value="keep" checked' in body  # the choice is kept
    with tenant_context(shop_a.tenant):
        order.refresh_from_db()
        assert (order.status, order.deposit, order.deposit_kept) == ("received", D("40.00"), 0)
    assert accounting.pending_post(tenant=shop_a.tenant) == 1  # only the deposit
    with tenant_context(shop_a.tenant):
        assert not Posting.objects.filter(source=Posting.Source.REPAIR_FORFEIT).exists()
    # Nothing held: nothing to keep.
    with tenant_context(shop_a.tenant):
        empty = services.repair_create(tenant=shop_a.tenant, actor=shop_a.manager,
                                       customer=shop_a.extra["customer"], branch=shop_a.main,
                                       description="Chain: polish")
    with pytest.raises(BusinessRuleError, match="nothing to keep"):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.manager, order=empty,
                                   action="cancel", note="x", deposit_action="keep",
                                   deposit_reason="y")


def test_the_page_keeps_the_deposit_and_shows_it_everywhere(shop_a) -> None:
    shift = open_shift(shop_a)
    order = _custom_order(shop_a, shift, method="card")
    client = _client(shop_a.manager)
    detail = reverse("repairs:order-detail", args=[order.pk])
    body = client.get(detail).content.decode()
    assert 'id="transition-deposit"' in body and "Keep the deposit (forfeited)" in body
    response = client.post(reverse("repairs:order-transition", args=[order.pk]), {
        "action": "cancel", "note": "Customer changed their mind", "deposit_action": "keep",
        "deposit_reason": "Design work done", "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 302, response.content.decode()[:2000]
    body = client.get(detail).content.decode()
    assert 'id="deposit-kept"' in body and "$40.00 · Design work done" in body
    assert 'data-payment="kept"' in body
    assert 'data-testid="history-deposit-kept"' in body and "Deposit of $40.00 kept" in body
    ticket = client.get(reverse("repairs:order-ticket", args=[order.pk])).content.decode()
    assert 'id="ticket-deposit-kept"' in ticket and "Design work done" in ticket
    pdf = client.get(reverse("repairs:order-ticket-pdf", args=[order.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with tenant_context(shop_a.tenant):
        deposit = RepairPayment.objects.get(order=order)
    receipt = client.get(reverse("repairs:payment-receipt", args=[deposit.pk])).content.decode()
    assert "Deposit kept" in receipt
    # In Persian.
    user_set_preferences(user=shop_a.manager, language="fa")
    with translation.override("fa"):
        body = _client(shop_a.manager).get(detail).content.decode()
    assert "بیعانهٔ ضبط‌شده" in body and "ضبط شد" in body and "Deposit kept" not in body


def test_cancelling_still_pays_the_deposit_back_by_default(shop_a) -> None:
    """The page's cancel without a choice (and with "refund") pays back at the register,
    as before: a refund row, the drawer's expected cash down, 2240 back, no 4040."""
    from pos import services as pos

    with tenant_context(shop_a.tenant):
        shift = pos.shift_open(tenant=shop_a.tenant, actor=shop_a.manager,
                               terminal=shop_a.terminal, opening_float=D("100.00"))
    before = _balances(shop_a)
    order = _custom_order(shop_a, shift)
    client = _client(shop_a.manager)
    response = client.post(reverse("repairs:order-transition", args=[order.pk]), {
        "action": "cancel", "note": "Customer cancelled", "method": "cash",
        "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(shop_a.tenant):
        order.refresh_from_db()
        assert (order.status, order.deposit, order.deposit_kept) == ("cancelled", 0, 0)
        kinds = list(RepairPayment.objects.filter(order=order).order_by("created_at")
                     .values_list("kind", flat=True))
        assert kinds == ["deposit", "refund"]
        assert pos_selectors.shift_expected_cash(shift=shift) == D("100.00")
    accounting.pending_post(tenant=shop_a.tenant)
    assert _balances(shop_a) == before  # in and out of cash and 2240; nothing in 4040
    with tenant_context(shop_a.tenant):
        assert not Posting.objects.filter(source=Posting.Source.REPAIR_FORFEIT).exists()


def test_the_migration_adds_the_forfeit_account_to_existing_books(shop_a) -> None:
    from django_ledger.models import AccountModel

    with tenant_context(shop_a.tenant):
        # A shop whose books were made before the chart had 4040 (treebeard's own delete
        # cannot run on ledger accounts: straight SQL, under RLS).
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_ledger_accountmodel WHERE code = %s", [FORFEITED])
        assert not AccountModel.objects.filter(code=FORFEITED).exists()
        assert "forfeited_deposits" not in accounting.books_get().accounts
    migration = importlib.import_module("accounting.migrations.0009_repair_forfeit")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.chart_accounts_add(django_apps, editor)
    with tenant_context(shop_a.tenant):
        account = accounting.books_get().accounts["forfeited_deposits"]
        assert (account.code, account.role) == (FORFEITED, "in_other")
