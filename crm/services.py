"""Every write of the CRM. Services are named <entity>_<verb>(*, tenant, actor, ...).

Each runs inside tenant_context(tenant) (one transaction, or a savepoint inside
a request's), validates first and raises a BusinessRuleError with a translated
message. Balances (points, store credit, gift cards) are ledgers: a service
locks the owning row (customer, account, card) with SELECT ... FOR UPDATE, reads
the balance as the sum of its transactions, refuses to overdraw, then appends a
transaction. Concurrent redemptions therefore queue on the lock and the second
one sees the first one's line.
"""

from __future__ import annotations

import calendar
import datetime
import secrets
from collections.abc import Callable, Iterable
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.db.models import F as Field
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.context import tenant_context
from tenants.counters import advisory_lock, counter_next
from tenants.errors import BusinessRuleError
from tenants.models import Tenant, User
from tenants.money import currency_places, money_text, places_message, shop_currency

from . import selectors
from .models import (
    Customer,
    CustomerSearchToken,
    GiftCard,
    GiftCardTransaction,
    LedgerKind,
    LoyaltySettings,
    LoyaltyTier,
    PointsTransaction,
    StoreCreditAccount,
    StoreCreditTransaction,
    point_value_fits,
)
from .normalize import (
    code_normalize,
    email_normalize,
    phone_normalize,
    phone_readable,
    tags_normalize,
)

CENT = Decimal("0.01")
MANAGERS = (User.Role.OWNER, User.Role.MANAGER)
# No 0/O, 1/I/L: codes are read aloud and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GIFT_CARD_CODE_LENGTH = 16  # 31**16 ≈ 2**79: not guessable, even by brute force at a till
REFERRAL_CODE_LENGTH = 8


class DuplicateCustomer(BusinessRuleError):
    """A customer with the same phone or email exists; `existing` is that customer."""

    def __init__(self, message: str, *, field: str, existing: Customer) -> None:
        super().__init__(message, field=field)
        self.existing = existing


def _scoped[F: Callable[..., Any]](func: F) -> F:
    """Run the service as `tenant`, atomically (a savepoint inside a request)."""

    @wraps(func)
    def wrapper(*, tenant: Tenant, **kwargs: Any) -> Any:
        with tenant_context(tenant):
            return func(tenant=tenant, **kwargs)

    return wrapper  # type: ignore[return-value]


# --- small rules -----------------------------------------------------------------


def _money(value: Any, *, field: str = "amount", allow_negative: bool = False) -> Decimal:
    """An amount in the shop's currency: no more decimals than its minor unit (a
    Rial balance never holds fractions), stored with 2."""
    try:
        amount = Decimal(str(value))
        whole = amount.quantize(Decimal(1).scaleb(-currency_places(shop_currency())))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise BusinessRuleError(_("Enter an amount."), field=field) from exc
    if whole != amount:
        raise _decimals_refused(field)
    amount = whole.quantize(CENT)
    if amount == 0 or (amount < 0 and not allow_negative):
        raise BusinessRuleError(_("The amount must be more than zero."), field=field)
    return amount


def _decimals_refused(field: str) -> BusinessRuleError:
    currency = shop_currency()
    return BusinessRuleError(places_message(currency), field=field)


def _require_manager(actor: User | None) -> None:
    if actor is not None and actor.role not in MANAGERS:
        raise BusinessRuleError(_("Only owners and managers can do this."))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessRuleError(_("Give a reason for the adjustment."), field="reason")
    return reason


def add_months(day: datetime.date, months: int) -> datetime.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _lock_customer(customer: Customer | Any) -> Customer:
    pk = customer.pk if isinstance(customer, Customer) else customer
    return selectors.customer_get(customer_id=pk, for_update=True)


# --- customers -------------------------------------------------------------------


def _check_duplicates(*, phone: str, email: str, exclude: Customer | None = None) -> None:
    for field, existing in selectors.customer_duplicates(phone=phone, email=email,
                                                         exclude=exclude):
        if field == "phone":
            message = _("Customer %(number)s (%(name)s) already has this phone number.")
        else:
            message = _("Customer %(number)s (%(name)s) already has this email address.")
        raise DuplicateCustomer(
            message % {"number": existing.number, "name": existing.full_name},
            field=field, existing=existing,
        )


