"""Point of sale: shifts at a terminal, sales with their lines and payments.

Tenant tables (RLS): PosSettings, Shift, Sale, SaleLine, Payment, SaleEvent, Cart, CartLine,
SaleReturn, SaleReturnLine, Refund, BuyBack.

A sale is written only by pos.services.sale_complete(), in one transaction with
the stock it moves (inventory.services.stock_move), the balances it spends (crm
redemptions), the points it earns and the accounting event it leaves for posting.
Money is stored with 2 decimals and rounded to the tenant's currency minor unit
(0 places for IRR) by pos.totals.
"""

from __future__ import annotations

import uuid
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


def receipt_logo_path(instance: PosSettings, filename: str) -> str:
    """logos/<tenant id>/<random>.<ext of the checked format>: never the uploaded name."""
    from tenants.context import require_tenant

    ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"logos/{require_tenant().pk}/{uuid.uuid4().hex}.{ext}"


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
    # The shop's tax or VAT number and logo, printed at the top of every receipt.
    receipt_tax_id = models.CharField(_("tax ID"), max_length=40, blank=True, default="",
                                      db_default="")
    receipt_logo = models.ImageField(_("logo"), upload_to=receipt_logo_path, max_length=200,
                                     blank=True, default="", db_default="")
    receipt_logo_type = models.CharField(max_length=20, blank=True, default="", db_default="")

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
        indexes = [models.Index(fields=["tenant", "-opened_at"], name="tenant_pos_shift_opened")]

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
    # The customer's loyalty tier discount (part of discount_total), with the tier's
    # name and % as they were at the sale, for the receipt.
    # (db_default too: sales written by SQL, as the benchmarks' seeds do, need none.)
    member_discount = models.DecimalField(_("member discount"), **MONEY, default=ZERO,
                                          db_default=ZERO)
    member_tier = models.CharField(_("loyalty tier"), max_length=60, blank=True, default="",
                                   db_default="")
    member_percent = models.DecimalField(_("member discount %"), max_digits=5,
                                         decimal_places=2, default=ZERO, db_default=ZERO)
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
            models.CheckConstraint(condition=Q(member_discount__gte=0)
                                   & Q(member_discount__lte=models.F("discount_total"))
                                   & Q(member_percent__gte=0) & Q(member_percent__lte=100),
                                   name="pos_sale_member_discount"),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="tenant_pos_sale_created"),
            # The sales page filtered to (partly) returned sales, a few among millions.
            models.Index(fields=["tenant", "-created_at"], name="tenant_pos_sale_returned",
                         condition=~Q(status="completed")),
            # The terminal's and the branch's foreign-key indexes (TenantForeignKey's
            # names) also ordered by time: the sales page filtered to one terminal or
            # branch reads its newest page, not all of its sales (454 ms -> 0.5 ms on
            # the 1M-sale bench shop, docs/performance.md). Still one index each.
            models.Index(fields=["tenant", "terminal", "-created_at"],
                         name="sale_terminal_t_idx"),
            models.Index(fields=["tenant", "branch", "-created_at"], name="sale_branch_t_idx"),
        ]

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
    member_discount = models.DecimalField(_("share of the member discount"), **MONEY,
                                          default=ZERO, db_default=ZERO)
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
            models.CheckConstraint(condition=Q(member_discount__gte=0),
                                   name="pos_saleline_member_discount_not_negative"),
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
        # Old gold bought back at the register and credited to this sale (an exchange):
        # written by sale_complete with its BuyBack (settlement "sale"), never typed.
        OLD_GOLD = "old_gold", _("Old gold credit")

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
    """Outbox for the accounting module: written in the same transaction as its subject
    (a sale, a return or a buy-back: exactly one is set), posted later (posted_at set
    by whoever posts it). Payloads: docs/architecture.md "POS events for accounting"."""

    class Kind(models.TextChoices):
        SALE_COMPLETED = "sale.completed", _("Sale completed")
        SALE_RETURNED = "sale.returned", _("Sale returned")
        BUYBACK_COMPLETED = "buyback.completed", _("Buy-back completed")

    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    sale = TenantForeignKey(Sale, on_delete=models.PROTECT, related_name="events", null=True,
                            blank=True)
    sale_return = TenantForeignKey("SaleReturn", on_delete=models.PROTECT, related_name="events",
                                   null=True, blank=True)
    buy_back = TenantForeignKey("BuyBack", on_delete=models.PROTECT, related_name="events",
                                null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sale event")
        verbose_name_plural = _("sale events")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind", "sale"],
                                    name="tenant_pos_saleevent_once"),
            models.UniqueConstraint(fields=["tenant", "kind", "sale_return"],
                                    name="tenant_pos_saleevent_return_once"),
            models.UniqueConstraint(fields=["tenant", "kind", "buy_back"],
                                    name="tenant_pos_saleevent_buyback_once"),
            models.CheckConstraint(
                condition=(Q(kind="sale.completed") & Q(sale__isnull=False)
                           & Q(sale_return__isnull=True) & Q(buy_back__isnull=True))
                | (Q(kind="sale.returned") & Q(sale__isnull=True)
                   & Q(sale_return__isnull=False) & Q(buy_back__isnull=True))
                | (Q(kind="buyback.completed") & Q(sale__isnull=True)
                   & Q(sale_return__isnull=True) & Q(buy_back__isnull=False)),
                name="pos_saleevent_one_subject",
            ),
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
    # Old gold the customer hands over, to be bought back and credited to this sale
    # when it completes (pos.carts.cart_old_gold_add): a list of
    # {"id", "weight", "karat", "purity", "melt_loss_percent", "rate", "customer",
    #  "seller_name", "seller_id_number", "description", "fine_weight", "payout"},
    # figures as strings (Decimal text), the rate fixed when it was added.
    old_gold = models.JSONField(_("old gold to credit"), default=list, blank=True)

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


