"""Inventory: categories, items, stock per branch and its movements, gold rates and pricing.

Tenant tables (RLS): Category, Item, ItemSearchToken, StockLevel, StockMovement,
RateBoard, PricingRule, InventorySettings, RateAlert, ItemPhoto. Global table (no tenant): MarketRate, the platform-wide feed of
market prices that every shop's rate board may follow.

Stock changes only through inventory.services.stock_move(), which writes a
StockMovement in the same transaction as the StockLevel it changes.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from tenants.db import TenantForeignKey, TenantScopedModel
from tenants.models import Branch

ZERO = Decimal("0")
MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 16, "decimal_places": 4}
WEIGHT = {"max_digits": 10, "decimal_places": 3}
PERCENT = {"max_digits": 7, "decimal_places": 3}


class Karat(models.IntegerChoices):
    K24 = 24, _("24K")
    K22 = 22, _("22K")
    K21 = 21, _("21K")
    K18 = 18, _("18K")
    K14 = 14, _("14K")


# Purity in thousandths (ARCHITECTURE.md section 3). Fine weight = weight x purity / 1000.
PURITY = {24: Decimal("999.9"), 22: Decimal("916"), 21: Decimal("875"), 18: Decimal("750"),
          14: Decimal("585")}


class Metal(models.TextChoices):
    GOLD = "gold", _("Gold")
    SILVER = "silver", _("Silver")
    PLATINUM = "platinum", _("Platinum")
    OTHER = "other", _("Other")


class RateCode(models.TextChoices):
    """What a rate is the price of: a gold karat or another metal, per gram."""

    GOLD24 = "gold24", _("Gold 24K")
    GOLD22 = "gold22", _("Gold 22K")
    GOLD21 = "gold21", _("Gold 21K")
    GOLD18 = "gold18", _("Gold 18K")
    GOLD14 = "gold14", _("Gold 14K")
    SILVER = "silver", _("Silver")
    PLATINUM = "platinum", _("Platinum")


def rate_code_for(metal: str, karat: int | None) -> str | None:
    """The rate an item of this metal and karat is priced by, or None (no market price)."""
    if metal == Metal.GOLD and karat:
        return f"gold{karat}"
    if metal in (Metal.SILVER, Metal.PLATINUM):
        return str(metal)
    return None


class Category(TenantScopedModel):
    """A node of the shop's category tree (adjacency list: a few dozen nodes per shop)."""

    name = models.CharField(_("name"), max_length=120)
    parent = TenantForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "parent", "name"], name="tenant_category_name_per_parent",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Item(TenantScopedModel):
    class MakingChargeMode(models.TextChoices):
        PER_GRAM = "per_gram", _("Per gram")
        PERCENT = "percent", _("Percent of gold value")
        FIXED = "fixed", _("Fixed amount")

    class PriceMode(models.TextChoices):
        FIXED = "fixed", _("Fixed price")
        RATE_BASED = "rate_based", _("By today's rate")

    class Tracking(models.TextChoices):
        SERIAL = "serial", _("Serial (one piece)")
        LOT = "lot", _("Lot (countable)")

    sku = models.CharField(_("SKU"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    category = TenantForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="items",
        verbose_name=_("category"),
    )
    metal = models.CharField(_("metal"), max_length=10, choices=Metal.choices, default=Metal.GOLD)
    karat = models.PositiveSmallIntegerField(_("karat"), choices=Karat.choices, null=True,
                                             blank=True)
    purity = models.DecimalField(_("purity (‰)"), max_digits=5, decimal_places=1, null=True,
                                 blank=True, editable=False)
    gross_weight = models.DecimalField(_("gross weight (g)"), **WEIGHT, default=ZERO,
                                       validators=[MinValueValidator(ZERO)])
    net_weight = models.DecimalField(_("net weight (g)"), **WEIGHT, default=ZERO,
                                     validators=[MinValueValidator(ZERO)])
    making_charge_mode = models.CharField(
        _("making charge"), max_length=10, choices=MakingChargeMode.choices,
        default=MakingChargeMode.PER_GRAM,
    )
    making_charge_value = models.DecimalField(_("making charge value"), **RATE, default=ZERO,
                                              validators=[MinValueValidator(ZERO)])
    stone_details = models.TextField(_("stone details"), blank=True)
    stone_value = models.DecimalField(_("stone value"), **MONEY, default=ZERO,
                                      validators=[MinValueValidator(ZERO)])
    cost = models.DecimalField(_("cost"), **MONEY, default=ZERO,
                               validators=[MinValueValidator(ZERO)])
    price_mode = models.CharField(_("price mode"), max_length=12, choices=PriceMode.choices,
                                  default=PriceMode.RATE_BASED)
    fixed_price = models.DecimalField(_("fixed price"), **MONEY, null=True, blank=True)
    # The price today's rate and the rules give (or the fixed price); kept by
    # item_create/item_update and items_reprice so lists and POS never recompute.
    price = models.DecimalField(_("price"), **MONEY, default=ZERO)
    priced_at = models.DateTimeField(_("priced at"), null=True, blank=True)
    price_override = models.DecimalField(_("price override"), **MONEY, null=True, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("override by"), db_index=False,
    )
    override_at = models.DateTimeField(_("override at"), null=True, blank=True)
    tracking = models.CharField(_("tracking"), max_length=8, choices=Tracking.choices,
                                default=Tracking.SERIAL)
    serial_number = models.CharField(_("serial number"), max_length=60, blank=True)
    barcode = models.CharField(_("barcode"), max_length=64)
    branch = TenantForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("home branch"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sku"], name="tenant_item_sku"),
            models.UniqueConstraint(fields=["tenant", "barcode"], name="tenant_item_barcode"),
            models.CheckConstraint(
                condition=Q(price_mode="rate_based") | Q(fixed_price__isnull=False),
                name="inventory_item_fixed_price_set",
            ),
            models.CheckConstraint(
                condition=(Q(metal="gold") & Q(karat__isnull=False))
                | (~Q(metal="gold") & Q(karat__isnull=True)),
                name="inventory_item_karat_iff_gold",
            ),
        ]
        indexes = [
            # Search by name goes through ItemSearchToken (a trigram index on the name
            # is never used under RLS: see ItemSearchToken).
            models.Index(fields=["tenant", "price_mode"], name="tenant_item_price_mode"),
            # Small (few items are inactive): lets a search count its active matches as
            # all matches minus the inactive ones, without reading the matched rows.
            models.Index(fields=["tenant", "id"], condition=Q(is_active=False),
                         name="tenant_item_inactive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"

    @property
    def rate_code(self) -> str | None:
        return rate_code_for(self.metal, self.karat)

    @property
    def selling_price(self) -> Decimal:
        """What the customer pays before tier discounts: the override wins."""
        return self.price_override if self.price_override is not None else self.price

    @property
    def is_serial(self) -> bool:
        return self.tracking == self.Tracking.SERIAL

    def search_tokens(self) -> set[str]:
        from .search import item_search_tokens

        return item_search_tokens(name=self.name, sku=self.sku, barcode=self.barcode,
                                  serial_number=self.serial_number)


class ItemSearchToken(TenantScopedModel):
    """One word an item can be found by (a name word or its hyphen parts, the SKU, the
    barcode, the serial number), matched by prefix with `token >= q AND token < q'`.
    Kept by inventory.services (item_create, item_update, item_tokens_refresh).

    Why not the trigram index on the name it replaces: under RLS, PostgreSQL only
    uses a condition as an index condition when its operator is LEAKPROOF (it would
    otherwise run before the tenant policy), and LIKE/ILIKE/similarity are not; text
    comparison operators are. Measured in docs/performance.md.
    """

    item = TenantForeignKey(Item, on_delete=models.CASCADE, related_name="tokens")
    # Byte order (C collation) makes a prefix one contiguous range of the index.
    token = models.CharField(max_length=120, db_collation="C")

    class Meta:
        indexes = [
            # item_id included: matches come from an index-only scan.
            models.Index(fields=["tenant", "token"], include=["item"],
                         name="tenant_inventory_search_token"),
        ]


class StockLevel(TenantScopedModel):
    """How many of an item a branch holds. Written only by services.stock_move()."""

    item = TenantForeignKey(Item, on_delete=models.PROTECT, related_name="stock_levels")
    branch = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    quantity = models.IntegerField(_("quantity"), default=0)
    # A copy of item.tracking == serial, so the database itself can hold the serial rules.
    is_serial = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "item", "branch"], name="tenant_stock_item_branch"),
            models.CheckConstraint(condition=Q(quantity__gte=0),
                                   name="inventory_stock_not_negative"),
            models.CheckConstraint(condition=Q(is_serial=False) | Q(quantity__lte=1),
                                   name="inventory_stock_serial_at_most_one"),
            # A serial piece is in one place: at most one branch holds it.
            models.UniqueConstraint(
                fields=["tenant", "item"], condition=Q(is_serial=True, quantity=1),
                name="tenant_stock_serial_one_place",
            ),
        ]