def _search_tokens_refresh(customer: Customer) -> None:
    """Keep the words search finds the customer by in step with the customer."""
    wanted = customer.search_tokens()
    existing = set(CustomerSearchToken.objects.filter(customer=customer)
                   .values_list("token", flat=True))
    if existing - wanted:
        CustomerSearchToken.objects.filter(customer=customer,
                                           token__in=existing - wanted).delete()
    CustomerSearchToken.objects.bulk_create(
        [CustomerSearchToken(customer=customer, token=t) for t in sorted(wanted - existing)]
    )


def _customer_fields(*, first_name: str, last_name: str, phone: str, email: str,
                     tags: Iterable[str] | str) -> dict[str, Any]:
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not last_name and not first_name:
        raise BusinessRuleError(_("Enter the customer's name."), field="last_name")
    if not last_name:  # one name given: keep it where search and sorting look first
        first_name, last_name = "", first_name
    if (phone or "").strip() and not phone_readable(phone):
        raise BusinessRuleError(_("Enter a phone number."), field="phone")
    return {
        "first_name": first_name,
        "last_name": last_name,
        "phone": phone_normalize(phone),
        "email": email_normalize(email),
        "tags": tags_normalize(tags),
    }


@_scoped
def customer_create(
    *,
    tenant: Tenant,
    actor: User | None,
    last_name: str,
    first_name: str = "",
    phone: str = "",
    email: str = "",
    birthday: datetime.date | None = None,
    anniversary: datetime.date | None = None,
    notes: str = "",
    preferences: str = "",
    tags: Iterable[str] | str = (),
    email_opt_in: bool = False,
    sms_opt_in: bool = False,
    referral_code: str = "",
    allow_duplicate: bool = False,
) -> Customer:
    """Add a customer with the next customer number of the shop.

    Rules: a name is required; phone and email are normalized; an existing
    customer with the same phone or email is reported (DuplicateCustomer, which
    carries that customer) unless allow_duplicate; a referral code, when given,
    must be another customer's and rewards both sides.
    """
    fields = _customer_fields(first_name=first_name, last_name=last_name, phone=phone,
                              email=email, tags=tags)
    if fields["phone"]:
        # Two tills creating the same walk-in at once would both pass the check.
        advisory_lock(f"crm.customer.phone:{tenant.pk}:{fields['phone']}")
    if not allow_duplicate:
        _check_duplicates(phone=fields["phone"], email=fields["email"])
    referrer = None
    if referral_code.strip():
        referrer = selectors.customer_by_referral_code(code=referral_code)
        if referrer is None:
            raise BusinessRuleError(_("No customer has this referral code."), field="referral_code")
    customer = Customer(
        **fields, birthday=birthday, anniversary=anniversary, notes=notes.strip(),
        preferences=preferences.strip(), email_opt_in=email_opt_in, sms_opt_in=sms_opt_in,
        number=counter_next("customer"), referral_code=_unused_referral_code(),
    )
    customer.save()
    _search_tokens_refresh(customer)
    if referrer is not None:
        referral_apply(tenant=tenant, actor=actor, customer=customer, code=referrer.referral_code)
        customer.refresh_from_db()
    return customer


def _unused_referral_code() -> str:
    while True:
        code = _random_code(REFERRAL_CODE_LENGTH)
        if not Customer.objects.filter(referral_code=code).exists():
            return code


@_scoped
def customer_update(
    *,
    tenant: Tenant,
    actor: User | None,
    customer: Customer,
    last_name: str,
    first_name: str = "",
    phone: str = "",
    email: str = "",
    birthday: datetime.date | None = None,
    anniversary: datetime.date | None = None,
    notes: str = "",
    preferences: str = "",
    tags: Iterable[str] | str = (),
    email_opt_in: bool = False,
    sms_opt_in: bool = False,
    allow_duplicate: bool = False,
) -> Customer:
    """Change a customer's details; a phone or email another customer has is reported."""
    fields = _customer_fields(first_name=first_name, last_name=last_name, phone=phone,
                              email=email, tags=tags)
    if not allow_duplicate:
        _check_duplicates(phone=fields["phone"], email=fields["email"], exclude=customer)
    customer = _lock_customer(customer)
    values = {**fields, "birthday": birthday, "anniversary": anniversary, "notes": notes.strip(),
              "preferences": preferences.strip(), "email_opt_in": email_opt_in,
              "sms_opt_in": sms_opt_in}
    for name, value in values.items():
        setattr(customer, name, value)
    customer.save(update_fields=list(values))
    _search_tokens_refresh(customer)
    return customer


