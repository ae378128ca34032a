"""Prices of pieces: pure functions, no database (ARCHITECTURE.md section 3).

    gold    = sell rate (per gram, of the item's karat) x net weight
    making  = per gram: value x net weight | percent: gold x value / 100 | fixed: value
    stone   = stone value
    markup  = (gold + making + stone) x markup % / 100   (the most specific pricing rule)
    tax     = (taxable parts, each with its share of the markup) x tax % / 100
    price   = gold + making + stone + markup + tax

Each part is rounded ROUND_HALF_UP to the currency's minor unit (2 decimals; 0 for
IRR, JPY and other currencies without one: tenants.money.currency_places, from
Babel's CLDR data) and the price is the sum of the
rounded parts, so a printed breakdown always adds up. items_reprice() does the
same arithmetic in SQL; a test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tenants.money import currency_places

ZERO = Decimal("0")
HUNDRED = Decimal("100")

GRAMS_PER_UNIT = {
    "gram": Decimal("1"),
    "mesghal": Decimal("4.608"),
    "tola": Decimal("11.664"),
    "troy_ounce": Decimal("31.1035"),
}


def minor_unit_places(currency: str) -> int:
    """Decimals of the currency's minor unit (0 for IRR, 2 for USD; at most 2)."""
    return currency_places(currency)


def money_round(amount: Decimal, currency: str) -> Decimal:
    """ROUND_HALF_UP to the currency's minor unit."""
    exponent = Decimal(1).scaleb(-minor_unit_places(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def rate_per_unit(rate_per_gram: Decimal, unit: str) -> Decimal:
    """A per-gram rate expressed per mesghal, tola or troy ounce (not rounded)."""
    return rate_per_gram * GRAMS_PER_UNIT[unit]


def fine_weight(weight: Decimal, purity: Decimal) -> Decimal:
    """Grams of pure metal in `weight` grams of metal of `purity` thousandths."""
    return (weight * purity / Decimal(1000)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TaxRule:
    rate_percent: Decimal = ZERO
    on_gold: bool = False
    on_making: bool = True
    on_stone: bool = False


@dataclass(frozen=True)
class PriceBreakdown:
    gold: Decimal
    making: Decimal
    stone: Decimal
    markup: Decimal
    tax: Decimal
    total: Decimal


def making_charge(*, mode: str, value: Decimal, net_weight: Decimal, gold_value: Decimal) -> Decimal:
    if mode == "per_gram":
        return value * net_weight
    if mode == "percent":
        return gold_value * value / HUNDRED
    if mode == "fixed":
        return value
    raise ValueError(f"unknown making charge mode {mode!r}")


def price_breakdown(
    *,
    sell_rate: Decimal,
    net_weight: Decimal,
    making_mode: str,
    making_value: Decimal,
    stone_value: Decimal = ZERO,
    markup_percent: Decimal = ZERO,
    tax: TaxRule | None = None,
    currency: str = "USD",
) -> PriceBreakdown:
    """The price of a rate-based piece and its parts (see the module docstring)."""
    tax = tax or TaxRule()
    gold = sell_rate * net_weight
    making = making_charge(mode=making_mode, value=making_value, net_weight=net_weight,
                           gold_value=gold)
    stone = stone_value
    factor = markup_percent / HUNDRED
    markup = (gold + making + stone) * factor
    taxable = ZERO
    if tax.on_gold:
        taxable += gold * (1 + factor)
    if tax.on_making:
        taxable += making * (1 + factor)
    if tax.on_stone:
        taxable += stone * (1 + factor)
    tax_amount = taxable * tax.rate_percent / HUNDRED
    parts = [money_round(x, currency) for x in (gold, making, stone, markup, tax_amount)]
    return PriceBreakdown(*parts, total=sum(parts, ZERO))


def markup_for(rules: list[tuple[int | None, object | None, str, Decimal]], *, karat: int | None,
               category_id: object | None, tier: str = "") -> Decimal:
    """The markup % of the most specific rule that applies.

    `rules` are (karat, category_id, customer_tier, markup_percent). A rule applies
    when each of its set criteria matches; specificity: tier (4) + category (2) +
    karat (1). Rules for another tier never apply; with no rule the markup is 0.
    Tiers are matched by name, without regard to case.
    """
    best: tuple[int, Decimal] | None = None
    tier = tier.casefold()
    for r_karat, r_category, r_tier, percent in rules:
        if r_tier and r_tier.casefold() != tier:
            continue
        if r_karat is not None and r_karat != karat:
            continue
        if r_category is not None and r_category != category_id:
            continue
        score = (4 if r_tier else 0) + (2 if r_category is not None else 0) + (
            1 if r_karat is not None else 0)
        if best is None or score > best[0]:
            best = (score, percent)
    return best[1] if best else ZERO
