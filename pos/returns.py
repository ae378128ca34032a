"""Returns and exchanges against a sale (the services of issue 11's second slice).

sale_return_create() does it all in one transaction: it locks the sale row first, so
two returns of the same sale (two tills, a double click) queue and the second one
sees what the first gave back; then the shift (FOR UPDATE: cash may leave the
drawer), the items through inventory's stock_move in id order (like a sale), the
return-number counter, then the customer's balances (crm services).

What a line refunds: returning q of a line of Q pieces after r were returned gives
back round(total x (r+q)/Q) - round(total x r/Q), so every return of a line adds up
to exactly what the line cost (discounts included), and the same for its tax.

Where the money goes (settlement):
- "original": back to the sale's tenders, non-cash first so the least cash leaves
  the drawer: points (as points), gift card (a new gift card: the register keeps
  only the end of a card's code), old gold credited to the sale (a new gift card:
  trade-in credit), store credit, card (to be reversed on the card
  terminal, reference kept), then cash out of this shift's drawer. A tender never
  gets back more than it paid, net of earlier refunds to it.
- "store_credit": the customer's store credit (the sale needs a customer).
- "exchange": a gift card for the amount, handed over and taken as a tender by the
  register for the replacement piece (the exchange credit).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from crm import services as crm
from crm.models import PointsTransaction
from inventory import services as inventory
from inventory.models import StockMovement
from inventory.pricing import money_round
from tenants.access import branch_visible
from tenants.context import tenant_context
from tenants.counters import counter_next
from tenants.errors import BusinessRuleError
from tenants.models import Tenant, User
from tenants.money import money_text

from . import selectors
from .approvals import manager_approval_check
from .models import Payment, Refund, Sale, SaleEvent, SaleLine, SaleReturn, SaleReturnLine, Shift
from .services import _require_staff

ZERO = Decimal("0")
Settlement = SaleReturn.Settlement
# Refunds to the original tenders go in this order (cash last).
REFUND_ORDER = (Payment.Method.POINTS, Payment.Method.GIFT_CARD, Payment.Method.OLD_GOLD,
                Payment.Method.STORE_CREDIT, Payment.Method.CARD, Payment.Method.CASH)
ReturnSpec = tuple[Any, int]  # (sale line or its id, quantity)


def _share(total: Decimal, part: int, whole: int, currency: str) -> Decimal:
    return money_round(total * part / whole, currency)


def _lock_shift_for_cash(shift: Shift) -> Shift:
    """The shift, locked (cash may leave its drawer); it must be open."""
    locked = Shift.objects.select_for_update().filter(pk=shift.pk).first()
    if locked is None:
        raise BusinessRuleError(_("Unknown shift."), field="shift")
    if not locked.is_open:
        raise BusinessRuleError(_("This shift is closed: open a new one first."), field="shift")
    return locked


def cash_out_check(*, shift: Shift, amount: Decimal) -> None:
    """Cash can leave the drawer only if the drawer holds it (the shift is locked)."""
    available = selectors.shift_expected_cash(shift=shift)
    if amount > available:
        raise BusinessRuleError(
            _("The drawer holds only %(cash)s in cash.") % {"cash": money_text(available)},
            field="cash")


def returnable_quantities(*, sale: Sale) -> dict[Any, int]:
    """sale line id -> how many pieces of it can still come back."""
    returned = dict(SaleReturnLine.objects.filter(sale_line__sale=sale)
                    .values("sale_line").annotate(q=Sum("quantity"))
                    .values_list("sale_line", "q"))
    return {line.pk: line.quantity - (returned.get(line.pk) or 0)
            for line in SaleLine.objects.filter(sale=sale)}


def _wanted(lines: Sequence[ReturnSpec], sale_lines: dict[Any, SaleLine]) -> dict[Any, int]:
    wanted: dict[Any, int] = defaultdict(int)
    for ref, quantity in lines:
        try:
            pk = uuid.UUID(str(getattr(ref, "pk", ref)))
        except ValueError:
            pk = None
        line = sale_lines.get(pk)
        if line is None:
            raise BusinessRuleError(_("This line is not part of the sale."), field="lines")
        try:
            quantity = int(quantity)
        except (TypeError, ValueError) as exc:
            raise BusinessRuleError(_("Enter a whole number of pieces."), field="lines") from exc
        if quantity < 0:
            raise BusinessRuleError(_("Enter a whole number of pieces."), field="lines")
        if quantity:
            wanted[line.pk] += quantity
    if not wanted:
        raise BusinessRuleError(_("Choose what comes back."), field="lines")
    return wanted


def _tender_room(sale: Sale) -> dict[str, Decimal]:
    """method -> what the sale's tenders can still take back (paid net of change, less
    earlier refunds to the original tenders)."""
    room: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for payment in Payment.objects.filter(sale=sale):
        room[payment.method] += payment.amount - payment.change_given
    refunded = (Refund.objects.filter(sale_return__sale=sale,
                                      sale_return__settlement=Settlement.ORIGINAL)
                .values("method").annotate(s=Sum("amount")).values_list("method", "s"))
    for method, amount in refunded:
        room[method] -= amount
    return room


@transaction.atomic
def sale_return_create(
    *,
    tenant: Tenant,
    actor: User,
    shift: Shift,
    sale: Sale,
    lines: Sequence[ReturnSpec],
    reason: str,
    settlement: str = Settlement.ORIGINAL,
    manager_pin: str = "",
    card_reference: str = "",
) -> SaleReturn:
    """Take back `lines` = [(sale line, quantity)] of `sale` at the shift's branch and
    refund them as `settlement` says (see the module docstring), all or nothing.

    Rules: a reason is given; a salesperson or cashier bound to a branch takes back
    that branch's sales only (owners, managers and staff without a branch take back
    any sale, at the shift's branch: the stock and the return belong there); never
    more of a line than was sold, across all returns (the sale row is locked); when the sale's refunds with this one come to more than
    PosSettings.return_approval_limit a manager approves (pos.approvals); stock comes
    back through inventory's stock_move; the points the returned part earned are taken
    back; a per-shop return number and a "sale.returned" event for accounting are
    written in the same transaction.
    """
    _require_staff(actor, tenant)
    reason = (reason or "").strip()
    if not reason:
        raise BusinessRuleError(_("Say why the goods come back."), field="reason")
    if settlement not in Settlement.values:
        raise BusinessRuleError(_("Choose how the refund is paid."), field="settlement")
    with tenant_context(tenant):
        # 1. The sale, locked: returns of one sale run one after the other.
        locked = Sale.objects.select_for_update().filter(pk=sale.pk).first()
        if locked is None:
            raise BusinessRuleError(_("Unknown sale."), field="sale")
        sale = locked
        currency = sale.currency  # refunds in the money the sale was paid in
        if not branch_visible(actor, sale.branch_id):
            raise BusinessRuleError(
                _("%(number)s was sold at another branch: a manager, or staff who work "
                  "at every branch, can take it back.") % {"number": sale.display_number},
                field="sale")
        shift = _lock_shift_for_cash(shift)
        if settlement == Settlement.STORE_CREDIT and sale.customer_id is None:
            raise BusinessRuleError(_("This sale has no customer to give store credit to."),
                                    field="settlement")

        sale_lines = {line.pk: line for line in SaleLine.objects.filter(sale=sale)}
        wanted = _wanted(lines, sale_lines)
        left = returnable_quantities(sale=sale)
        ret = SaleReturn(sale=sale, shift=shift, branch_id=shift.branch_id, cashier=actor,
                         reason=reason[:200], settlement=settlement)
        rows: list[SaleReturnLine] = []
        for pk, quantity in wanted.items():
            line = sale_lines[pk]
            if quantity > left[pk]:
                raise BusinessRuleError(
                    _("Only %(n)s of %(sku)s can still come back.")
                    % {"n": left[pk], "sku": line.sku}, field="lines")
            before = line.quantity - left[pk]
            after = before + quantity
            rows.append(SaleReturnLine(
                sale_return=ret, sale_line=line, quantity=quantity,
                amount=(_share(line.total, after, line.quantity, currency)
                        - _share(line.total, before, line.quantity, currency)),
                tax=(_share(line.tax, after, line.quantity, currency)
                     - _share(line.tax, before, line.quantity, currency))))
        ret.total = sum((row.amount for row in rows), ZERO)
        ret.tax_total = sum((row.tax for row in rows), ZERO)

        # 2. Over the limit a manager approves: the refunds of the sale so far count too
        # (a big return cannot pass as several small ones).
        before = SaleReturn.objects.filter(sale=sale).aggregate(s=Sum("total"))["s"] or ZERO
        if before + ret.total > selectors.pos_settings_get().return_approval_limit:
            ret.approved_by = manager_approval_check(tenant=tenant, actor=actor,
                                                     branch=shift.branch, pin=manager_pin)

        # 3. Stock back at this branch, items in id order (as a sale locks them).
        for row in sorted(rows, key=lambda r: str(r.sale_line.item_id)):
            inventory.stock_move(tenant=tenant, actor=actor, item=row.sale_line.item,
                                 branch=shift.branch, kind=StockMovement.Kind.RETURN,
                                 quantity=row.quantity, reference=f"return {ret.pk}",
                                 reason=reason)

        # 4. The number, then the money.
        ret.number = counter_next("return")
        reference = ret.display_number
        refunds = _refunds(tenant=tenant, actor=actor, sale=sale, ret=ret, shift=shift,
                           card_reference=card_reference, reference=reference)

        # 5. Points earned on the returned part are taken back; paid points come back.
        if sale.customer_id is not None:
            ret.points_reversed = _points_reverse(tenant=tenant, actor=actor, sale=sale,
                                                  ret=ret, refunds=refunds,
                                                  reference=reference)

        ret.save()
        SaleReturnLine.objects.bulk_create(rows)
        Refund.objects.bulk_create(refunds)
        left_after = sum(left.values()) - sum(wanted.values())
        sale.status = Sale.Status.RETURNED if left_after == 0 else Sale.Status.PARTIALLY_RETURNED
        sale.save(update_fields=["status"])
        SaleEvent.objects.create(kind=SaleEvent.Kind.SALE_RETURNED, sale_return=ret)
        return ret


def _refunds(*, tenant: Tenant, actor: User, sale: Sale, ret: SaleReturn, shift: Shift,
             card_reference: str, reference: str) -> list[Refund]:
    """The refund rows of `ret` (unsaved), with the balances they move already moved."""
    amount = ret.total
    if amount <= 0:
        return []
    customer = sale.customer
    if ret.settlement == Settlement.STORE_CREDIT:
        crm.store_credit_issue(tenant=tenant, actor=actor, customer=customer, amount=amount,
                               reference=reference, reason=ret.reason)
        return [Refund(sale_return=ret, method=Refund.Method.STORE_CREDIT, amount=amount)]
    if ret.settlement == Settlement.EXCHANGE:
        card = crm.gift_card_issue(tenant=tenant, actor=actor, amount=amount, customer=customer,
                                   reference=reference)
        ret.credit_card = card
        return [Refund(sale_return=ret, method=Refund.Method.GIFT_CARD, amount=amount,
                       reference=card.code[-4:])]

    room = _tender_room(sale)
    refunds: list[Refund] = []
    # Gift card and old gold tenders come back on one new card (issued after the loop).
    card_rows: list[Refund] = []
    left = amount
    for method in REFUND_ORDER:
        take = min(left, room.get(method, ZERO))
        if take <= 0:
            continue
        row = Refund(sale_return=ret, method=method, amount=take)
        if method == Payment.Method.POINTS:
            row.points = _points_back(sale, take)
            if not row.points:
                continue
        elif method in (Payment.Method.GIFT_CARD, Payment.Method.OLD_GOLD):
            # Old gold credited to the sale comes back as trade-in credit (a gift card),
            # never as cash the drawer did not take.
            card_rows.append(row)
        elif method == Payment.Method.STORE_CREDIT:
            crm.store_credit_issue(tenant=tenant, actor=actor, customer=customer, amount=take,
                                   reference=reference, reason=ret.reason)
        elif method == Payment.Method.CARD:
            original = Payment.objects.filter(sale=sale, method=method).first()
            row.reference = ((card_reference or "").strip()
                             or (original.reference if original else ""))[:100]
        elif method == Payment.Method.CASH:
            cash_out_check(shift=shift, amount=take)
        refunds.append(row)
        left -= take
        if left <= 0:
            break
    if left > 0:  # cannot happen while lines and tenders add up; refuse rather than lose it
        raise BusinessRuleError(_("The sale's payments cannot take this refund back."))
    if card_rows:
        card = crm.gift_card_issue(tenant=tenant, actor=actor,
                                   amount=sum((row.amount for row in card_rows), ZERO),
                                   customer=customer, reference=reference)
        ret.credit_card = card
        for row in card_rows:
            row.reference = card.code[-4:]
    return refunds


def _points_back(sale: Sale, take: Decimal) -> int:
    """The points that refund `take` of a sale paid partly in points: at the value a
    point had in that sale, rounded up (a part of a point comes back whole), never more
    than the sale's points not yet refunded."""
    paid = Payment.objects.filter(sale=sale, method=Payment.Method.POINTS).aggregate(
        amount=Sum("amount"), points=Sum("points"))
    if not paid["points"] or not paid["amount"]:
        return 0
    back = Refund.objects.filter(sale_return__sale=sale, method=Refund.Method.POINTS
                                 ).aggregate(p=Sum("points"))["p"] or 0
    value = paid["amount"] / paid["points"]
    return max(0, min(paid["points"] - back,
                      int((take / value).to_integral_value(ROUND_CEILING))))


