"""The arithmetic of a cart: pure Decimal functions, no database.

Prices include tax (inventory.pricing: price = gold + making + stone + markup + tax),
so a line's tax is the tax share of what the customer pays for it:

    gross         = unit price x quantity
    after line    = gross - line discount
    member share  = the customer's tier discount (member %) of the amounts after line
                    discounts, rounded once for the cart and split over the lines in
                    proportion to `after line`
    cart share    = the cart discount split over lines in proportion to what is left
                    (largest remainder, in minor units, so the shares add up exactly)
    line total    = after line - member share - cart share
    line tax      = round(line total x tax share)    tax share = item's tax / item's price
    sale total    = sum of line totals = subtotal - discounts

Every amount is rounded ROUND_HALF_UP to the currency's minor unit (0 places for
IRR), with inventory.pricing.money_round / minor_unit_places.

Payments: non-cash tenders (card, store credit, gift card, points) may not exceed
the total; everything together must cover it; the excess is change, given from the
cash tenders (the last first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

from inventory.pricing import PriceBreakdown, minor_unit_places, money_round
from tenants.errors import BusinessRuleError
from tenants.money import money_text, places_message

ZERO = Decimal("0")
CASH = "cash"


@dataclass(frozen=True)
class LineInput:
    unit_price: Decimal
    quantity: int
    line_discount: Decimal = ZERO
    tax_share: Decimal = ZERO  # the fraction of a tax-inclusive amount that is tax


@dataclass(frozen=True)
class LineTotals:
    gross: Decimal
    line_discount: Decimal
    cart_discount: Decimal
    tax: Decimal
    total: Decimal
    member_discount: Decimal = ZERO


@dataclass(frozen=True)
class CartTotals:
    lines: tuple[LineTotals, ...]
    subtotal: Decimal
    cart_discount: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    member_discount: Decimal = ZERO  # the customer's tier discount (part of discount_total)


def tax_share(breakdown: PriceBreakdown) -> Decimal:
    """The part of an item's price that is tax (0 for fixed-price items: inventory
    prices those without a tax part)."""
    if breakdown.total <= 0 or breakdown.tax <= 0:
        return ZERO
    return breakdown.tax / breakdown.total


def _unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit_places(currency))


def is_whole_money(amount: Decimal, currency: str) -> bool:
    """True when `amount` has no more decimals than the currency's minor unit."""
    return amount == amount.quantize(_unit(currency), rounding=ROUND_DOWN)


def _money_in(amount: Decimal, currency: str, *, field: str) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise BusinessRuleError(_("Enter an amount."), field=field)
    if amount < 0:
        raise BusinessRuleError(_("An amount cannot be negative."), field=field)
    if not is_whole_money(amount, currency):
        raise BusinessRuleError(places_message(currency), field=field)
    return amount