@_scoped
def customer_find_or_create(
    *,
    tenant: Tenant,
    actor: User | None,
    phone: str,
    last_name: str = "",
    first_name: str = "",
    email: str = "",
) -> tuple[Customer, bool]:
    """The POS's customer pick: the customer with this phone, or a new one.

    Safe under concurrency: an advisory lock on (tenant, phone) makes two tills
    asking for the same new phone create one customer. Returns (customer, created).
    """
    if not phone_readable(phone):  # also refuses a phone with no digits
        raise BusinessRuleError(_("Enter a phone number."), field="phone")
    normalized = phone_normalize(phone)
    advisory_lock(f"crm.customer.phone:{tenant.pk}:{normalized}")
    existing = selectors.customer_by_phone(phone=normalized)
    if existing is not None:
        return existing, False
    customer = customer_create(
        tenant=tenant, actor=actor, phone=normalized, last_name=last_name or normalized,
        first_name=first_name, email=email, allow_duplicate=True,
    )
    return customer, True


# --- loyalty: settings and tiers -------------------------------------------------


def loyalty_settings_get() -> LoyaltySettings:
    """The shop's loyalty settings, created with defaults on first use."""
    found = LoyaltySettings.objects.first()
    if found is None:
        LoyaltySettings.objects.bulk_create([LoyaltySettings()], ignore_conflicts=True)
        found = LoyaltySettings.objects.get()
    return found


@_scoped
def loyalty_settings_update(*, tenant: Tenant, actor: User | None, **values: Any) -> LoyaltySettings:
    """Change the programme's rates and periods (owners and managers)."""
    _require_manager(actor)
    current = loyalty_settings_get()
    allowed = {"points_per_unit", "point_value", "expiry_months", "qualification_months",
               "referral_points_referrer", "referral_points_referee"}
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"unknown settings {unknown}")
    for name in ("points_per_unit", "point_value"):
        if name in values and Decimal(values[name]) < 0:
            raise BusinessRuleError(_("Enter zero or more."), field=name)
    # A point is worth whole money (1 Rial, 0.01 dollar), so points pay and refund
    # amounts the currency can hold.
    if "point_value" in values:
        if not point_value_fits(Decimal(values["point_value"]), tenant.currency):
            raise _decimals_refused("point_value")
    settings = LoyaltySettings.objects.select_for_update().get(pk=current.pk)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save(update_fields=list(values))
    return settings


def _tier_check(*, name: str, threshold: Decimal, discount_percent: Decimal,
                points_multiplier: Decimal, tier: LoyaltyTier | None = None) -> None:
    others = LoyaltyTier.objects.exclude(pk=tier.pk) if tier else LoyaltyTier.objects.all()
    if others.filter(name__iexact=name.strip()).exists():
        raise BusinessRuleError(_("Another tier has this name."), field="name")
    if others.filter(threshold=threshold).exists():
        raise BusinessRuleError(_("Another tier starts at this spending."), field="threshold")
    if threshold < 0:
        raise BusinessRuleError(_("Enter zero or more."), field="threshold")
    if not (0 <= discount_percent <= 100):
        raise BusinessRuleError(_("A discount is between 0 and 100 %."), field="discount_percent")
    if points_multiplier < 0:
        raise BusinessRuleError(_("Enter zero or more."), field="points_multiplier")


@_scoped
def tier_create(*, tenant: Tenant, actor: User | None, name: str, threshold: Decimal,
                validity_months: int = 12, discount_percent: Decimal = Decimal("0"),
                points_multiplier: Decimal = Decimal("1")) -> LoyaltyTier:
    """Add a loyalty tier; names and thresholds are unique in the shop."""
    _require_manager(actor)
    _tier_check(name=name, threshold=threshold, discount_percent=discount_percent,
                points_multiplier=points_multiplier)
    return LoyaltyTier.objects.create(
        name=name.strip(), threshold=threshold, validity_months=validity_months,
        discount_percent=discount_percent, points_multiplier=points_multiplier,
    )


