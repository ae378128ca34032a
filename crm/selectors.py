"""Reads of the CRM. RLS scopes every query to the current tenant; nothing here
filters by tenant by hand. Another shop's id is a 404, like a missing one."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from tenants.search import prefix_range, search_fold

from .models import (
    Customer,
    CustomerSearchToken,
    GiftCard,
    GiftCardTransaction,
    LoyaltySettings,
    LoyaltyTier,
    PointsTransaction,
    StoreCreditAccount,
    StoreCreditTransaction,
)
from .normalize import code_normalize, email_normalize, phone_normalize

PAGE_SIZE = 25
HISTORY_SIZE = 50
ZERO = Decimal("0.00")


def _get(queryset: QuerySet, **lookup: Any) -> Any:
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- customers -------------------------------------------------------------------


def customer_get(*, customer_id: object, for_update: bool = False) -> Customer:
    """A customer of this shop (404 otherwise); locked when for_update."""
    customers = Customer.objects.select_related("tier", "referred_by")
    if for_update:
        customers = customers.select_for_update(of=("self",))
    return _get(customers, pk=customer_id)


def customer_tier_current(customer: Customer | None, *,
                          today: datetime.date | None = None) -> LoyaltyTier | None:
    """The customer's loyalty tier while it is valid (None without one, or once it
    has expired and the nightly job has not lowered it yet). Reads `customer.tier`:
    select it with the customer where this is on a hot path."""
    if customer is None or customer.tier_id is None:
        return None
    today = today or timezone.localdate()
    if customer.tier_expires_on is not None and customer.tier_expires_on < today:
        return None
    return customer.tier


def customer_tier_current_q(*, prefix: str = "", today: datetime.date | None = None) -> Q:
    """customer_tier_current's rule as a filter, for a read that wants the tier in its
    own SQL: a tier is set and not expired. `prefix` leads from the rows filtered to the
    customer ("customer__" from a cart)."""
    today = today or timezone.localdate()
    return (Q(**{f"{prefix}tier__isnull": False})
            & (Q(**{f"{prefix}tier_expires_on__isnull": True})
               | Q(**{f"{prefix}tier_expires_on__gte": today})))


def customer_by_phone(*, phone: str) -> Customer | None:
    phone = phone_normalize(phone)
    if not phone:
        return None
    return Customer.objects.filter(phone=phone).order_by("number").first()


def customer_by_referral_code(*, code: str) -> Customer | None:
    code = code_normalize(code)
    if not code:
        return None
    return Customer.objects.filter(referral_code=code).first()


def customer_duplicates(*, phone: str = "", email: str = "",
                        exclude: Customer | None = None) -> list[tuple[str, Customer]]:
    """Existing customers with this phone or email: [("phone", c), ("email", c)]."""
    found: list[tuple[str, Customer]] = []
    others = Customer.objects.all()
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    phone, email = phone_normalize(phone), email_normalize(email)
    if phone:
        same = others.filter(phone=phone).order_by("number").first()
        if same is not None:
            found.append(("phone", same))
    if email:
        same = others.filter(email=email).order_by("number").first()
        if same is not None:
            found.append(("email", same))
    return found


def _token_range(word: str) -> QuerySet[CustomerSearchToken]:
    """Tokens starting with `word`: a range of the (tenant_id, token) index, written
    with the leakproof text comparisons RLS lets into an index scan."""
    return prefix_range(CustomerSearchToken.objects.all(), "token", word)


def customer_search_filter(search: str) -> Q | None:
    """Every typed word must start a name word, a phone (or its last 4+ digits), an
    email or the number; one or two digits are the customer number only.

    Words are intersected inside the token table (nested semi-joins) so the
    customers table is read only for the matches.
    """
    words = search_fold(search).split()[:5]
    if not words:
        return None
    compact = "".join(words).replace("-", "")
    if compact.lstrip("+").isdigit():
        if len(compact) < 3:
            return Q(number=int(compact)) if compact.isdigit() else Q(pk=None)
        words = [phone_normalize(compact).lstrip("+")]
    matches = None
    for word in reversed(words):
        tokens = _token_range(word)
        if matches is not None:
            tokens = tokens.filter(customer_id__in=matches)
        matches = tokens.values("customer_id")
    return Q(pk__in=matches)


def customer_list(*, search: str = "", tier_id: str = "", tag: str = "",
                  opt_in: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.select_related("tier").order_by("last_name", "first_name",
                                                                  "number")
    condition = customer_search_filter(search)
    if condition is not None:
        customers = customers.filter(condition)
    if tier_id == "none":
        customers = customers.filter(tier__isnull=True)
    elif tier_id:
        customers = customers.filter(tier_id=tier_id)
    if tag:
        customers = customers.filter(tags__contains=[tag])
    if opt_in == "email":
        customers = customers.filter(email_opt_in=True)
    elif opt_in == "sms":
        customers = customers.filter(sms_opt_in=True)
    elif opt_in == "none":
        customers = customers.filter(email_opt_in=False, sms_opt_in=False)
    return customers


def customer_page(customers: QuerySet[Customer], page: str | int | None) -> Page:
    return Paginator(customers, PAGE_SIZE).get_page(page)


def customer_qualifying_spend(*, customer: Customer, today: datetime.date,
                              months: int) -> Decimal:
    lines = PointsTransaction.objects.filter(customer=customer,
                                             kind=PointsTransaction.Kind.ACCRUE)
    if months:
        from .services import add_months

        since = add_months(today, -months)
        lines = lines.filter(created_at__date__gt=since)
    return lines.aggregate(s=Sum("spend"))["s"] or ZERO


# --- points ----------------------------------------------------------------------


def points_balance(*, customer: Customer) -> int:
    """All points on the ledger (expired lots count until the expiry job removes them)."""
    return PointsTransaction.objects.filter(customer=customer).aggregate(
        s=Sum("points"))["s"] or 0


def points_available(*, customer: Customer, today: datetime.date | None = None) -> int:
    """Points that can be spent today: what is left of unexpired lots."""
    today = today or timezone.localdate()
    return (
        PointsTransaction.objects.filter(customer=customer, remaining__gt=0)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .aggregate(s=Sum("remaining"))["s"] or 0
    )


@dataclass(frozen=True)
class PointsQuote:
    available: int  # points the customer can spend today
    point_value: Decimal  # money per point
    points: int  # points usable against the amount asked about (all available without one)
    value: Decimal  # what those points pay


def points_quote(*, customer: Customer, amount: Decimal | None = None) -> PointsQuote:
    """What a customer's points are worth at the till, capped at `amount` when given.
    A read: the redemption itself (services.points_redeem) checks again under a lock."""
    settings = LoyaltySettings.objects.first() or LoyaltySettings()
    available = points_available(customer=customer)
    usable = available
    if amount is not None and settings.point_value > 0:
        usable = min(available, int((Decimal(amount) / settings.point_value)
                                    .to_integral_value(ROUND_DOWN)))
    value = (usable * settings.point_value).quantize(Decimal("0.01"), ROUND_DOWN)
    return PointsQuote(available=available, point_value=settings.point_value, points=usable,
                       value=value)


# --- store credit and gift cards ------------------------------------------------------


def store_credit_balance_of(*, account: StoreCreditAccount) -> Decimal:
    return StoreCreditTransaction.objects.filter(account=account).aggregate(
        s=Sum("amount"))["s"] or ZERO


def store_credit_balance(*, customer: Customer) -> Decimal:
    return StoreCreditTransaction.objects.filter(account__customer=customer).aggregate(
        s=Sum("amount"))["s"] or ZERO


def gift_card_balance_of(*, card: GiftCard) -> Decimal:
    return GiftCardTransaction.objects.filter(card=card).aggregate(s=Sum("amount"))["s"] or ZERO


def gift_card_get(*, gift_card_id: object) -> GiftCard:
    return _get(GiftCard.objects.select_related("customer"), pk=gift_card_id)


def gift_card_by_code(*, code: str) -> GiftCard | None:
    code = code_normalize(code)
    if not code:
        return None
    return GiftCard.objects.select_related("customer").filter(code=code).first()


def gift_card_list(*, customer: Customer | None = None) -> QuerySet[GiftCard]:
    cards = GiftCard.objects.select_related("customer").annotate(balance=Sum("transactions__amount"))
    if customer is not None:
        cards = cards.filter(customer=customer)
    return cards.order_by("-created_at")


def gift_card_page(cards: QuerySet[GiftCard], page: str | int | None) -> Page:
    return Paginator(cards, PAGE_SIZE).get_page(page)


def gift_card_history(*, card: GiftCard) -> QuerySet[GiftCardTransaction]:
    return GiftCardTransaction.objects.filter(card=card).select_related("actor").order_by(
        "-created_at")


# --- the profile page ------------------------------------------------------------------


def customer_profile(*, customer: Customer) -> dict[str, Any]:
    """Balances and histories shown on a customer's page."""
    return {
        "points": points_balance(customer=customer),
        "points_available": points_available(customer=customer),
        "store_credit": store_credit_balance(customer=customer),
        "points_history": PointsTransaction.objects.filter(customer=customer)
        .select_related("actor").order_by("-created_at")[:HISTORY_SIZE],
        "store_credit_history": StoreCreditTransaction.objects.filter(
            account__customer=customer).select_related("actor").order_by("-created_at")[
            :HISTORY_SIZE],
        "gift_cards": gift_card_list(customer=customer),
        "referrals": Customer.objects.filter(referred_by=customer).order_by("number")[:20],
        "spend": customer_qualifying_spend(customer=customer, today=timezone.localdate(),
                                           months=0),
    }


# --- loyalty settings ------------------------------------------------------------------


def tier_list() -> QuerySet[LoyaltyTier]:
    return LoyaltyTier.objects.order_by("threshold")


def tier_get(*, tier_id: object) -> LoyaltyTier:
    return _get(LoyaltyTier.objects.all(), pk=tier_id)
