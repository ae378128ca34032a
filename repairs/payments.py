"""A repair order's money, taken and paid back at a register (pos.drawer).

- The deposit, at intake (repair_create with a tender) or later on an open order
  (repair_deposit_take).
- The balance at delivery (repair_transition "deliver" with a tender): exactly what
  is due (cash may be more: the rest is change). An order is delivered only when the
  money held for it equals its price (the estimate).
- The deposit paid back on cancellation (repair_transition "cancel" with a tender):
  cash out of the drawer (it must hold it) or back to a card.
- Or, on cancellation, the deposit kept by the shop (repair_transition "cancel" with
  deposit_action "keep": a manager, with a reason): no money moves, the order records
  it (deposit_kept) and accounting turns it into income.

Each payment is a RepairPayment row written in the order's transaction, with the
shift it went through (so the shift's expected cash and Z report count the cash:
repairs.apps registers a pos.drawer source) and a client idempotency key: the same
key again returns what it made the first time. RepairOrder.deposit is the money
held for the order (deposits less refunds), kept up to date here. accounting.rules
posts every payment and every delivery.

Orders taken in before the register took repair money carry a typed deposit and
no payments; repair_payments_legacy_record writes their payments once (without a
shift) so that the backfill posts them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from pos.drawer import Tender, drawer_pay_out, drawer_take
from pos.models import Shift
from tenants.access import branch_visible
from tenants.context import tenant_context
from tenants.counters import advisory_lock, counter_next
from tenants.errors import BusinessRuleError
from tenants.models import Tenant, User

from .models import MANAGERS, RepairOrder, RepairPayment, Status

ZERO = Decimal("0")


@dataclass(frozen=True)
class Till:
    """Where and how money changes hands: the open shift of the cashier's terminal,
    the tender and the client's idempotency key."""

    shift: Shift | None
    tender: Tender
    idempotency_key: Any