@_scoped
def tier_update(*, tenant: Tenant, actor: User | None, tier: LoyaltyTier, name: str,
                threshold: Decimal, validity_months: int, discount_percent: Decimal,
                points_multiplier: Decimal) -> LoyaltyTier:
    """Change a tier; customers keep it until it expires, then the new threshold decides."""
    _require_manager(actor)
    _tier_check(name=name, threshold=threshold, discount_percent=discount_percent,
                points_multiplier=points_multiplier, tier=tier)
    if tier.name != name.strip():  # the pricing rules name the tier: they follow it
        from inventory.services import pricing_rules_tier_rename

        pricing_rules_tier_rename(tenant=tenant, old=tier.name, new=name.strip())
    tier.name, tier.threshold, tier.validity_months = name.strip(), threshold, validity_months
    tier.discount_percent, tier.points_multiplier = discount_percent, points_multiplier
    tier.save(update_fields=["name", "threshold", "validity_months", "discount_percent",
                             "points_multiplier"])
    return tier


def _tier_for_spend(spend: Decimal) -> LoyaltyTier | None:
    return LoyaltyTier.objects.filter(threshold__lte=spend).order_by("-threshold").first()


def _tier_evaluate(customer: Customer, *, today: datetime.date, settings: LoyaltySettings) -> bool:
    """Move a (locked) customer to the tier their qualifying spending earns.

    Upgrades happen at once; a tier is kept until it expires, then re-earned or
    lowered. Returns whether the tier changed.
    """
    spend = selectors.customer_qualifying_spend(customer=customer, today=today,
                                                months=settings.qualification_months)
    best = _tier_for_spend(spend)
    current = customer.tier
    current_valid = current is not None and (
        customer.tier_expires_on is None or customer.tier_expires_on >= today
    )
    if best is None:
        if current is not None and not current_valid:
            customer.tier, customer.tier_expires_on = None, None
            customer.save(update_fields=["tier", "tier_expires_on"])
            return True
        return False
    if current_valid and best.threshold < current.threshold:
        return False
    changed = current is None or best.pk != current.pk
    if changed or not current_valid:
        customer.tier = best
        customer.tier_expires_on = add_months(today, best.validity_months)
        customer.save(update_fields=["tier", "tier_expires_on"])
    return changed


# --- loyalty: points ---------------------------------------------------------------


def _lot(customer: Customer, *, kind: str, points: int, today: datetime.date,
         settings: LoyaltySettings, actor: User | None, **extra: Any) -> PointsTransaction:
    expires = add_months(today, settings.expiry_months) if settings.expiry_months else None
    return PointsTransaction.objects.create(
        customer=customer, kind=kind, points=points, remaining=max(points, 0),
        expires_on=expires if points > 0 else None, actor=actor, **extra,
    )


def _consume_lots(customer: Customer, points: int, *, today: datetime.date) -> None:
    """Take `points` from the customer's unexpired lots, the first to expire first."""
    lots = (
        PointsTransaction.objects.select_for_update()
        .filter(customer=customer, remaining__gt=0)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .order_by(Field("expires_on").asc(nulls_last=True), "created_at")
    )
    left = points
    for lot in lots:
        take = min(left, lot.remaining)
        lot.remaining -= take
        lot.save(update_fields=["remaining"])
        left -= take
        if left == 0:
            return
    raise AssertionError("lots do not cover the available balance")  # pragma: no cover


@_scoped
def points_accrue(*, tenant: Tenant, actor: User | None, customer: Customer, amount: Decimal,
                  reference: str = "") -> PointsTransaction:
    """Points for a purchase of `amount`: rate x tier multiplier, rounded down.

    The spending is recorded on the line (even when it earns no points) and the
    customer moves up a tier at once when it crosses a threshold.
    """
    amount = _money(amount)
    customer = _lock_customer(customer)
    settings = loyalty_settings_get()
    today = timezone.localdate()
    tier = selectors.customer_tier_current(customer, today=today)
    multiplier = tier.points_multiplier if tier is not None else Decimal("1")
    points = int((amount * settings.points_per_unit * multiplier).to_integral_value(ROUND_DOWN))
    line = _lot(customer, kind=PointsTransaction.Kind.ACCRUE, points=points, today=today,
                settings=settings, actor=actor, spend=amount, reference=reference)
    _tier_evaluate(customer, today=today, settings=settings)
    return line