def allocate(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split `amount` over `weights` proportionally, in minor units, so that the parts
    add up to `amount` exactly and no part exceeds its weight (when amount <= sum)."""
    total_weight = sum(weights, ZERO)
    if amount == 0 or total_weight == 0:
        return [ZERO for _w in weights]
    unit = _unit(currency)
    units = int(amount / unit)
    exact = [units * w / total_weight for w in weights]
    parts = [int(e) for e in exact]  # floor: e >= 0
    left = units - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [(p * unit).quantize(unit) for p in parts]


def cart_totals(lines: Sequence[LineInput], *, cart_discount: Decimal = ZERO,
                member_percent: Decimal = ZERO, currency: str) -> CartTotals:
    """Totals of a cart (see the module docstring); raises BusinessRuleError on a cart
    that cannot be sold: no lines, quantities below 1, discounts above the amount.
    `member_percent` is the customer's loyalty tier discount (0-100)."""
    if not lines:
        raise BusinessRuleError(_("The cart is empty."))
    cart_discount = _money_in(cart_discount, currency, field="cart_discount")
    grosses, afters = [], []
    for line in lines:
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) \
                or line.quantity < 1:
            raise BusinessRuleError(_("Give a whole number of pieces, at least one."),
                                    field="quantity")
        unit_price = _money_in(line.unit_price, currency, field="unit_price")
        discount = _money_in(line.line_discount, currency, field="line_discount")
        gross = money_round(unit_price * line.quantity, currency)
        if discount > gross:
            raise BusinessRuleError(_("A line discount cannot exceed the line's amount."),
                                    field="line_discount")
        grosses.append(gross)
        afters.append(gross - discount)
    member = ZERO
    if member_percent:
        member = money_round(sum(afters, ZERO) * member_percent / 100, currency)
    members = allocate(member, afters, currency)
    lefts = [after - m for after, m in zip(afters, members, strict=True)]
    if cart_discount > sum(lefts, ZERO):
        raise BusinessRuleError(_("The cart discount cannot exceed the amount due."),
                                field="cart_discount")
    shares = allocate(cart_discount, lefts, currency)
    result = []
    for line, gross, left, m, share in zip(lines, grosses, lefts, members, shares, strict=True):
        total = left - share
        tax = money_round(total * line.tax_share, currency)
        result.append(LineTotals(gross=gross, line_discount=line.line_discount,
                                 cart_discount=share, tax=tax, total=total,
                                 member_discount=m))
    subtotal = sum(grosses, ZERO)
    total = sum((r.total for r in result), ZERO)
    return CartTotals(
        lines=tuple(result), subtotal=subtotal, cart_discount=cart_discount,
        discount_total=subtotal - total, tax_total=sum((r.tax for r in result), ZERO),
        total=total, member_discount=member,
    )


def change_split(total: Decimal, tenders: Sequence[tuple[str, Decimal]], *,
                 currency: str) -> list[Decimal]:
    """The change given back on each tender (0 except on cash), or a BusinessRuleError
    when the tenders do not settle `total`: every tender above zero, non-cash tenders
    no more than the total, all of them at least the total."""
    amounts = []
    for _method, amount in tenders:
        amount = _money_in(amount, currency, field="payments")
        if amount == 0:
            raise BusinessRuleError(_("Each payment must be more than zero."), field="payments")
        amounts.append(amount)
    non_cash = sum((a for (m, _a), a in zip(tenders, amounts, strict=True) if m != CASH), ZERO)
    if non_cash > total:
        raise BusinessRuleError(
            _("Card, credit, gift card and points payments cannot exceed the total; "
              "only cash gives change."), field="payments")
    paid = sum(amounts, ZERO)
    if paid < total:
        raise BusinessRuleError(
            _("%(due)s is still due.") % {"due": money_text(total - paid, currency)},
            field="payments")
    change = paid - total
    changes = [ZERO for _a in amounts]
    for i in reversed(range(len(amounts))):
        if change == 0:
            break
        if tenders[i][0] == CASH:
            given = min(change, amounts[i])
            changes[i] = given
            change -= given
    if any(c == a for c, a in zip(changes, amounts, strict=True) if c):
        raise BusinessRuleError(_("A cash payment is not needed: the rest already covers "
                                  "the total."), field="payments")
    return changes


def percent_text(value: Decimal) -> str:
    """A percentage without trailing zeros: 5.00 -> "5", 2.50 -> "2.5"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def over_limit(discount: Decimal, base: Decimal, limit_percent: Decimal) -> bool:
    """A discount above `limit_percent` of what it discounts (it needs a manager)."""
    return discount > 0 and discount * 100 > base * limit_percent


def discounts_over_limit(cart: CartTotals,
                         limit_percent: Decimal) -> tuple[tuple[bool, ...], bool]:
    """Which discounts of a cart need a manager: each line's (of its gross) and the
    cart discount (of the amount after line discounts and the member discount). The
    member discount itself is the shop's own rule and never needs one."""
    after_lines = cart.subtotal - sum((lt.line_discount for lt in cart.lines), ZERO) \
        - cart.member_discount
    return (tuple(over_limit(lt.line_discount, lt.gross, limit_percent) for lt in cart.lines),
            over_limit(cart.cart_discount, after_lines, limit_percent))
