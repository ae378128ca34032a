"""Customers and what a shop owes them: loyalty points, store credit and gift cards.

Every balance here is a ledger: the balance of a store-credit account, a gift
card or a customer's points is the sum of its transactions, never a number
somebody typed. Writes go through crm.services, which lock the owning row
(account, card or customer) before reading a balance to change it.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.db import TenantForeignKey, TenantScopedModel
from tenants.money import currency_places, shop_currency

MONEY = {"max_digits": 14, "decimal_places": 2}

# A programme's default in currencies where a cent-sized point cannot be paid. The USD
# default earns 1 point per dollar and pays a cent per point (1 % back, referral
# bonuses of 100/50 points = $1/$0.50). The Rial keeps that meaning at the open-market
# order of magnitude (about 1,000,000 IRR to the dollar in 2025-26): 1 point per
# 1,000,000 IRR spent, a point worth 10,000 IRR (1,000 toman). With 1 point per Rial a
# single sale above 2,147,483,647 IRR (about 40 g of gold) would not even fit the
# ledger's integer column.
LOYALTY_CURRENCY_DEFAULTS: dict[str, tuple[Decimal, Decimal]] = {
    # currency: (points per unit, value of one point)
    "IRR": (Decimal("0.000001"), Decimal("10000")),
    "IRT": (Decimal("0.00001"), Decimal("1000")),
}


def loyalty_defaults(currency: str) -> tuple[Decimal, Decimal]:
    """(points per currency unit, value of one point) a new programme starts with: 1 %
    back and a point worth money the currency can pay (0.01 USD, 1 JPY, 10,000 IRR)."""
    code = (currency or "").upper()
    if code in LOYALTY_CURRENCY_DEFAULTS:
        return LOYALTY_CURRENCY_DEFAULTS[code]
    places = currency_places(code)
    return Decimal(1).scaleb(places - 2), Decimal(1).scaleb(-places)


def points_per_unit_default() -> Decimal:
    """The shop's (tenant scope) default rate; see loyalty_defaults."""
    return loyalty_defaults(shop_currency())[0]


def point_value_default() -> Decimal:
    """The shop's (tenant scope) default value of a point; see loyalty_defaults."""
    return loyalty_defaults(shop_currency())[1]


def point_value_fits(value: Decimal, currency: str) -> bool:
    """Whether a point's value is an amount the currency can pay (no fraction of a Rial)."""
    unit = Decimal(1).scaleb(-currency_places(currency))
    return value == value.quantize(unit, rounding=ROUND_DOWN)


def _actor_field() -> models.ForeignKey:
    # Users are a global table (not RLS); no index of its own: every index of a
    # tenant table leads with tenant_id, and nobody lists transactions by clerk.
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False, verbose_name=_("by"),
    )


class LoyaltySettings(TenantScopedModel):
    """The shop's loyalty programme: one row per tenant, created on first use with the
    defaults of the shop's currency (loyalty_defaults)."""

    points_per_unit = models.DecimalField(
        _("points per currency unit"), max_digits=12, decimal_places=6,
        default=points_per_unit_default,
        help_text=_("Points a customer earns for each unit of money spent, before the tier multiplier."),
    )
    point_value = models.DecimalField(
        _("value of one point"), max_digits=10, decimal_places=4, default=point_value_default,
        help_text=_("How much money one point is worth when redeemed."),
    )
    expiry_months = models.PositiveSmallIntegerField(
        _("points expire after (months)"), default=12,
        help_text=_("0 means points never expire."),
    )
    qualification_months = models.PositiveSmallIntegerField(
        _("tier qualification period (months)"), default=12,
        help_text=_("Spending in this many recent months decides the tier; 0 means lifetime spending."),
    )
    referral_points_referrer = models.PositiveIntegerField(
        _("referral points for the referrer"), default=100
    )
    referral_points_referee = models.PositiveIntegerField(
        _("referral points for the new customer"), default=50
    )

    class Meta:
        verbose_name = _("loyalty settings")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="tenant_crm_loyalty_settings_one"),
        ]