class StockMovement(TenantScopedModel):
    class Kind(models.TextChoices):
        PURCHASE_RECEIPT = "purchase_receipt", _("Purchase receipt")
        SALE = "sale", _("Sale")
        RETURN = "return", _("Return")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        ADJUSTMENT = "adjustment", _("Adjustment")
        BUY_BACK = "buy_back", _("Buy-back")
        REPAIR_USE = "repair_use", _("Used in repair")

    item = TenantForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    branch = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    quantity = models.IntegerField(_("quantity"))
    balance_after = models.IntegerField(_("balance after"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", verbose_name=_("by"), db_index=False)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="inventory_movement_not_zero"),
        ]
        indexes = [
            models.Index(fields=["tenant", "item", "-created_at"], name="tenant_movement_item"),
            # The item foreign key's index (TenantForeignKey's name) with the kind: is
            # this item a scrap lot (pos.services.scrap_lot_exists, on every scan: a
            # "buy_back" movement)? An index condition on the kind, also in a prepared
            # statement's generic plan, where a partial index on kind = 'buy_back' was
            # not usable (the kind is a parameter there).
            models.Index(fields=["tenant", "item", "kind"], name="stockmovemen_item_t_idx"),
        ]


class MarketRate(models.Model):
    """A market price per gram from the provider or a platform admin. Global: no tenant."""

    class Source(models.TextChoices):
        PROVIDER = "provider", _("Provider")
        MANUAL = "manual", _("Manual entry")

    code = models.CharField(_("rate"), max_length=10, choices=RateCode.choices)
    price_per_gram = models.DecimalField(_("price per gram"), **RATE,
                                         validators=[MinValueValidator(Decimal("0.0001"))])
    currency = models.CharField(_("currency"), max_length=3)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    fetched_at = models.DateTimeField(_("fetched at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("market rate")
        verbose_name_plural = _("market rates")
        ordering = ["-fetched_at"]
        constraints = [
            models.CheckConstraint(condition=Q(price_per_gram__gt=0),
                                   name="inventory_marketrate_positive"),
        ]
        indexes = [models.Index(fields=["code", "currency", "-fetched_at"],
                                name="marketrate_latest_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.price_per_gram} {self.currency}"


class RateBoard(TenantScopedModel):
    """A shop's buy and sell rate per gram for one karat or metal."""

    class Mode(models.TextChoices):
        FOLLOW_MARKET = "follow", _("Follow the market with a margin")
        MANUAL = "manual", _("Manual")

    code = models.CharField(_("rate"), max_length=10, choices=RateCode.choices)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.MANUAL)
    buy_margin_percent = models.DecimalField(_("buy margin %"), **PERCENT, default=ZERO)
    sell_margin_percent = models.DecimalField(_("sell margin %"), **PERCENT, default=ZERO)
    buy_rate = models.DecimalField(_("buy rate per gram"), **RATE, default=ZERO,
                                   validators=[MinValueValidator(ZERO)])
    sell_rate = models.DecimalField(_("sell rate per gram"), **RATE, default=ZERO,
                                    validators=[MinValueValidator(ZERO)])
    market_fetched_at = models.DateTimeField(_("market rate of"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("rate board entry")
        verbose_name_plural = _("rate board")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="tenant_rateboard_code")]


class PricingRule(TenantScopedModel):
    """A markup % for items of a karat and/or category, optionally for one customer tier.

    The most specific matching rule wins: category and karat > category > karat > any.
    """

    karat = models.PositiveSmallIntegerField(_("karat"), choices=Karat.choices, null=True,
                                             blank=True)
    category = TenantForeignKey(Category, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("category"))
    # A loyalty tier's name (crm.LoyaltyTier.name), matched without regard to case;
    # empty for every customer. crm.services.tier_update keeps it when a tier is renamed.
    customer_tier = models.CharField(_("customer tier"), max_length=60, blank=True)
    markup_percent = models.DecimalField(_("markup %"), **PERCENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pricing rule")
        verbose_name_plural = _("pricing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "karat", "category", "customer_tier"], name="tenant_pricingrule_scope",
                nulls_distinct=False,
            ),
        ]


class InventorySettings(TenantScopedModel):
    """One row per shop: tax and rate-board options."""

    tax_rate_percent = models.DecimalField(_("tax rate %"), **PERCENT, default=ZERO,
                                           validators=[MinValueValidator(ZERO)])
    tax_on_gold = models.BooleanField(_("tax the gold value"), default=False)
    tax_on_making = models.BooleanField(_("tax the making charge"), default=True)
    tax_on_stone = models.BooleanField(_("tax the stone value"), default=False)
    stale_after_minutes = models.PositiveIntegerField(_("warn when the market rate is older than (minutes)"),
                                                      default=60)
    # The day (shop's time zone) the last low-stock email went out: at most one a day.
    low_stock_alerted_on = models.DateField(_("low-stock alert sent on"), null=True, blank=True,
                                            editable=False)

    class Meta:
        verbose_name = _("inventory settings")
        verbose_name_plural = _("inventory settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="tenant_inventorysettings_one")]


class RateAlert(TenantScopedModel):
    """Tell owners and managers when a karat's rate per gram crosses a threshold.

    The rate watched is the shop's sell rate for that karat on its board (the latest
    market rate when the board has no line for it). It fires once when the rate
    crosses (at or beyond the threshold), and again only after the rate has gone
    back to the other side (`triggered` says which side it was on at the last check).
    """

    class Direction(models.TextChoices):
        ABOVE = "above", _("Rises to or above")
        BELOW = "below", _("Falls to or below")

    karat = models.PositiveSmallIntegerField(_("karat"), choices=Karat.choices)
    direction = models.CharField(_("when the rate"), max_length=5, choices=Direction.choices)
    threshold = models.DecimalField(_("threshold per gram"), **RATE,
                                    validators=[MinValueValidator(Decimal("0.0001"))])
    is_active = models.BooleanField(_("active"), default=True)
    triggered = models.BooleanField(_("crossed"), default=False, editable=False)
    fired_at = models.DateTimeField(_("last fired"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rate alert")
        verbose_name_plural = _("rate alerts")
        ordering = ["karat", "direction", "threshold"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "karat", "direction", "threshold"],
                                    name="tenant_ratealert_unique"),
            models.CheckConstraint(condition=Q(threshold__gt=0), name="inventory_ratealert_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.karat}K {self.direction} {self.threshold}"

    @property
    def rate_code(self) -> str:
        return f"gold{self.karat}"


def item_photo_path(instance: ItemPhoto, filename: str) -> str:
    """items/<tenant id>/<random>.<ext of the checked format>: never the uploaded name."""
    import uuid

    from tenants.context import require_tenant

    return f"items/{require_tenant().pk}/{uuid.uuid4().hex}.{instance.extension}"


class ItemPhoto(TenantScopedModel):
    """A photo of an item, checked by content (JPEG, PNG or WebP) and stored through
    Django's default storage. Served only by inventory.views.item_photo_file, which
    reads the row through RLS first, so one shop never gets another's photo."""

    FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
               "WEBP": ("image/webp", "webp")}

    item = TenantForeignKey(Item, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=item_photo_path, max_length=200,
                              width_field="width", height_field="height")
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("item photo")
        verbose_name_plural = _("item photos")
        ordering = ["created_at"]

    @property
    def extension(self) -> str:
        for content_type, ext in self.FORMATS.values():
            if content_type == self.content_type:
                return ext
        return "bin"


# --- transfers between branches ---------------------------------------------------


class TransferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(FSMModelMixin, TenantScopedModel):
    """Stock sent from one branch to another (django-fsm, protected state):
    draft → requested → approved → in_transit → received, or rejected / cancelled.

    At dispatch the pieces leave the source (transfer_out movements) and are "in
    transit" (the lines of transfers in that state); at receipt what arrived enters
    the destination (transfer_in) and any shortfall is recorded on the line.
    Every change goes through inventory.transfers.transfer_transition (audited as a
    TransferEvent)."""

    S = TransferStatus

    number = models.PositiveIntegerField(_("number"), editable=False)
    status = FSMField(_("status"), max_length=12, choices=TransferStatus.choices,
                      default=TransferStatus.DRAFT, protected=True)
    source = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("from branch"))
    destination = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("to branch"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    value = models.DecimalField(_("value (cost)"), **MONEY, default=ZERO)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", db_index=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="tenant_transfer_number"),
            models.CheckConstraint(condition=~Q(source=models.F("destination")),
                                   name="inventory_transfer_two_branches"),
        ]
        indexes = [models.Index(fields=["tenant", "status"], name="tenant_transfer_status")]

    def __str__(self) -> str:
        return f"T-{self.number}"

    @transition(field=status, source=TransferStatus.DRAFT, target=TransferStatus.REQUESTED)
    def request(self) -> None:
        pass

    @transition(field=status, source=TransferStatus.REQUESTED, target=TransferStatus.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=TransferStatus.REQUESTED, target=TransferStatus.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=status, source=TransferStatus.APPROVED, target=TransferStatus.IN_TRANSIT)
    def ship(self) -> None:
        pass

    @transition(field=status, source=TransferStatus.IN_TRANSIT, target=TransferStatus.RECEIVED)
    def receive(self) -> None:
        pass

    @transition(field=status, source=[TransferStatus.DRAFT, TransferStatus.REQUESTED,
                                      TransferStatus.APPROVED], target=TransferStatus.CANCELLED)
    def cancel(self) -> None:
        pass


TRANSFER_ACTIONS = {
    "request": _("Send the request"),
    "approve": _("Approve"),
    "reject": _("Reject"),
    "ship": _("Dispatch"),
    "receive": _("Receive"),
    "cancel": _("Cancel the transfer"),
}


class TransferLine(TenantScopedModel):
    transfer = TenantForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    item = TenantForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    weight = models.DecimalField(_("weight sent (g)"), **WEIGHT, default=ZERO)
    quantity_received = models.PositiveIntegerField(_("quantity received"), null=True,
                                                    blank=True)
    weight_received = models.DecimalField(_("weight received (g)"), **WEIGHT, null=True,
                                          blank=True)
    discrepancy = models.CharField(_("discrepancy"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("transfer line")
        verbose_name_plural = _("transfer lines")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "transfer", "item"],
                                    name="tenant_transferline_item"),
            models.CheckConstraint(condition=Q(quantity__gt=0),
                                   name="inventory_transferline_positive"),
            models.CheckConstraint(
                condition=Q(quantity_received__isnull=True)
                | Q(quantity_received__lte=models.F("quantity")),
                name="inventory_transferline_received_le_sent"),
        ]

    @property
    def missing(self) -> int:
        return self.quantity - (self.quantity_received or 0) if self.quantity_received is not None else 0


class TransferEvent(TenantScopedModel):
    """One state change of a transfer: the audit trail."""

    transfer = TenantForeignKey(Transfer, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, choices=TransferStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=TransferStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", db_index=False, verbose_name=_("by"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("transfer event")
        verbose_name_plural = _("transfer events")
        ordering = ["created_at"]