# --- returns and old-gold buy-back (issue 11, second slice) ----------------------------


class SaleReturn(TenantScopedModel):
    """Goods brought back against a sale: some quantity of some of its lines, with a
    reason, refunded to the original tenders, to store credit, or as exchange credit
    (a gift card the register takes as a tender). Written only by
    pos.services.sale_return_create(), which locks the sale row so that several
    returns, even concurrent ones, never give back more than was sold."""

    class Settlement(models.TextChoices):
        ORIGINAL = "original", _("To the original payment")
        STORE_CREDIT = "store_credit", _("To store credit")
        EXCHANGE = "exchange", _("Exchange credit")

    number = models.PositiveBigIntegerField(_("number"))
    sale = TenantForeignKey(Sale, on_delete=models.PROTECT, related_name="returns",
                            verbose_name=_("sale"))
    # The shift (and so the drawer) the refund was paid from.
    shift = TenantForeignKey(Shift, on_delete=models.PROTECT, related_name="returns",
                             verbose_name=_("shift"))
    branch = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("branch"))
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("cashier"), db_index=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("approved by"), db_index=False)
    reason = models.CharField(_("reason"), max_length=200)
    settlement = models.CharField(_("refund"), max_length=20, choices=Settlement.choices)
    total = models.DecimalField(_("refund total"), **MONEY)
    tax_total = models.DecimalField(_("tax (included)"), **MONEY, default=ZERO)
    points_reversed = models.PositiveIntegerField(_("points taken back"), default=0)
    credit_card = TenantForeignKey("crm.GiftCard", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+",
                                   verbose_name=_("exchange credit"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="tenant_pos_return_number"),
            models.CheckConstraint(condition=Q(total__gte=0) & Q(tax_total__gte=0),
                                   name="pos_return_not_negative"),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at"],
                                name="tenant_pos_return_created")]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"R-{self.number:06d}"

    @property
    def currency(self) -> str:
        """A return gives back money of its sale, in the sale's currency."""
        return self.sale.currency


class SaleReturnLine(TenantScopedModel):
    """How much of one sale line came back and what it refunds (its share of the
    line's total, so that all the returns of a line add up to the line exactly)."""

    sale_return = TenantForeignKey(SaleReturn, on_delete=models.PROTECT, related_name="lines")
    sale_line = TenantForeignKey(SaleLine, on_delete=models.PROTECT, related_name="returned",
                                 verbose_name=_("sale line"))
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = models.DecimalField(_("refund"), **MONEY)
    tax = models.DecimalField(_("tax (included)"), **MONEY, default=ZERO)

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pos_returnline_quantity"),
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(tax__gte=0),
                                   name="pos_returnline_not_negative"),
        ]