@_scoped
def points_redeem(*, tenant: Tenant, actor: User | None, customer: Customer, points: int,
                  reference: str = "") -> Decimal:
    """Spend points; returns their money value. Refuses more than the unexpired balance."""
    if int(points) <= 0:
        raise BusinessRuleError(_("Enter a number of points above zero."), field="points")
    points = int(points)
    customer = _lock_customer(customer)
    today = timezone.localdate()
    available = selectors.points_available(customer=customer, today=today)
    if points > available:
        raise BusinessRuleError(
            _("Only %(n)s points are available.") % {"n": available}, field="points"
        )
    _consume_lots(customer, points, today=today)
    PointsTransaction.objects.create(customer=customer, kind=PointsTransaction.Kind.REDEEM,
                                     points=-points, reference=reference, actor=actor)
    return (points * loyalty_settings_get().point_value).quantize(CENT, ROUND_DOWN)


@_scoped
def points_adjust(*, tenant: Tenant, actor: User | None, customer: Customer, points: int,
                  reason: str) -> PointsTransaction:
    """A manager's correction with a reason: added points are a new lot, removed points
    come from the lots that expire first."""
    _require_manager(actor)
    reason = _require_reason(reason)
    points = int(points)
    if points == 0:
        raise BusinessRuleError(_("Enter a number of points other than zero."), field="points")
    customer = _lock_customer(customer)
    today = timezone.localdate()
    settings = loyalty_settings_get()
    if points > 0:
        return _lot(customer, kind=PointsTransaction.Kind.ADJUST, points=points, today=today,
                    settings=settings, actor=actor, reason=reason)
    available = selectors.points_available(customer=customer, today=today)
    if -points > available:
        raise BusinessRuleError(
            _("Only %(n)s points are available.") % {"n": available}, field="points"
        )
    _consume_lots(customer, -points, today=today)
    return PointsTransaction.objects.create(customer=customer, kind=PointsTransaction.Kind.ADJUST,
                                            points=points, reason=reason, actor=actor)


@_scoped
def points_expire(*, tenant: Tenant, actor: User | None = None,
                  today: datetime.date | None = None) -> int:
    """Remove what is left of every lot whose expiry date has passed, one expiry line
    per customer, and lower tiers whose validity ended. Idempotent: a second run
    finds nothing left. Returns the points removed."""
    today = today or timezone.localdate()
    settings = loyalty_settings_get()
    due = PointsTransaction.objects.filter(remaining__gt=0, expires_on__lt=today)
    customer_ids = sorted(set(due.values_list("customer_id", flat=True)))
    total = 0
    # Lock customers in a fixed order: a redemption locks the customer first too.
    for customer in Customer.objects.select_for_update().filter(pk__in=customer_ids).order_by("pk"):
        lots = list(due.select_for_update().filter(customer=customer))
        expired = sum(lot.remaining for lot in lots)
        for lot in lots:
            lot.remaining = 0
            lot.save(update_fields=["remaining"])
        if expired:
            PointsTransaction.objects.create(
                customer=customer, kind=PointsTransaction.Kind.EXPIRE, points=-expired,
                actor=actor, reason=_("Points past their expiry date"),
            )
            total += expired
    lapsed = Customer.objects.select_for_update().filter(tier_expires_on__lt=today).order_by("pk")
    for customer in lapsed:
        _tier_evaluate(customer, today=today, settings=settings)
    return total


@_scoped
def referral_apply(*, tenant: Tenant, actor: User | None, customer: Customer,
                   code: str) -> Customer:
    """Record who referred `customer` and reward both sides with points, once."""
    referrer = selectors.customer_by_referral_code(code=code)
    if referrer is None:
        raise BusinessRuleError(_("No customer has this referral code."), field="referral_code")
    customer = _lock_customer(customer)
    if customer.referred_by_id is not None:
        raise BusinessRuleError(_("This customer's referral has already been recorded."),
                                field="referral_code")
    if referrer.pk == customer.pk:
        raise BusinessRuleError(_("A customer cannot refer themselves."), field="referral_code")
    customer.referred_by = referrer
    customer.save(update_fields=["referred_by"])
    settings = loyalty_settings_get()
    today = timezone.localdate()
    for who, points in ((referrer, settings.referral_points_referrer),
                        (customer, settings.referral_points_referee)):
        if points:
            _lot(who, kind=PointsTransaction.Kind.REFERRAL, points=points, today=today,
                 settings=settings, actor=actor,
                 reference=f"#{customer.number}" if who is referrer else f"#{referrer.number}")
    return customer


# --- store credit ------------------------------------------------------------------


