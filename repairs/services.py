"""Every write of repairs. Services are named <entity>_<verb>, validate first, run
in one transaction, and send notifications only after commit.

State changes go through repair_transition(): it locks the order, asks django-fsm
whether the action is legal from the current state and allowed to the actor,
applies it, and writes a RepairEvent (who, when, from, to, note).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from tenants.access import branch_visible
from tenants.context import tenant_context
from tenants.counters import counter_next
from tenants.errors import BusinessRuleError
from tenants.models import Branch, Tenant, User

from . import payments
from .models import ACTIONS, DepositOnCancel, RepairEvent, RepairOrder, RepairPhoto, Status
from .payments import Till, order_branch_check
from .photos import photo_read

ZERO = Decimal("0")
PHOTOS_PER_ORDER = 12
# Actions that tell the customer, after commit (notifications.events).
CUSTOMER_EVENTS = {"quote": "repair.quoted", "pass_check": "repair.ready"}


def _amount(value: Any, field: str) -> Decimal:
    value = ZERO if value in (None, "") else Decimal(value)
    if value < 0:
        raise BusinessRuleError(_("Amounts cannot be negative."), field=field)
    return value.quantize(Decimal("0.01"))


def _weight(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    value = Decimal(value)
    if value < 0:
        raise BusinessRuleError(_("A weight cannot be negative."), field=field)
    return value.quantize(Decimal("0.001"))


def _craftsman_check(craftsman: User | None, tenant: Tenant) -> None:
    if craftsman is not None and (craftsman.tenant_id != tenant.pk or not craftsman.is_active):
        raise BusinessRuleError(_("Choose a craftsman of this shop."), field="craftsman")


@transaction.atomic
def repair_create(*, tenant: Tenant, actor: User | None, customer: Any, branch: Branch,
                  description: str, kind: str = RepairOrder.Kind.REPAIR,
                  service: str = RepairOrder.Service.OTHER, design_specs: str = "",
                  metal_weight: Any = None, stones: str = "", weight_in: Any = None,
                  labour_estimate: Any = None, materials_estimate: Any = None,
                  deposit: Any = None, promised_on: datetime.date | None = None,
                  craftsman: User | None = None, photos: list[Any] | None = None,
                  till: Till | None = None) -> RepairOrder:
    """Take in a repair (or a custom order): numbered per shop, state "received".

    Rules: a description; amounts and weights not negative; the deposit not above the
    estimate when there is one; the promised date not in the past; the craftsman from
    this shop; every photo a real image within the size limit (nothing is saved if
    one is not); a salesperson or cashier bound to a branch takes orders in for that
    branch only (owners, managers and staff without a branch for any). A deposit is money taken at the register: `till` (an open shift, the
    tender and the client's idempotency key; the same key again returns the order it
    made) is needed, and nothing is saved without it."""
    description = (description or "").strip()
    if not description:
        raise BusinessRuleError(_("Describe the piece and the work."), field="description")
    if kind not in RepairOrder.Kind.values:
        raise BusinessRuleError(_("Unknown kind of order."), field="kind")
    if service not in RepairOrder.Service.values:
        raise BusinessRuleError(_("Unknown service."), field="service")
    labour = _amount(labour_estimate, "labour_estimate")
    materials = _amount(materials_estimate, "materials_estimate")
    paid = _amount(deposit, "deposit")
    if labour + materials and paid > labour + materials:
        raise BusinessRuleError(_("The deposit cannot be more than the estimate."),
                                field="deposit")
    if promised_on and promised_on < timezone.localdate():
        raise BusinessRuleError(_("The promised date cannot be in the past."),
                                field="promised_on")
    _craftsman_check(craftsman, tenant)
    if actor is not None and not branch_visible(actor, branch.pk):
        raise BusinessRuleError(
            _("You work at the %(branch)s branch: take the repair in for it.")
            % {"branch": actor.branch.name}, field="branch")
    checked = [photo_read(upload) for upload in (photos or [])]
    if len(checked) > PHOTOS_PER_ORDER:
        raise BusinessRuleError(
            _("An order can have at most %(n)s photos.") % {"n": PHOTOS_PER_ORDER},
            field="photo")
    with tenant_context(tenant):
        if paid:
            if till is None or till.shift is None:
                raise BusinessRuleError(_("Open a shift at the register to take the deposit."),
                                        field="deposit")
            existing = payments.payment_key_claim(
                tenant=tenant, key=payments.key_parse(till.idempotency_key))
            if existing is not None:
                order_branch_check(actor, existing.order)
                return existing.order
        order = RepairOrder(
            kind=kind, customer=customer, branch=branch, service=service,
            description=description, design_specs=design_specs.strip(),
            metal_weight=_weight(metal_weight, "metal_weight"), stones=stones.strip(),
            weight_in=_weight(weight_in, "weight_in"), labour_estimate=labour,
            materials_estimate=materials, deposit=ZERO, promised_on=promised_on,
            craftsman=craftsman, created_by=actor,
        )
        order.number = counter_next("repair")
        order.save()
        RepairEvent.objects.create(order=order, action="create", from_status=Status.RECEIVED,
                                   to_status=Status.RECEIVED, actor=actor,
                                   note=_("Taken in"))
        if paid:
            payments.intake_deposit_take(tenant=tenant, actor=actor, order=order, amount=paid,
                                         till=till)
        for content, content_type in checked:
            _photo_store(order=order, actor=actor, content=content, content_type=content_type)
        return order


def _photo_store(*, order: RepairOrder, actor: User | None, content: bytes,
                 content_type: str) -> RepairPhoto:
    photo = RepairPhoto(order=order, content_type=content_type, size=len(content),
                        uploaded_by=actor)
    photo.image.save(f"photo.{photo.extension}", ContentFile(content), save=False)
    name = photo.image.name
    storage = photo.image.storage
    try:
        photo.save()
    except Exception:
        storage.delete(name)
        raise
    return photo


@transaction.atomic
def repair_photo_add(*, tenant: Tenant, actor: User | None, order: RepairOrder,
                     upload: Any) -> RepairPhoto:
    """Add a photo (checked by content, size limit from settings) to an open order."""
    content, content_type = photo_read(upload)
    with tenant_context(tenant):
        order = RepairOrder.objects.select_for_update().get(pk=order.pk)
        order_branch_check(actor, order)
        if not order.is_open:
            raise BusinessRuleError(_("This order is closed."), field="photo")
        if RepairPhoto.objects.filter(order=order).count() >= PHOTOS_PER_ORDER:
            raise BusinessRuleError(
                _("An order can have at most %(n)s photos.") % {"n": PHOTOS_PER_ORDER},
                field="photo")
        return _photo_store(order=order, actor=actor, content=content,
                            content_type=content_type)


@transaction.atomic
def repair_update(*, tenant: Tenant, actor: User | None, order: RepairOrder,
                  **values: Any) -> RepairOrder:
    """Change the estimate, promised date, craftsman or weights of an open order (the
    deposit is money: it changes only at the register, repairs.payments)."""
    allowed = {"labour_estimate", "materials_estimate", "promised_on", "craftsman",
               "weight_in", "weight_out", "description", "design_specs", "stones",
               "metal_weight", "service"}
    unknown = set(values) - allowed
    if unknown:
        raise BusinessRuleError(_("These fields cannot be changed here."))
    with tenant_context(tenant):
        order = RepairOrder.objects.select_for_update().get(pk=order.pk)
        order_branch_check(actor, order)
        if not order.is_open:
            raise BusinessRuleError(_("This order is closed."))
        for name in ("labour_estimate", "materials_estimate"):
            if name in values:
                setattr(order, name, _amount(values[name], name))
        for name in ("weight_in", "weight_out", "metal_weight"):
            if name in values:
                setattr(order, name, _weight(values[name], name))
        if "craftsman" in values:
            _craftsman_check(values["craftsman"], tenant)
            order.craftsman = values["craftsman"]
        if values.get("promised_on") and values["promised_on"] != order.promised_on \
                and values["promised_on"] < timezone.localdate():
            raise BusinessRuleError(_("The promised date cannot be in the past."),
                                    field="promised_on")
        for name in ("promised_on", "description", "design_specs", "stones", "service"):
            if name in values:
                setattr(order, name, values[name])
        if not (order.description or "").strip():
            raise BusinessRuleError(_("Describe the piece and the work."), field="description")
        if order.estimate_total and order.deposit > order.estimate_total:
            raise BusinessRuleError(
                _("The estimate cannot be less than the deposit taken (%(deposit)s).")
                % {"deposit": order.deposit}, field="labour_estimate")
        order.save()
        return order


def repair_actions_for(order: RepairOrder, user: User) -> list[tuple[str, str]]:
    """(action, label) of the transitions `user` may take on `order` now, in order."""
    available = {t.name for t in order.get_available_user_status_transitions(user)}
    return [(name, str(label)) for name, label in ACTIONS.items() if name in available]


@transaction.atomic
def repair_transition(*, tenant: Tenant, actor: User, order: RepairOrder, action: str,
                      note: str = "", weight_out: Any = None,
                      till: Till | None = None,
                      deposit_action: str = DepositOnCancel.REFUND,
                      deposit_reason: str = "") -> RepairOrder:
    """Move an order along its workflow; every illegal move is refused.

    Rules: the action exists and is legal from the current state (django-fsm), the
    actor may take it (passing quality check and cancelling: owners and managers);
    a quote needs an estimate; passing quality check needs the weight out; a
    cancellation needs a reason. Delivering collects the balance and cancelling pays
    the deposit back at the register (`till`, repairs.payments) — or, with
    `deposit_action` "keep", the shop keeps it (owners and managers, with
    `deposit_reason`; no money moves); with a till, the same idempotency key again
    returns the order without doing anything twice. Audited as a RepairEvent; the
    customer is told (per their consent) after commit."""
    if action not in ACTIONS:
        raise BusinessRuleError(_("Unknown action."))
    if deposit_action not in DepositOnCancel.values:
        raise BusinessRuleError(_("Choose whether the deposit is paid back or kept."),
                                field="deposit_action")
    note = (note or "").strip()[:500]
    with tenant_context(tenant):
        if till is not None and action in ("deliver", "cancel"):
            existing = payments.payment_key_claim(
                tenant=tenant, key=payments.key_parse(till.idempotency_key))
            if existing is not None:
                settled = RepairOrder.objects.get(pk=existing.order_id)
                order_branch_check(actor, settled)
                return settled
        order = RepairOrder.objects.select_for_update().select_related("customer").get(
            pk=order.pk)
        order_branch_check(actor, order)
        method = getattr(order, action)
        if not can_proceed(method):
            raise BusinessRuleError(
                _("An order that is %(status)s cannot do this: %(action)s.")
                % {"status": order.get_status_display(), "action": ACTIONS[action]})
        if not has_transition_perm(method, actor):
            raise BusinessRuleError(_("Only an owner or a manager can do this."))
        if action == "quote" and not order.estimate_total:
            raise BusinessRuleError(_("Enter the estimate before sending the quote."))
        if action == "pass_check":
            weight = _weight(weight_out, "weight_out")
            if weight is None:
                weight = order.weight_out
            if weight is None:
                raise BusinessRuleError(_("Weigh the piece: enter the weight out."),
                                        field="weight_out")
            order.weight_out = weight
        if action == "cancel" and not note:
            raise BusinessRuleError(_("Say why the order is cancelled."), field="note")
        if action == "deliver":
            payments.delivery_settle(tenant=tenant, actor=actor, order=order, till=till)
        elif action == "cancel" and deposit_action == DepositOnCancel.KEEP:
            payments.cancellation_keep(actor=actor, order=order, reason=deposit_reason)
        elif action == "cancel":
            payments.cancellation_settle(tenant=tenant, actor=actor, order=order, till=till)
        before = order.status
        method()
        if order.status in (Status.DELIVERED, Status.CANCELLED):
            order.closed_at = timezone.now()
        order.save()
        RepairEvent.objects.create(order=order, action=action, from_status=before,
                                   to_status=order.status, actor=actor, note=note)
        event = CUSTOMER_EVENTS.get(action)
        if event:
            from notifications.services import customer_message_queue

            customer_message_queue(tenant=tenant, customer=order.customer, event=event,
                                   context={"number": order.number,
                                            "total": str(order.estimate_total),
                                            "balance": str(order.balance_due),
                                            "branch": order.branch.name},
                                   language=getattr(actor, "language", None))
        return order


def repair_overdue_remind(*, tenant: Tenant, today: datetime.date | None = None) -> int:
    """The daily overdue reminder (repairs.overdue_remind_task): every open order past its
    promised date and not yet ready, not reminded today, gets one reminder: the customer
    per their consent (event repair.overdue, email/SMS through the Celery sender), and
    the shop's owners and managers one in-app notification listing them (per their
    preferences, event repair.overdue). `reminded_on` makes it at most once a day per
    order even if the task runs again. Returns how many orders were reminded."""
    from django.urls import reverse
    from django.utils import translation

    from notifications.services import customer_message_queue, notification_create

    from .selectors import repair_overdue

    today = today or timezone.localdate()
    with transaction.atomic(), tenant_context(tenant):
        orders = list(repair_overdue(today=today).exclude(status=Status.READY)
                      .select_for_update(of=("self",), skip_locked=True).order_by("number"))
        if not orders:
            return 0
        RepairOrder.objects.filter(pk__in=[o.pk for o in orders]).update(reminded_on=today)
        for order in orders:
            customer_message_queue(tenant=tenant, customer=order.customer,
                                   event="repair.overdue", context={"number": order.number})
        staff = list(User.objects.filter(tenant=tenant, is_active=True,
                                         role__in=(User.Role.OWNER, User.Role.MANAGER)))
        url = reverse("repairs:order-list") + "?overdue=1"
        numbers = ", ".join(f"R-{o.number}" for o in orders)
        for language in sorted({u.language for u in staff}):
            with translation.override(language):
                title = translation.ngettext(
                    "%(n)s repair order is past its promised date",
                    "%(n)s repair orders are past their promised date",
                    len(orders)) % {"n": len(orders)}
            notification_create(tenant=tenant, users=[u for u in staff if u.language == language],
                                title=title, body=numbers, url=url, event="repair.overdue")
    return len(orders)
