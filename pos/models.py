"""Point of sale: shifts at a terminal, sales with their lines and payments.

Tenant tables (RLS): Shift, Sale, SaleLine, Payment, SaleEvent, PosSettings, Cart,
CartLine.

A sale is written only by pos.services.sale_complete(), in one transaction with
the stock it moves (inventory.services.stock_move), the balances it spends (crm
redemptions), the points it earns and the accounting event it leaves for posting.
Money is stored with 2 decimals and rounded to the tenant's currency minor unit
(0 places for IRR) by pos.totals.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.db import TenantForeignKey, TenantScopedModel
from tenants.models import Branch, Terminal

ZERO = Decimal("0")
MONEY = {"max_digits": 14, "decimal_places": 2}
WEIGHT = {"max_digits": 10, "decimal_places": 3}


class PosSettings(TenantScopedModel):
    """One row per shop: the register's limits (pos.selectors.pos_settings_get gives
    the defaults when the shop has not saved any)."""

    # A cashier or salesperson may discount up to this % of a line or of the cart;
    # more needs a manager's PIN (pos.approvals).
    discount_limit_percent = models.DecimalField(
        _("discount allowed without approval (%)"), max_digits=5, decimal_places=2,
        default=Decimal("5"))
    # A return refunding more than this needs a manager's PIN; 0 = every return does.
    return_approval_limit = models.DecimalField(
        _("refund allowed without approval"), **MONEY, default=ZERO)
    receipt_footer = models.CharField(_("receipt footer"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("register settings")
        verbose_name_plural = _("register settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="tenant_pos_settings_one"),
            models.CheckConstraint(condition=Q(discount_limit_percent__gte=0)
                                   & Q(discount_limit_percent__lte=100),
                                   name="pos_settings_discount_limit_percent"),
            models.CheckConstraint(condition=Q(return_approval_limit__gte=0),
                                   name="pos_settings_return_limit_not_negative"),
        ]


class Shift(TenantScopedModel):
    """A cashier's session at a terminal: opened with a float, closed with a cash count.

    expected_cash = opening float + cash taken (net of change) - cash refunds - payouts;
    over_short = counted_cash - expected_cash. One open shift per terminal.
    """

    terminal = TenantForeignKey(Terminal, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("terminal"))
    branch = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("branch"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("opened by"), db_index=False)
    opening_float = models.DecimalField(_("opening float"), **MONEY, default=ZERO)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+", verbose_name=_("closed by"),
                                  db_index=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    counted_cash = models.DecimalField(_("counted cash"), **MONEY, null=True, blank=True)
    expected_cash = models.DecimalField(_("expected cash"), **MONEY, null=True, blank=True)
    over_short = models.DecimalField(_("over/short"), **MONEY, null=True, blank=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "terminal"],
                                    condition=Q(closed_at__isnull=True),
                                    name="tenant_pos_shift_one_open"),
            models.CheckConstraint(condition=Q(opening_float__gte=0),
                                   name="pos_shift_float_not_negative"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True)
                | Q(counted_cash__isnull=False, expected_cash__isnull=False,
                    over_short__isnull=False),
                name="pos_shift_closed_has_count",
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Sale(TenantScopedModel):
    class Status(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        PARTIALLY_RETURNED = "partially_returned", _("Partially returned")
        RETURNED = "returned", _("Returned")

    number = models.PositiveBigIntegerField(_("number"))
    # From the client: the same key twice gives the same sale, never two.
    idempotency_key = models.UUIDField(_("idempotency key"))
    shift = TenantForeignKey(Shift, on_delete=models.PROTECT, related_name="sales",
                             verbose_name=_("shift"))
    terminal = TenantForeignKey(Terminal, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("terminal"))
    branch = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("branch"))
    customer = TenantForeignKey("crm.Customer", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("customer"))
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("cashier"), db_index=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.COMPLETED)
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.DecimalField(_("subtotal"), **MONEY)
    discount_total = models.DecimalField(_("discounts"), **MONEY)
    cart_discount = models.DecimalField(_("cart discount"), **MONEY, default=ZERO)
    tax_total = models.DecimalField(_("tax (included)"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    # The manager who approved discounts above PosSettings.discount_limit_percent.
    discount_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("discount approved by"), db_index=False)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="tenant_pos_sale_number"),
            models.UniqueConstraint(fields=["tenant", "idempotency_key"],
                                    name="tenant_pos_sale_idempotency_key"),
            models.CheckConstraint(condition=Q(total__gte=0), name="pos_sale_total_not_negative"),
            models.CheckConstraint(condition=Q(total=models.F("subtotal")
                                                 - models.F("discount_total")),
                                   name="pos_sale_total_adds_up"),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="tenant_pos_sale_created")]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"S-{self.number:06d}"


class SaleLine(TenantScopedModel):
    """One item of a sale; prices include tax (inventory prices do), `tax` is the part
    of `total` that is tax. Karat, weight and names are copied for the receipt."""

    sale = TenantForeignKey(Sale, on_delete=models.PROTECT, related_name="lines")
    item = TenantForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("item"))
    position = models.PositiveSmallIntegerField(default=0)
    sku = models.CharField(_("SKU"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    karat = models.PositiveSmallIntegerField(_("karat"), null=True, blank=True)
    net_weight = models.DecimalField(_("net weight (g)"), **WEIGHT, default=ZERO)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    line_discount = models.DecimalField(_("line discount"), **MONEY, default=ZERO)
    cart_discount = models.DecimalField(_("share of the cart discount"), **MONEY, default=ZERO)
    tax = models.DecimalField(_("tax (included)"), **MONEY, default=ZERO)
    total = models.DecimalField(_("total"), **MONEY)

    class Meta:
        verbose_name = _("sale line")
        verbose_name_plural = _("sale lines")
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pos_saleline_quantity"),
            models.CheckConstraint(condition=Q(total__gte=0) & Q(tax__gte=0)
                                   & Q(line_discount__gte=0) & Q(cart_discount__gte=0),
                                   name="pos_saleline_not_negative"),
        ]


class Payment(TenantScopedModel):
    """A tender of a sale. `amount` is what was handed over; for cash, `change_given` is
    what went back, so the sale's payments satisfy sum(amount - change_given) = total."""

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")
        STORE_CREDIT = "store_credit", _("Store credit")
        GIFT_CARD = "gift_card", _("Gift card")
        POINTS = "points", _("Loyalty points")

    sale = TenantForeignKey(Sale, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    change_given = models.DecimalField(_("change"), **MONEY, default=ZERO)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    points = models.PositiveIntegerField(_("points"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pos_payment_positive"),
            models.CheckConstraint(
                condition=Q(change_given=0) | (Q(method="cash") & Q(change_given__gt=0)
                                               & Q(change_given__lte=models.F("amount"))),
                name="pos_payment_change_only_cash",
            ),
        ]

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.change_given


class SaleEvent(TenantScopedModel):
    """Outbox for the accounting module: written in the sale's transaction, posted later
    (posted_at set by whoever posts it)."""

    class Kind(models.TextChoices):
        SALE_COMPLETED = "sale.completed", _("Sale completed")

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    sale = TenantForeignKey(Sale, on_delete=models.PROTECT, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sale event")
        verbose_name_plural = _("sale events")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind", "sale"],
                                    name="tenant_pos_saleevent_once"),
        ]
        indexes = [
            models.Index(fields=["tenant", "created_at"], condition=Q(posted_at__isnull=True),
                         name="tenant_pos_saleevent_unposted"),
        ]


# --- the register's carts (pos.carts) -------------------------------------------------


class Cart(TenantScopedModel):
    """What a terminal is about to sell, kept in the database so that it survives a
    restart, a lost session or a second browser tab. One active cart per terminal;
    a cart can be held (named, with its customer) and resumed later at any terminal
    of its branch. Completed carts are deleted with the sale they became (pos.carts).

    Discounts are amounts; above PosSettings.discount_limit_percent a manager approved
    them (discount_approved_by / CartLine.discount_approved_by), and sale_complete
    checks the limit again."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        HELD = "held", _("Held")

    terminal = TenantForeignKey(Terminal, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("terminal"))
    branch = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("branch"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.ACTIVE)
    name = models.CharField(_("name"), max_length=60, blank=True)
    customer = TenantForeignKey("crm.Customer", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("customer"))
    cart_discount = models.DecimalField(_("cart discount"), **MONEY, default=ZERO)
    discount_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("discount approved by"), db_index=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"),
                                   db_index=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "terminal"],
                                    condition=Q(status="active"),
                                    name="tenant_pos_cart_one_active"),
            models.CheckConstraint(condition=Q(cart_discount__gte=0),
                                   name="pos_cart_discount_not_negative"),
        ]
        indexes = [models.Index(fields=["tenant", "branch", "status"],
                                name="tenant_pos_cart_branch_status")]

    def __str__(self) -> str:
        return self.name or str(_("Cart"))


class CartLine(TenantScopedModel):
    """An item in a cart. A serial piece can be in one cart only (partial unique index
    on the item where `serial`), so two tills cannot both be about to sell it."""

    cart = TenantForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    item = TenantForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+",
                            verbose_name=_("item"))
    serial = models.BooleanField(default=False)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    line_discount = models.DecimalField(_("line discount"), **MONEY, default=ZERO)
    discount_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("discount approved by"), db_index=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        ordering = ["added_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "cart", "item"],
                                    name="tenant_pos_cartline_item_once"),
            models.UniqueConstraint(fields=["tenant", "item"], condition=Q(serial=True),
                                    name="tenant_pos_cartline_serial_one_cart"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pos_cartline_quantity"),
            models.CheckConstraint(condition=Q(line_discount__gte=0),
                                   name="pos_cartline_discount_not_negative"),
            models.CheckConstraint(condition=Q(serial=False) | Q(quantity=1),
                                   name="pos_cartline_serial_one"),
        ]
