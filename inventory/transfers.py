"""Transfers of stock between branches: every write, each named transfer_<verb>.

    transfer = transfer_create(tenant=..., actor=..., source=a, destination=b,
                               lines=[(item, 2)])
    transfer_transition(tenant=..., actor=..., transfer=transfer, action="request")

Rules: the state machine (django-fsm) decides which action is legal; approving and
rejecting need a user who manages the source branch; shipping needs one who works at
the source, receiving one who works at the destination (tenants.access.user_works_at:
its managers, its own staff, and salespeople or cashiers without a branch); a request
worth at most TRANSFER_APPROVAL_THRESHOLD is approved at once. Dispatch takes the pieces out of
the source (transfer_out movements, stock never negative, serial pieces locked), so
a piece in transit cannot be sold anywhere; receipt puts what arrived into the
destination (transfer_in) and records any shortfall or weight difference on the
line. Every change writes a TransferEvent; owners and managers are notified after
commit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from tenants.access import user_branch_bound, user_manages_branch, user_works_at
from tenants.context import tenant_context
from tenants.counters import counter_next
from tenants.errors import BusinessRuleError
from tenants.models import Branch, Tenant, User

from .models import (
    TRANSFER_ACTIONS,
    Item,
    StockMovement,
    Transfer,
    TransferEvent,
    TransferLine,
    TransferStatus,
)
from .services import stock_move

S = TransferStatus
APPROVERS = ("approve", "reject")


@transaction.atomic
def transfer_create(*, tenant: Tenant, actor: User | None, source: Branch,
                    destination: Branch, lines: list[tuple[Item, int]],
                    note: str = "") -> Transfer:
    """A draft transfer of `lines` [(item, quantity)] from source to destination.

    Rules: two different branches, one of them the actor's own when they are bound to
    a branch (tenants.access.user_branch_bound); at least one line; whole positive
    quantities; a serial piece once, quantity 1; each item once."""
    if source.pk == destination.pk:
        raise BusinessRuleError(_("Choose two different branches."), field="destination")
    if (actor is not None and user_branch_bound(actor)
            and actor.branch_id not in (source.pk, destination.pk)):
        with tenant_context(tenant):
            name = Branch.objects.get(pk=actor.branch_id).name
        raise BusinessRuleError(
            _("You work at the %(branch)s branch: a transfer you make leaves from it or "
              "comes to it.") % {"branch": name}, field="source")
    if not lines:
        raise BusinessRuleError(_("Add at least one item."), field="lines")
    seen: set[Any] = set()
    for item, quantity in lines:
        if not isinstance(quantity, int) or quantity <= 0:
            raise BusinessRuleError(_("Give a whole number of pieces above zero."),
                                    field="lines")
        if item.is_serial and quantity != 1:
            raise BusinessRuleError(_("A serial piece moves one at a time."), field="lines")
        if item.pk in seen:
            raise BusinessRuleError(_("Each item once per transfer."), field="lines")
        seen.add(item.pk)
    with tenant_context(tenant):
        transfer = Transfer(source=source, destination=destination, note=note.strip()[:500],
                            created_by=actor)
        transfer.value = sum((item.cost * quantity for item, quantity in lines), Decimal("0"))
        transfer.number = counter_next("transfer")
        transfer.save()
        TransferLine.objects.bulk_create([
            TransferLine(transfer=transfer, item=item, quantity=quantity,
                         weight=item.net_weight * quantity)
            for item, quantity in lines
        ])
        TransferEvent.objects.create(transfer=transfer, action="create", from_status=S.DRAFT,
                                     to_status=S.DRAFT, actor=actor)
        return transfer


def transfer_may(transfer: Transfer, user: User, action: str) -> bool:
    """Whether `user` may take `action` now (the state allows it and the role)."""
    if not can_proceed(getattr(transfer, action)):
        return False
    if action in APPROVERS:
        return user_manages_branch(user, transfer.source)
    if action == "ship":
        return user_works_at(user, transfer.source)
    if action == "receive":
        return user_works_at(user, transfer.destination)
    if action == "cancel":
        return user.pk == transfer.created_by_id or user_manages_branch(user, transfer.source)
    return True


def transfer_actions_for(transfer: Transfer, user: User) -> list[tuple[str, str]]:
    return [(a, str(label)) for a, label in TRANSFER_ACTIONS.items()
            if transfer_may(transfer, user, a)]


def _apply(transfer: Transfer, actor: User | None, action: str, note: str = "") -> None:
    before = transfer.status
    getattr(transfer, action)()
    transfer.save()
    TransferEvent.objects.create(transfer=transfer, action=action, from_status=before,
                                 to_status=transfer.status, actor=actor, note=note)


@transaction.atomic
def transfer_transition(*, tenant: Tenant, actor: User, transfer: Transfer, action: str,
                        note: str = "",
                        received: dict[Any, tuple[int, Decimal | None]] | None = None
                        ) -> Transfer:
    """Move a transfer along its workflow; every illegal move is refused (see the module
    docstring). `received` maps a line id to (pieces arrived, weight arrived) at
    receipt; missing lines arrived in full."""
    if action not in TRANSFER_ACTIONS:
        raise BusinessRuleError(_("Unknown action."))
    note = (note or "").strip()[:500]
    with tenant_context(tenant):
        transfer = Transfer.objects.select_for_update(of=("self",)).select_related(
            "source", "destination").get(pk=transfer.pk)
        if not can_proceed(getattr(transfer, action)):
            raise BusinessRuleError(
                _("A transfer that is %(status)s cannot do this: %(action)s.")
                % {"status": transfer.get_status_display(), "action": TRANSFER_ACTIONS[action]})
        if not transfer_may(transfer, actor, action):
            raise BusinessRuleError(_("You may not do this for these branches."))
        if action == "reject" and not note:
            raise BusinessRuleError(_("Say why the transfer is rejected."), field="note")
        lines = list(TransferLine.objects.filter(transfer=transfer).select_related("item")
                     .order_by("item_id"))
        reference = f"T-{transfer.number}"
        if action == "ship":
            for line in lines:
                stock_move(tenant=tenant, actor=actor, item=line.item, branch=transfer.source,
                           kind=StockMovement.Kind.TRANSFER_OUT, quantity=-line.quantity,
                           reference=reference, reason=_("To %(branch)s") % {
                               "branch": transfer.destination.name})
        if action == "receive":
            _receive(tenant, actor, transfer, lines, received or {}, reference)
        _apply(transfer, actor, action, note)
        if action == "request" and transfer.value <= settings.TRANSFER_APPROVAL_THRESHOLD:
            _apply(transfer, actor, "approve", _("Below the approval threshold"))
        _notify(tenant, transfer, action)
        return transfer


def _receive(tenant: Tenant, actor: User, transfer: Transfer, lines: list[TransferLine],
             received: dict[Any, tuple[int, Decimal | None]], reference: str) -> None:
    for line in lines:
        quantity, weight = received.get(line.pk, received.get(str(line.pk),
                                                              (line.quantity, None)))
        if not isinstance(quantity, int) or quantity < 0 or quantity > line.quantity:
            raise BusinessRuleError(
                _("Pieces received for %(sku)s must be between 0 and %(n)s.")
                % {"sku": line.item.sku, "n": line.quantity}, field="received")
        if weight is None:
            weight = line.item.net_weight * quantity
        if weight < 0:
            raise BusinessRuleError(_("A weight cannot be negative."), field="received")
        problems = []
        if quantity < line.quantity:
            problems.append(_("%(n)s missing") % {"n": line.quantity - quantity})
        expected = line.item.net_weight * quantity
        if weight != expected:
            problems.append(_("weight %(got)s g instead of %(expected)s g")
                            % {"got": weight, "expected": expected})
        line.quantity_received, line.weight_received = quantity, weight
        line.discrepancy = "; ".join(problems)[:300]
        line.save(update_fields=["quantity_received", "weight_received", "discrepancy"])
        if quantity:
            stock_move(tenant=tenant, actor=actor, item=line.item, branch=transfer.destination,
                       kind=StockMovement.Kind.TRANSFER_IN, quantity=quantity,
                       reference=reference, reason=_("From %(branch)s") % {
                           "branch": transfer.source.name})


def _notify(tenant: Tenant, transfer: Transfer, action: str) -> None:
    """Tell the shop's owners and managers what needs them (in-app), after commit."""
    from django.urls import reverse

    from notifications.services import notification_create

    titles = {"request": _("Transfer T-%(n)s waits for approval"),
              "approve": _("Transfer T-%(n)s approved: ready to dispatch"),
              "ship": _("Transfer T-%(n)s is on its way"),
              "receive": _("Transfer T-%(n)s received")}
    if action not in titles or (action == "request" and transfer.status != S.REQUESTED):
        return
    title = titles[action] % {"n": transfer.number}
    url = reverse("inventory:transfer-detail", args=[transfer.pk])
    managers = list(User.objects.filter(tenant=tenant, is_active=True,
                                        role__in=(User.Role.OWNER, User.Role.MANAGER)))
    transaction.on_commit(lambda: notification_create(tenant=tenant, users=managers,
                                                      title=title, url=url,
                                                      event=f"transfer.{action}"))


# --- reads --------------------------------------------------------------------


def transfer_in_transit() -> dict[Any, int]:
    """Pieces in transit per item (lines of transfers dispatched, not yet received)."""
    rows = (TransferLine.objects.filter(transfer__status=S.IN_TRANSIT)
            .values("item_id").annotate(n=Sum("quantity")))
    return {row["item_id"]: row["n"] for row in rows}


def transfer_pending_summary(*, user: User) -> dict[str, int]:
    """The dashboard widget: transfers `user` may see (inventory.selectors'
    branch scope) waiting for approval, to dispatch, in transit."""
    from .selectors import transfers_visible

    return transfers_visible(user).aggregate(
        requested=Count("id", filter=Q(status=S.REQUESTED)),
        approved=Count("id", filter=Q(status=S.APPROVED)),
        in_transit=Count("id", filter=Q(status=S.IN_TRANSIT)),
    )