def _store_credit_account(customer: Customer) -> StoreCreditAccount:
    """The customer's account, created on first use, locked for this transaction."""
    StoreCreditAccount.objects.bulk_create([StoreCreditAccount(customer=customer)],
                                           ignore_conflicts=True)
    return StoreCreditAccount.objects.select_for_update().get(customer=customer)


def _store_credit_line(account: StoreCreditAccount, kind: str, amount: Decimal, *,
                       actor: User | None, reference: str = "",
                       reason: str = "") -> StoreCreditTransaction:
    return StoreCreditTransaction.objects.create(account=account, kind=kind, amount=amount,
                                                 reference=reference, reason=reason, actor=actor)


@_scoped
def store_credit_issue(*, tenant: Tenant, actor: User | None, customer: Customer, amount: Decimal,
                       reason: str = "", reference: str = "") -> StoreCreditTransaction:
    """Give a customer store credit (a refund to credit, a goodwill gesture)."""
    amount = _money(amount)
    account = _store_credit_account(customer)
    return _store_credit_line(account, LedgerKind.ISSUE, amount, actor=actor,
                              reference=reference, reason=reason.strip())


@_scoped
def store_credit_redeem(*, tenant: Tenant, actor: User | None, customer: Customer,
                        amount: Decimal, reference: str = "") -> StoreCreditTransaction:
    """Pay with store credit; never more than the balance (the account row is locked)."""
    amount = _money(amount)
    account = _store_credit_account(customer)
    balance = selectors.store_credit_balance_of(account=account)
    if amount > balance:
        raise BusinessRuleError(
            _("Only %(balance)s of store credit is left.") % {
                "balance": money_text(balance, tenant.currency)}, field="amount"
        )
    return _store_credit_line(account, LedgerKind.REDEEM, -amount, actor=actor,
                              reference=reference)


@_scoped
def store_credit_adjust(*, tenant: Tenant, actor: User | None, customer: Customer,
                        amount: Decimal, reason: str) -> StoreCreditTransaction:
    """A manager's correction, up or down, with a reason; the balance stays at or above zero."""
    _require_manager(actor)
    reason = _require_reason(reason)
    amount = _money(amount, allow_negative=True)
    account = _store_credit_account(customer)
    balance = selectors.store_credit_balance_of(account=account)
    if balance + amount < 0:
        raise BusinessRuleError(
            _("Only %(balance)s of store credit is left.") % {
                "balance": money_text(balance, tenant.currency)}, field="amount"
        )
    return _store_credit_line(account, LedgerKind.ADJUST, amount, actor=actor, reason=reason)


@_scoped
def store_credit_expire(*, tenant: Tenant, actor: User | None, customer: Customer,
                        reason: str = "") -> StoreCreditTransaction | None:
    """Write off what is left of a customer's store credit."""
    _require_manager(actor)
    account = _store_credit_account(customer)
    balance = selectors.store_credit_balance_of(account=account)
    if balance <= 0:
        return None
    return _store_credit_line(account, LedgerKind.EXPIRE, -balance, actor=actor,
                              reason=reason.strip() or _("Store credit written off"))


# --- gift cards --------------------------------------------------------------------


def _unused_gift_card_code() -> str:
    while True:
        code = _random_code(GIFT_CARD_CODE_LENGTH)
        if not GiftCard.objects.filter(code=code).exists():
            return code


def _lock_card(card: GiftCard | None = None, *, code: str = "") -> GiftCard:
    if card is not None:
        return GiftCard.objects.select_for_update().get(pk=card.pk)
    found = GiftCard.objects.select_for_update().filter(code=code_normalize(code)).first()
    if found is None:
        raise BusinessRuleError(_("No gift card has this code."), field="code")
    return found


def _gift_card_line(card: GiftCard, kind: str, amount: Decimal, *, actor: User | None,
                    reference: str = "", reason: str = "") -> GiftCardTransaction:
    return GiftCardTransaction.objects.create(card=card, kind=kind, amount=amount,
                                              reference=reference, reason=reason, actor=actor)