class Refund(TenantScopedModel):
    """Where a return's money went: one row per tender (cash out of the drawer, back to
    the card, store credit, a gift card, points)."""

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")
        STORE_CREDIT = "store_credit", _("Store credit")
        GIFT_CARD = "gift_card", _("Gift card")
        POINTS = "points", _("Loyalty points")
        # The part a sale paid with old gold comes back as trade-in credit (a gift card).
        OLD_GOLD = "old_gold", _("Old gold credit")

    sale_return = TenantForeignKey(SaleReturn, on_delete=models.PROTECT, related_name="refunds")
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    points = models.PositiveIntegerField(_("points"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pos_refund_positive"),
        ]


class BuyBack(TenantScopedModel):
    """Old gold bought from a customer: weighed, its purity known by karat or tested,
    less a melt loss, bought at a rate per gram. It becomes a scrap lot in stock at the
    branch (an inventory item with one movement "buy_back") and is paid in cash from
    the shift's drawer or as trade-in credit (a gift card the register takes).

    fine_weight = weight x purity/1000 x (1 - melt_loss/100), 3 decimals;
    payout = weight x (1 - melt_loss/100) x rate, rounded to its currency's minor unit
    (BuyBack.currency)."""

    class Settlement(models.TextChoices):
        CASH = "cash", _("Cash")
        CREDIT = "credit", _("Trade-in credit")
        # Credited to the sale it was exchanged for (BuyBack.sale), in that sale's
        # transaction: a Payment "old_gold" of the sale carries the payout.
        SALE = "sale", _("Credited to a sale")

    number = models.PositiveBigIntegerField(_("number"))
    shift = TenantForeignKey(Shift, on_delete=models.PROTECT, related_name="buy_backs",
                             verbose_name=_("shift"))
    branch = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("branch"))
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("cashier"), db_index=False)
    customer = TenantForeignKey("crm.Customer", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("customer"))
    seller_name = models.CharField(_("seller's name"), max_length=200, blank=True)
    seller_id_number = models.CharField(_("seller's ID document number"), max_length=40,
                                        blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    weight = models.DecimalField(_("weight (g)"), **WEIGHT)
    karat = models.PositiveSmallIntegerField(_("karat"), null=True, blank=True)
    purity = models.DecimalField(_("purity (‰)"), max_digits=5, decimal_places=1)
    melt_loss_percent = models.DecimalField(_("melt loss (%)"), max_digits=5, decimal_places=2,
                                            default=ZERO)
    rate = models.DecimalField(_("buy rate per gram"), max_digits=16, decimal_places=4)
    fine_weight = models.DecimalField(_("fine weight (g)"), **WEIGHT)
    payout = models.DecimalField(_("payout"), **MONEY)
    # The currency the payout is in: the shop's when it was bought (for one credited to
    # a sale, the sale's, which is the shop's at that moment too), so that the pages and
    # receipts still say it after the shop changes currency. Blank only for a row no
    # code gave one (written before the column, by a process of the previous release
    # during a deploy): shown in the shop's currency, as money is by default.
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="",
                                db_default="")
    settlement = models.CharField(_("paid as"), max_length=10, choices=Settlement.choices)
    credit_card = TenantForeignKey("crm.GiftCard", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+",
                                   verbose_name=_("trade-in credit"))
    sale = TenantForeignKey(Sale, on_delete=models.PROTECT, null=True, blank=True,
                            related_name="buy_backs", verbose_name=_("credited to sale"))
    scrap_item = TenantForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("scrap lot"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("buy-back")
        verbose_name_plural = _("buy-backs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="tenant_pos_buyback_number"),
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(fine_weight__gte=0)
                                   & Q(payout__gte=0) & Q(rate__gte=0),
                                   name="pos_buyback_not_negative"),
            models.CheckConstraint(condition=Q(purity__gt=0) & Q(purity__lte=1000),
                                   name="pos_buyback_purity"),
            models.CheckConstraint(condition=Q(melt_loss_percent__gte=0)
                                   & Q(melt_loss_percent__lt=100),
                                   name="pos_buyback_melt_loss"),
            models.CheckConstraint(condition=Q(customer__isnull=False)
                                   | (~Q(seller_name="") & ~Q(seller_id_number="")),
                                   name="pos_buyback_seller_known"),
            models.CheckConstraint(condition=(Q(settlement="sale") & Q(sale__isnull=False))
                                   | (~Q(settlement="sale") & Q(sale__isnull=True)),
                                   name="pos_buyback_sale_iff_settled_to_sale"),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at"],
                                name="tenant_pos_buyback_created")]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"B-{self.number:06d}"

    @property
    def seller(self) -> str:
        return str(self.customer) if self.customer_id else self.seller_name