class LoyaltyTier(TenantScopedModel):
    name = models.CharField(_("name"), max_length=60)
    threshold = models.DecimalField(
        _("spending threshold"), **MONEY,
        help_text=_("Customers whose qualifying spending reaches this amount move up to this tier."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), default=12,
        help_text=_("How long the tier is kept after it is reached."),
    )
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    points_multiplier = models.DecimalField(
        _("points multiplier"), max_digits=5, decimal_places=2, default=Decimal("1")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("loyalty tier")
        ordering = ["threshold", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="tenant_crm_tier_name"),
            models.UniqueConstraint(fields=["tenant", "threshold"], name="tenant_crm_tier_threshold"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100)
                & Q(points_multiplier__gte=0) & Q(threshold__gte=0),
                name="crm_tier_ranges",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Customer(TenantScopedModel):
    number = models.PositiveIntegerField(_("number"), editable=False)
    first_name = models.CharField(_("first name"), max_length=80, blank=True)
    last_name = models.CharField(_("last name"), max_length=80)
    # Normalized by the service: ASCII digits only, leading + kept.
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    anniversary = models.DateField(_("anniversary"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    preferences = models.TextField(_("preferences"), blank=True)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True,
                      verbose_name=_("tags"))
    email_opt_in = models.BooleanField(_("accepts email"), default=False)
    sms_opt_in = models.BooleanField(_("accepts SMS"), default=False)
    tier = TenantForeignKey(LoyaltyTier, on_delete=models.PROTECT, null=True, blank=True,
                            related_name="customers", verbose_name=_("tier"))
    tier_expires_on = models.DateField(_("tier valid until"), null=True, blank=True)
    referral_code = models.CharField(_("referral code"), max_length=12, editable=False)
    referred_by = TenantForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="referrals", verbose_name=_("referred by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="tenant_crm_customer_number"),
            models.UniqueConstraint(fields=["tenant", "referral_code"],
                                    name="tenant_crm_customer_referral"),
        ]
        indexes = [
            models.Index(fields=["tenant", "phone"], name="tenant_crm_customer_phone"),
            models.Index(fields=["tenant", "email"], name="tenant_crm_customer_email"),
            models.Index(fields=["tenant", "last_name", "first_name"],
                         name="tenant_crm_customer_name"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def search_tokens(self) -> set[str]:
        from .normalize import search_tokens

        return search_tokens(first_name=self.first_name, last_name=self.last_name,
                             phone=self.phone, email=self.email, number=self.number)


class CustomerSearchToken(TenantScopedModel):
    """One word a customer can be found by (a name, a phone and its endings, an email,
    the number), matched by prefix with `token >= q AND token < q'`.

    Why not a trigram index on the customer: under RLS, PostgreSQL only uses a
    condition as an index condition when its operator is LEAKPROOF (it would
    otherwise run before the tenant policy), and LIKE/ILIKE/similarity are not;
    text comparison operators are. Measured in docs/performance.md.
    """

    customer = TenantForeignKey(Customer, on_delete=models.CASCADE, related_name="tokens")
    # Byte order (C collation) makes a prefix one contiguous range of the index.
    token = models.CharField(max_length=120, db_collation="C")

    class Meta:
        indexes = [
            # customer_id included: matches come from an index-only scan.
            models.Index(fields=["tenant", "token"], include=["customer"],
                         name="tenant_crm_search_token"),
        ]


class PointsTransaction(TenantScopedModel):
    """A line of a customer's points ledger. Positive lines are lots that may expire;
    `remaining` is how much of a lot is still unspent (redemptions and expiry use
    lots first-expiring first), so expiry removes exactly what has expired."""

    class Kind(models.TextChoices):
        ACCRUE = "accrue", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        EXPIRE = "expire", _("Expired")
        REFERRAL = "referral", _("Referral reward")
        ADJUST = "adjust", _("Adjustment")

    customer = TenantForeignKey(Customer, on_delete=models.PROTECT, related_name="points")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("points"))
    remaining = models.PositiveIntegerField(default=0)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    spend = models.DecimalField(_("spending"), **MONEY, default=Decimal("0"))
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = _actor_field()
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # An earning line may carry spending with zero points (it still counts for tiers).
            models.CheckConstraint(condition=~Q(points=0) | Q(kind="accrue"), name="crm_points_nonzero"),
            models.CheckConstraint(condition=Q(remaining__lte=models.F("points")) | Q(points__lt=0),
                                   name="crm_points_remaining_in_lot"),
        ]
        indexes = [
            models.Index(fields=["tenant", "expires_on"], condition=Q(remaining__gt=0),
                         name="tenant_crm_points_open_lots"),
        ]


class StoreCreditAccount(TenantScopedModel):
    customer = TenantForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "customer"],
                                    name="tenant_crm_store_credit_customer"),
        ]


class LedgerKind(models.TextChoices):
    ISSUE = "issue", _("Issued")
    REDEEM = "redeem", _("Redeemed")
    EXPIRE = "expire", _("Expired")
    ADJUST = "adjust", _("Adjustment")


class StoreCreditTransaction(TenantScopedModel):
    Kind = LedgerKind

    account = TenantForeignKey(StoreCreditAccount, on_delete=models.PROTECT,
                               related_name="transactions")
    kind = models.CharField(_("kind"), max_length=10, choices=LedgerKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = _actor_field()
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="crm_store_credit_nonzero"),
        ]


class GiftCard(TenantScopedModel):
    # Stored without separators, upper case; shown in groups of four.
    code = models.CharField(_("code"), max_length=32, editable=False)
    customer = TenantForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="gift_cards", verbose_name=_("customer"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    issued_by = _actor_field()
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        verbose_name = _("gift card")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="tenant_crm_gift_card_code"),
        ]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return "-".join(self.code[i:i + 4] for i in range(0, len(self.code), 4))


class GiftCardTransaction(TenantScopedModel):
    Kind = LedgerKind

    card = TenantForeignKey(GiftCard, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(_("kind"), max_length=10, choices=LedgerKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = _actor_field()
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="crm_gift_card_nonzero"),
        ]
