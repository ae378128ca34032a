"""Repair and custom orders: a piece taken in (or a piece to make), its estimate,
deposit and promised date, the craftsman, photos, and a state machine.

States (django-fsm, protected field: only transitions change it):
received → quoted → approved → in_progress → quality_check → ready → delivered,
quality_check → in_progress (rework), and cancelled from any state before
delivered. Every change goes through repairs.services.repair_transition, which
writes a RepairEvent (who, when, from, to, note).

Tenant tables (RLS): RepairOrder, RepairEvent, RepairPhoto, RepairPayment.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from tenants.db import TenantForeignKey, TenantScopedModel
from tenants.models import Branch

ZERO = Decimal("0")
MONEY = {"max_digits": 14, "decimal_places": 2}
WEIGHT = {"max_digits": 10, "decimal_places": 3}
MANAGERS = ("owner", "manager")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUOTED = "quoted", _("Quoted")
    APPROVED = "approved", _("Approved")
    IN_PROGRESS = "in_progress", _("In progress")
    QUALITY_CHECK = "quality_check", _("Quality check")
    READY = "ready", _("Ready for pickup")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (Status.RECEIVED, Status.QUOTED, Status.APPROVED, Status.IN_PROGRESS,
               Status.QUALITY_CHECK, Status.READY)


def _managers_only(order: RepairOrder, user: object) -> bool:
    return getattr(user, "role", None) in MANAGERS


class RepairOrder(FSMModelMixin, TenantScopedModel):
    class Kind(models.TextChoices):
        REPAIR = "repair", _("Repair")
        CUSTOM = "custom", _("Custom order")

    class Service(models.TextChoices):
        RESIZE = "resize", _("Resizing")
        SOLDER = "solder", _("Soldering")
        POLISH = "polish", _("Polishing and cleaning")
        STONE = "stone", _("Stone setting")
        CLASP = "clasp", _("Clasp or chain repair")
        PLATING = "plating", _("Plating")
        ENGRAVING = "engraving", _("Engraving")
        MAKE = "make", _("Make a new piece")
        OTHER = "other", _("Other")

    number = models.PositiveIntegerField(_("number"), editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REPAIR)
    status = FSMField(_("status"), max_length=20, choices=Status.choices,
                      default=Status.RECEIVED, protected=True)
    customer = TenantForeignKey("crm.Customer", on_delete=models.PROTECT,
                                related_name="repair_orders", verbose_name=_("customer"))
    branch = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("branch"))
    service = models.CharField(_("service"), max_length=12, choices=Service.choices,
                               default=Service.OTHER)
    description = models.TextField(_("item and work description"))
    # Custom orders: what to make.
    design_specs = models.TextField(_("design specifications"), blank=True)
    metal_weight = models.DecimalField(_("metal weight (g)"), **WEIGHT, null=True, blank=True,
                                       validators=[MinValueValidator(ZERO)])
    stones = models.TextField(_("stones"), blank=True)
    weight_in = models.DecimalField(_("weight in (g)"), **WEIGHT, null=True, blank=True,
                                    validators=[MinValueValidator(ZERO)])
    weight_out = models.DecimalField(_("weight out (g)"), **WEIGHT, null=True, blank=True,
                                     validators=[MinValueValidator(ZERO)])
    labour_estimate = models.DecimalField(_("labour estimate"), **MONEY, default=ZERO,
                                          validators=[MinValueValidator(ZERO)])
    materials_estimate = models.DecimalField(_("materials estimate"), **MONEY, default=ZERO,
                                             validators=[MinValueValidator(ZERO)])
    deposit = models.DecimalField(_("deposit"), **MONEY, default=ZERO,
                                  validators=[MinValueValidator(ZERO)])
    # A cancelled order whose deposit the shop kept (forfeited) instead of paying it
    # back: the amount (then no longer held: `deposit` is 0) and why. No cash moves;
    # accounting posts Dr repair deposits / Cr forfeited deposits.
    deposit_kept = models.DecimalField(_("deposit kept"), **MONEY, default=ZERO,
                                       editable=False)
    deposit_kept_reason = models.CharField(_("why the deposit was kept"), max_length=500,
                                           blank=True, editable=False)
    promised_on = models.DateField(_("promised date"), null=True, blank=True)
    craftsman = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+", db_index=False,
                                  verbose_name=_("craftsman"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", db_index=False)
    # When an overdue reminder last went out (at most one a day).
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="tenant_repair_number"),
            models.CheckConstraint(condition=Q(deposit__gte=0) & Q(labour_estimate__gte=0)
                                   & Q(materials_estimate__gte=0),
                                   name="repairs_order_amounts_not_negative"),
            models.CheckConstraint(
                condition=Q(deposit_kept=0) | (Q(deposit_kept__gt=0) & Q(status="cancelled")
                                               & ~Q(deposit_kept_reason="")),
                name="repairs_order_deposit_kept_cancelled"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "promised_on"], name="tenant_repair_status"),
        ]

    def __str__(self) -> str:
        return f"R-{self.number}"

    @property
    def estimate_total(self) -> Decimal:
        return self.labour_estimate + self.materials_estimate

    @property
    def balance_due(self) -> Decimal:
        return self.estimate_total - self.deposit

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    # --- transitions (called only by repairs.services.repair_transition) ---------

    @transition(field=status, source=Status.RECEIVED, target=Status.QUOTED)
    def quote(self) -> None:
        pass

    @transition(field=status, source=Status.QUOTED, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=Status.APPROVED, target=Status.IN_PROGRESS)
    def start(self) -> None:
        pass

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.QUALITY_CHECK)
    def send_to_check(self) -> None:
        pass

    @transition(field=status, source=Status.QUALITY_CHECK, target=Status.IN_PROGRESS)
    def rework(self) -> None:
        pass

    @transition(field=status, source=Status.QUALITY_CHECK, target=Status.READY,
                permission=_managers_only)
    def pass_check(self) -> None:
        pass

    @transition(field=status, source=Status.READY, target=Status.DELIVERED)
    def deliver(self) -> None:
        pass

    @transition(field=status, source=list(OPEN_STATES), target=Status.CANCELLED,
                permission=_managers_only)
    def cancel(self) -> None:
        pass


class DepositOnCancel(models.TextChoices):
    """What happens to the money held for an order when it is cancelled."""

    REFUND = "refund", _("Pay the deposit back")
    KEEP = "keep", _("Keep the deposit (forfeited)")


# Action name -> (label, button style); the order buttons appear in.
ACTIONS = {
    "quote": _("Send the quote"),
    "approve": _("Customer approved"),
    "start": _("Start work"),
    "send_to_check": _("Send to quality check"),
    "rework": _("Back to work"),
    "pass_check": _("Passed: ready for pickup"),
    "deliver": _("Deliver to the customer"),
    "cancel": _("Cancel the order"),
}


class RepairEvent(TenantScopedModel):
    """One state change of an order: the audit trail."""

    order = TenantForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", db_index=False, verbose_name=_("by"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("repair event")
        verbose_name_plural = _("repair events")
        ordering = ["created_at"]


def repair_photo_path(instance: RepairPhoto, filename: str) -> str:
    """repairs/<tenant id>/<random>.<ext of the checked format>: never the uploaded name."""
    import uuid

    from tenants.context import require_tenant

    return f"repairs/{require_tenant().pk}/{uuid.uuid4().hex}.{instance.extension}"


class RepairPhoto(TenantScopedModel):
    """An intake (or finished-piece) photo, checked by content; served only through a
    tenant view that reads the row under RLS."""

    FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
               "WEBP": ("image/webp", "webp")}

    order = TenantForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=repair_photo_path, max_length=200)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("repair photo")
        verbose_name_plural = _("repair photos")
        ordering = ["created_at"]

    @property
    def extension(self) -> str:
        for content_type, ext in self.FORMATS.values():
            if content_type == self.content_type:
                return ext
        return "bin"


class RepairPayment(TenantScopedModel):
    """Money of a repair order taken or paid back at a register (pos.drawer): the deposit
    at intake (or later), the balance at delivery, a deposit paid back on cancellation.
    Written only by repairs.payments; posted to the ledger by accounting.rules (deposit
    and balance: Dr cash/card, Cr repair deposits; refund: the reverse; the delivery
    itself moves the order's price from repair deposits to repair income).

    `amount` is what the payment counts for; cash handed over was amount + change.
    Rows without a shift were recorded before the register took repair money (the
    deposit typed on the order, and the balance of an order delivered then):
    repairs.payments.repair_payments_legacy_record writes them once."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        BALANCE = "balance", _("Balance at delivery")
        REFUND = "refund", _("Deposit paid back")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")

    number = models.PositiveBigIntegerField(_("number"), null=True, blank=True)
    # From the client: the same key twice gives the same payment, never two.
    idempotency_key = models.UUIDField(_("idempotency key"))
    order = TenantForeignKey(RepairOrder, on_delete=models.PROTECT, related_name="payments",
                             verbose_name=_("repair order"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    change_given = models.DecimalField(_("change"), **MONEY, default=ZERO)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    shift = TenantForeignKey("pos.Shift", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="repair_payments", verbose_name=_("shift"))
    branch = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("branch"))
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+", verbose_name=_("cashier"),
                                db_index=False)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("repair payment")
        verbose_name_plural = _("repair payments")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"],
                                    name="tenant_repair_payment_number"),
            models.UniqueConstraint(fields=["tenant", "idempotency_key"],
                                    name="tenant_repair_payment_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="repairs_payment_positive"),
            models.CheckConstraint(
                condition=Q(change_given=0) | (Q(method="cash") & Q(kind__in=["deposit", "balance"])
                                               & Q(change_given__gt=0)),
                name="repairs_payment_change_only_cash_in"),
        ]
        indexes = [
            models.Index(fields=["tenant", "order", "created_at"], name="tenant_repair_pay_order"),
            models.Index(fields=["tenant", "shift", "method"], name="tenant_repair_pay_shift"),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"RP-{self.number:06d}" if self.number else f"RP-R{self.order.number}"

    @property
    def signed_amount(self) -> Decimal:
        """Money into the shop (> 0) or back to the customer (< 0)."""
        return -self.amount if self.kind == self.Kind.REFUND else self.amount