@_scoped
def gift_card_issue(*, tenant: Tenant, actor: User | None, amount: Decimal,
                    customer: Customer | None = None, expires_on: datetime.date | None = None,
                    reference: str = "") -> GiftCard:
    """Sell or give a gift card with a random code (unique in the shop) and its first credit."""
    amount = _money(amount)
    if expires_on is not None and expires_on <= timezone.localdate():
        raise BusinessRuleError(_("The expiry date must be in the future."), field="expires_on")
    card = GiftCard.objects.create(code=_unused_gift_card_code(), customer=customer,
                                   expires_on=expires_on, issued_by=actor)
    _gift_card_line(card, LedgerKind.ISSUE, amount, actor=actor, reference=reference)
    return card


@_scoped
def gift_card_redeem(*, tenant: Tenant, actor: User | None, code: str, amount: Decimal,
                     reference: str = "") -> GiftCardTransaction:
    """Pay with a gift card: it must exist, not be expired, and cover the amount."""
    amount = _money(amount)
    card = _lock_card(code=code)
    if card.expires_on is not None and card.expires_on < timezone.localdate():
        raise BusinessRuleError(_("This gift card has expired."), field="code")
    balance = selectors.gift_card_balance_of(card=card)
    if amount > balance:
        raise BusinessRuleError(
            _("Only %(balance)s is left on this gift card.") % {
                "balance": money_text(balance, tenant.currency)},
            field="amount",
        )
    return _gift_card_line(card, LedgerKind.REDEEM, -amount, actor=actor, reference=reference)


@_scoped
def gift_card_adjust(*, tenant: Tenant, actor: User | None, card: GiftCard, amount: Decimal,
                     reason: str) -> GiftCardTransaction:
    """A manager's correction with a reason; the balance stays at or above zero."""
    _require_manager(actor)
    reason = _require_reason(reason)
    amount = _money(amount, allow_negative=True)
    card = _lock_card(card)
    balance = selectors.gift_card_balance_of(card=card)
    if balance + amount < 0:
        raise BusinessRuleError(
            _("Only %(balance)s is left on this gift card.") % {
                "balance": money_text(balance, tenant.currency)},
            field="amount",
        )
    return _gift_card_line(card, LedgerKind.ADJUST, amount, actor=actor, reason=reason)


@_scoped
def gift_card_expire(*, tenant: Tenant, actor: User | None, card: GiftCard,
                     reason: str = "") -> GiftCardTransaction | None:
    """Write off what is left on a card (the expiry job, or a manager)."""
    _require_manager(actor)
    card = _lock_card(card)
    balance = selectors.gift_card_balance_of(card=card)
    if balance <= 0:
        return None
    return _gift_card_line(card, LedgerKind.EXPIRE, -balance, actor=actor,
                           reason=reason.strip() or _("Gift card past its expiry date"))


@_scoped
def gift_cards_expire_due(*, tenant: Tenant, actor: User | None = None,
                          today: datetime.date | None = None) -> int:
    """Expire the balance of every card whose expiry date has passed; returns how many."""
    today = today or timezone.localdate()
    n = 0
    for card in GiftCard.objects.filter(expires_on__lt=today).order_by("pk"):
        if gift_card_expire(tenant=tenant, actor=actor, card=card) is not None:
            n += 1
    return n



# --- returns (pos.returns) ---------------------------------------------------------


@_scoped
def points_return(*, tenant: Tenant, actor: User | None, customer: Customer, points_back: int,
                  points_taken: int, spend: Decimal, reference: str = "") -> int:
    """A sale came back (pos.returns): the points that paid for the returned part come
    back as a new lot, and the points it earned are taken back (as many as the
    customer still has: spent points are not clawed into a negative balance), with
    its spending removed from the tier total. Returns the points actually taken."""
    points_back, points_taken = int(points_back), int(points_taken)
    if points_back < 0 or points_taken < 0 or spend < 0:
        raise BusinessRuleError(_("A return cannot add spending or take negative points."))
    customer = _lock_customer(customer)
    today = timezone.localdate()
    settings = loyalty_settings_get()
    if points_back:
        _lot(customer, kind=PointsTransaction.Kind.ADJUST, points=points_back, today=today,
             settings=settings, actor=actor, reference=reference,
             reason=_("Points refunded on a return"))
    taken = min(points_taken, selectors.points_available(customer=customer, today=today))
    if taken:
        _consume_lots(customer, taken, today=today)
    if taken or spend:
        PointsTransaction.objects.create(customer=customer, kind=PointsTransaction.Kind.ACCRUE,
                                         points=-taken, spend=-spend, reference=reference,
                                         actor=actor, reason=_("Returned purchase"))
    return taken