def key_parse(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise BusinessRuleError(_("This payment has no valid idempotency key."),
                                field="idempotency_key") from exc


def payment_by_key(key: uuid.UUID) -> RepairPayment | None:
    return RepairPayment.objects.filter(idempotency_key=key).select_related("order").first()


def payment_key_claim(*, tenant: Tenant, key: uuid.UUID) -> RepairPayment | None:
    """The payment already made with `key`, or None after locking the key until the
    transaction ends (a concurrent request with the key then finds the payment)."""
    existing = payment_by_key(key)
    if existing is None:
        advisory_lock(f"repairs.payment:{tenant.pk}:{key}")
        existing = payment_by_key(key)
    return existing


def order_branch_check(actor: User | None, order: RepairOrder) -> None:
    """Refuse a salesperson or cashier bound to another branch than the order's (its
    pages are 404 for them: repairs.selectors); the others work at every branch. Here
    rather than in repairs.services because the deposit needs it too."""
    if actor is not None and not branch_visible(actor, order.branch_id):
        raise BusinessRuleError(
            _("R-%(number)s belongs to another branch: its own staff or a manager "
              "handles it.") % {"number": order.number})


def _shift_required(till: Till | None, message: str) -> Till:
    if till is None or till.shift is None:
        raise BusinessRuleError(message, field="shift")
    return till


def payment_write(*, tenant: Tenant, actor: User, order: RepairOrder, kind: str,
                  amount: Decimal, till: Till) -> RepairPayment:
    """Take (deposit, balance) or pay back (refund) `amount` at the till and write the
    payment; the caller holds the order FOR UPDATE and keeps order.deposit right."""
    if kind == RepairPayment.Kind.REFUND:
        move = drawer_pay_out(tenant=tenant, actor=actor, shift=till.shift, amount=amount,
                              tender=till.tender)
    else:
        move = drawer_take(tenant=tenant, actor=actor, shift=till.shift, amount=amount,
                           tender=till.tender)
    return RepairPayment.objects.create(
        number=counter_next("repair_payment"), idempotency_key=key_parse(till.idempotency_key),
        order=order, kind=kind, method=move.method, amount=move.amount,
        change_given=move.change_given, reference=move.reference, shift=move.shift,
        branch_id=move.shift.branch_id, cashier=actor)


def held(order: RepairOrder) -> Decimal:
    """Money held for the order by its payments (deposits and balance less refunds)."""
    rows = RepairPayment.objects.filter(order=order).values("kind").annotate(s=Sum("amount"))
    total = ZERO
    for row in rows:
        total += -row["s"] if row["kind"] == RepairPayment.Kind.REFUND else row["s"]
    return total


def intake_deposit_take(*, tenant: Tenant, actor: User, order: RepairOrder, amount: Decimal,
                        till: Till | None) -> RepairPayment:
    """The deposit of a new order (inside repair_create's transaction)."""
    till = _shift_required(till, _("Open a shift at the register to take the deposit."))
    payment = payment_write(tenant=tenant, actor=actor, order=order,
                            kind=RepairPayment.Kind.DEPOSIT, amount=amount, till=till)
    order.deposit = amount
    order.save(update_fields=["deposit", "updated_at"])
    return payment


@transaction.atomic
def repair_deposit_take(*, tenant: Tenant, actor: User, order: RepairOrder, amount: Any,
                        till: Till) -> RepairPayment:
    """Take a (further) deposit on an open order at the register. Rules: the order is
    open; with an estimate, the money held stays within it; the tender's rules
    (pos.drawer.drawer_take). The same idempotency key returns the same payment."""
    key = key_parse(till.idempotency_key)
    with tenant_context(tenant):
        existing = payment_key_claim(tenant=tenant, key=key)
        if existing is not None:
            order_branch_check(actor, existing.order)
            return existing
        till = _shift_required(till, _("Open a shift at the register to take the deposit."))
        order = RepairOrder.objects.select_for_update().get(pk=order.pk)
        order_branch_check(actor, order)
        if not order.is_open:
            raise BusinessRuleError(_("This order is closed."))
        legacy_record_one(order)
        try:
            amount = Decimal(str(amount))
        except Exception as exc:  # noqa: BLE001 - unparsable input is one user error
            raise BusinessRuleError(_("Enter an amount."), field="amount") from exc
        if order.estimate_total and order.deposit + amount > order.estimate_total:
            raise BusinessRuleError(
                _("The deposits cannot be more than the estimate (%(total)s).")
                % {"total": order.estimate_total}, field="amount")
        payment = payment_write(tenant=tenant, actor=actor, order=order,
                                kind=RepairPayment.Kind.DEPOSIT, amount=amount, till=till)
        order.deposit += payment.amount
        order.save(update_fields=["deposit", "updated_at"])
        return payment


def delivery_settle(*, tenant: Tenant, actor: User, order: RepairOrder,
                    till: Till | None) -> RepairPayment | None:
    """Before "deliver" (order locked): collect the balance so that the money held
    equals the price. Returns the balance payment (None when nothing was due)."""
    legacy_record_one(order)
    due = order.estimate_total - order.deposit
    if due < 0:
        raise BusinessRuleError(
            _("The deposit (%(deposit)s) is more than the price (%(total)s): correct the "
              "estimate first.") % {"deposit": order.deposit, "total": order.estimate_total})
    if due == 0:
        return None
    till = _shift_required(till, _("Open a shift at the register to collect the balance "
                                   "of %(due)s.") % {"due": due})
    payment = payment_write(tenant=tenant, actor=actor, order=order,
                            kind=RepairPayment.Kind.BALANCE, amount=due, till=till)
    order.deposit += payment.amount
    return payment


def cancellation_settle(*, tenant: Tenant, actor: User, order: RepairOrder,
                        till: Till | None) -> RepairPayment | None:
    """Before "cancel" (order locked): pay back the money held for the order."""
    legacy_record_one(order)
    if order.deposit <= 0:
        return None
    till = _shift_required(till, _("Open a shift at the register to pay back the deposit "
                                   "of %(deposit)s.") % {"deposit": order.deposit})
    payment = payment_write(tenant=tenant, actor=actor, order=order,
                            kind=RepairPayment.Kind.REFUND, amount=order.deposit, till=till)
    order.deposit -= payment.amount
    return payment


def cancellation_keep(*, actor: User, order: RepairOrder, reason: str) -> Decimal:
    """Before "cancel" (order locked): the shop keeps the money held for the order
    instead of paying it back (a custom order the customer walked away from). Rules:
    an owner or a manager; a reason; some money held. No cash moves: the amount leaves
    `deposit` for `deposit_kept` (accounting.rules posts Dr repair deposits / Cr
    forfeited deposits). Returns the amount kept."""
    if getattr(actor, "role", None) not in MANAGERS:
        raise BusinessRuleError(_("Only an owner or a manager can keep a deposit."),
                                field="deposit_action")
    reason = (reason or "").strip()[:500]
    if not reason:
        raise BusinessRuleError(_("Say why the shop keeps the deposit."),
                                field="deposit_reason")
    legacy_record_one(order)
    if order.deposit <= 0:
        raise BusinessRuleError(_("No deposit is held for this order: there is nothing to "
                                  "keep."), field="deposit_action")
    kept = order.deposit
    order.deposit_kept, order.deposit_kept_reason, order.deposit = kept, reason, ZERO
    return kept


# --- orders from before the register took repair money ---------------------------------


def legacy_record_one(order: RepairOrder) -> int:
    """An order with a typed deposit and no payments gets its payments written once
    (no shift, cash, dated when they happened): the deposit, and for an order already
    delivered the balance it was delivered against. Cancelled orders are left alone
    (whether their deposit went back is not known)."""
    if order.status == Status.CANCELLED or RepairPayment.objects.filter(order=order).exists():
        return 0
    rows = []
    if order.deposit > 0:
        rows.append(RepairPayment(idempotency_key=uuid.uuid4(), order=order,
                                  kind=RepairPayment.Kind.DEPOSIT, method="cash",
                                  amount=order.deposit, branch_id=order.branch_id,
                                  created_at=order.created_at))
    balance = order.estimate_total - order.deposit
    if order.status == Status.DELIVERED and balance > 0:
        rows.append(RepairPayment(idempotency_key=uuid.uuid4(), order=order,
                                  kind=RepairPayment.Kind.BALANCE, method="cash",
                                  amount=balance, branch_id=order.branch_id,
                                  created_at=order.closed_at or order.updated_at))
    RepairPayment.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def repair_payments_legacy_record(*, tenant: Tenant) -> int:
    """Write the payments of every order from before (see legacy_record_one); run by
    accounting_backfill before posting. Returns how many payments were written."""
    with tenant_context(tenant):
        orders = (RepairOrder.objects.exclude(status=Status.CANCELLED)
                  .filter(payments__isnull=True).select_for_update(of=("self",)))
        return sum(legacy_record_one(order) for order in orders)


def shift_repair_cash(shift: Shift) -> Decimal:
    """Cash of repair payments through the shift's drawer (refunds out), for pos.drawer."""
    rows = (RepairPayment.objects.filter(shift=shift, method=RepairPayment.Method.CASH)
            .values("kind").annotate(s=Sum("amount")))
    total = ZERO
    for row in rows:
        total += -row["s"] if row["kind"] == RepairPayment.Kind.REFUND else row["s"]
    return total