def _points_reverse(*, tenant: Tenant, actor: User, sale: Sale, ret: SaleReturn,
                    refunds: list[Refund], reference: str) -> int:
    """Take back the points the returned part earned (in proportion to the sale's total,
    so that returning everything takes back exactly what it earned) and give back
    paid points. Returns the points taken back."""
    earned = PointsTransaction.objects.filter(
        customer_id=sale.customer_id, kind=PointsTransaction.Kind.ACCRUE,
        reference=sale.display_number, points__gte=0).first()
    points_back = sum((r.points or 0) for r in refunds if r.method == Refund.Method.POINTS)
    taken_so_far = SaleReturn.objects.filter(sale=sale).aggregate(
        s=Sum("points_reversed"))["s"] or 0
    returned_before = SaleReturn.objects.filter(sale=sale).aggregate(s=Sum("total"))["s"] or ZERO
    points_taken, spend = 0, ZERO
    if earned is not None and sale.total > 0:
        after = returned_before + ret.total
        points_taken = max(0, int(earned.points * after / sale.total) - taken_so_far)
        spend = (money_round(earned.spend * after / sale.total, sale.currency)
                 - money_round(earned.spend * returned_before / sale.total, sale.currency))
    if not (points_back or points_taken or spend):
        return 0
    return crm.points_return(tenant=tenant, actor=actor, customer=sale.customer,
                             points_back=points_back, points_taken=points_taken,
                             spend=max(spend, ZERO), reference=reference)
