"""Every write of the inventory. Services are named <entity>_<verb>.

They validate first, raise a BusinessRuleError with a translated message when a
rule is broken, run in one transaction, and leave side effects to after commit.
Stock changes only through stock_move(): other modules (POS, transfers,
purchasing, repairs) call it too.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.context import require_tenant, tenant_context
from tenants.errors import BusinessRuleError
from tenants.limits import limit_check
from tenants.models import Branch, Tenant, User
from tenants.money import places_message
from tenants.prepared import Many, Prepared, prepared_cursor, rows_insert

from . import pricing
from .models import (
    PURITY,
    Category,
    InventorySettings,
    Item,
    ItemPhoto,
    ItemSearchToken,
    MarketRate,
    Metal,
    PricingRule,
    RateBoard,
    RateCode,
    StockLevel,
    StockMovement,
    rate_code_for,
)

PRICE_SETTERS = (User.Role.OWNER, User.Role.MANAGER)
Kind = StockMovement.Kind
# +1: the kind only adds stock, -1: only removes it, 0: either (adjustments).
DIRECTION = {
    Kind.PURCHASE_RECEIPT: 1, Kind.SALE: -1, Kind.RETURN: 1, Kind.TRANSFER_OUT: -1,
    Kind.TRANSFER_IN: 1, Kind.ADJUSTMENT: 0, Kind.BUY_BACK: 1, Kind.REPAIR_USE: -1,
}
ITEM_FIELDS = (
    "sku", "name", "category", "metal", "karat", "gross_weight", "net_weight",
    "making_charge_mode", "making_charge_value", "stone_details", "stone_value", "cost",
    "price_mode", "fixed_price", "tracking", "serial_number", "barcode", "branch", "is_active",
    "low_stock_threshold",
)


# --- categories --------------------------------------------------------------


@transaction.atomic
def category_create(*, tenant: Tenant, actor: User | None, name: str,
                    parent: Category | None = None) -> Category:
    """A category under `parent` (or at the top); names are unique among siblings."""
    name = name.strip()
    with tenant_context(tenant):
        if not name:
            raise BusinessRuleError(_("A category needs a name."), field="name")
        if Category.objects.filter(parent=parent, name__iexact=name).exists():
            raise BusinessRuleError(_("This category already exists here."), field="name")
        return Category.objects.create(name=name, parent=parent)


@transaction.atomic
def category_update(*, tenant: Tenant, actor: User | None, category: Category, name: str,
                    parent: Category | None = None) -> Category:
    """Rename a category or move it under another parent (never under itself or one of
    its own subcategories); names stay unique among siblings."""
    name = name.strip()
    with tenant_context(tenant):
        category = Category.objects.select_for_update().get(pk=category.pk)
        if not name:
            raise BusinessRuleError(_("A category needs a name."), field="name")
        ancestor = parent
        while ancestor is not None:
            if ancestor.pk == category.pk:
                raise BusinessRuleError(
                    _("A category cannot be moved under itself or its subcategories."),
                    field="parent")
            ancestor = ancestor.parent
        if Category.objects.filter(parent=parent, name__iexact=name).exclude(
                pk=category.pk).exists():
            raise BusinessRuleError(_("This category already exists here."), field="name")
        category.name, category.parent = name, parent
        category.save(update_fields=["name", "parent"])
        return category


# --- items -------------------------------------------------------------------


def barcode_from_sku(sku: str) -> str:
    """Code 128 carries printable ASCII: the SKU, upper-cased, other characters dropped."""
    return re.sub(r"[^\x21-\x7e]", "", sku.upper())[:64]


def _item_validate(data: dict[str, Any], *, item: Item | None = None) -> dict[str, Any]:
    sku = (data.get("sku") or "").strip()
    if not sku:
        raise BusinessRuleError(_("An item needs a SKU."), field="sku")
    data["sku"] = sku
    others = Item.objects.all() if item is None else Item.objects.exclude(pk=item.pk)
    if others.filter(sku__iexact=sku).exists():
        raise BusinessRuleError(_("Another item already uses this SKU."), field="sku")
    barcode = (data.get("barcode") or "").strip() or barcode_from_sku(sku)
    if not barcode:
        raise BusinessRuleError(_("Give a barcode: this SKU has no printable characters."),
                                field="barcode")
    if others.filter(barcode=barcode).exists():
        raise BusinessRuleError(_("Another item already uses this barcode."), field="barcode")
    data["barcode"] = barcode
    metal, karat = data.get("metal") or Metal.GOLD, data.get("karat") or None
    if metal == Metal.GOLD and karat is None:
        raise BusinessRuleError(_("Choose the karat of a gold piece."), field="karat")
    if metal != Metal.GOLD:
        karat = None
    data["metal"], data["karat"] = metal, karat
    data["purity"] = PURITY.get(karat) if karat else None
    gross, net = data.get("gross_weight") or Decimal(0), data.get("net_weight") or Decimal(0)
    if net > gross:
        raise BusinessRuleError(_("The net weight cannot exceed the gross weight."),
                                field="net_weight")
    for field in ("gross_weight", "net_weight", "making_charge_value", "stone_value", "cost"):
        if (data.get(field) or Decimal(0)) < 0:
            raise BusinessRuleError(_("This value cannot be negative."), field=field)
    if data.get("price_mode") == Item.PriceMode.FIXED:
        if data.get("fixed_price") is None or data["fixed_price"] < 0:
            raise BusinessRuleError(_("Give the fixed price."), field="fixed_price")
    elif rate_code_for(metal, karat) is None:
        raise BusinessRuleError(
            _("Only gold, silver and platinum pieces can be priced by the rate."),
            field="price_mode",
        )
    if item is not None and data.get("tracking", item.tracking) != item.tracking \
            and item.movements.exists():
        raise BusinessRuleError(_("Tracking cannot change once the item has stock movements."),
                                field="tracking")
    return data


@dataclass(frozen=True)
class PricingContext:
    """What pricing an item needs from the shop, read once per request or import."""

    sell_rates: dict[str, Decimal]
    rules: list[tuple[int | None, Any, str, Decimal]]
    tax: pricing.TaxRule
    currency: str


_PRICING_SQL = """
    (SELECT 's', tax_rate_percent::text, tax_on_gold::text, tax_on_making::text,
            tax_on_stone::text
       FROM {settings} ORDER BY id LIMIT 1)
    UNION ALL
    SELECT 'r', code, sell_rate::text, NULL, NULL FROM {board}
    UNION ALL
    SELECT 'p', karat::text, category_id::text, customer_tier, markup_percent::text
      FROM {rules}
"""


def pricing_context(tenant: Tenant) -> PricingContext:
    """What prices an item today: the tax rule, the rate board's sell rates and the
    markup rules, in one statement (the register reads it on every scan)."""
    sql = _PRICING_SQL.format(settings=InventorySettings._meta.db_table,
                              board=RateBoard._meta.db_table, rules=PricingRule._meta.db_table)
    require_tenant()  # raw SQL: the managers' guard, by hand (RLS scopes the rows)
    tax, sell_rates, rules = pricing.TaxRule(), {}, []
    with prepared_cursor() as cursor:
        cursor.execute(sql)
        for kind, a, b, c, d in cursor.fetchall():
            if kind == "s":
                tax = pricing.TaxRule(Decimal(a), b == "true", c == "true", d == "true")
            elif kind == "r":
                sell_rates[a] = Decimal(b)
            else:
                rules.append((int(a) if a is not None else None,
                              uuid.UUID(b) if b is not None else None, c, Decimal(d)))
    return PricingContext(sell_rates=sell_rates, rules=rules, tax=tax,
                          currency=tenant.currency)


def item_price_breakdown(item: Item, ctx: PricingContext, *, tier: str = "") -> pricing.PriceBreakdown:
    """The price of a rate-based item today (for fixed-price items: the fixed price)."""
    if item.price_mode == Item.PriceMode.FIXED:
        total = pricing.money_round(item.fixed_price or Decimal(0), ctx.currency)
        return pricing.PriceBreakdown(Decimal(0), Decimal(0), Decimal(0), Decimal(0),
                                      Decimal(0), total)
    code = rate_code_for(item.metal, item.karat)
    return pricing.price_breakdown(
        sell_rate=ctx.sell_rates.get(code or "", Decimal(0)),
        net_weight=item.net_weight,
        making_mode=item.making_charge_mode,
        making_value=item.making_charge_value,
        stone_value=item.stone_value,
        markup_percent=pricing.markup_for(ctx.rules, karat=item.karat,
                                          category_id=item.category_id, tier=tier),
        tax=ctx.tax,
        currency=ctx.currency,
    )


def item_tokens_refresh(*, tenant: Tenant, items: Iterable[Item]) -> None:
    """Keep the words search finds these items by (ItemSearchToken) in step with their
    name and codes: one read of their tokens, one delete, one bulk insert, however
    many items (the import refreshes a whole file at once)."""
    wanted = {item.pk: item.search_tokens() for item in items}
    if not wanted:
        return
    with tenant_context(tenant):
        stale, have = [], set()
        for pk, item_id, token in ItemSearchToken.objects.filter(
                item_id__in=list(wanted)).values_list("pk", "item_id", "token"):
            if token in wanted[item_id]:
                have.add((item_id, token))
            else:
                stale.append(pk)
        if stale:
            ItemSearchToken.objects.filter(pk__in=stale).delete()
        ItemSearchToken.objects.bulk_create(
            [ItemSearchToken(item_id=item_id, token=token)
             for item_id, tokens in wanted.items() for token in sorted(tokens)
             if (item_id, token) not in have],
            batch_size=2000,
        )


@transaction.atomic
def item_create(*, tenant: Tenant, actor: User | None, refresh_tokens: bool = True,
                check_limit: bool = True, **fields: Any) -> Item:
    """A new item, priced now. SKU and barcode are unique in the shop (the barcode is made
    from the SKU when empty); a gold piece has a karat; net weight <= gross weight.
    Its search tokens are written too, unless the caller (the import) refreshes them
    in bulk with item_tokens_refresh()."""
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown item fields: {sorted(unknown)}")
    with tenant_context(tenant):
        if check_limit:  # the import checks once for the whole file instead
            limit_check(tenant, "items", in_use=Item.objects.filter(is_active=True).count())
        data = _item_validate(dict(fields))
        item = Item(**data)
        item.price = item_price_breakdown(item, pricing_context(tenant)).total
        item.priced_at = timezone.now()
        item.save()
        if refresh_tokens:
            item_tokens_refresh(tenant=tenant, items=[item])
        return item


@transaction.atomic
def item_update(*, tenant: Tenant, actor: User | None, item: Item, refresh_tokens: bool = True,
                **fields: Any) -> Item:
    """Change an item's details and reprice it; same rules as item_create, and tracking
    stays as it is once stock has moved. Search tokens follow the name and codes
    (unless refresh_tokens=False: the caller refreshes them in bulk)."""
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown item fields: {sorted(unknown)}")
    with tenant_context(tenant):
        item = Item.objects.select_for_update().get(pk=item.pk)
        current = {f: getattr(item, f) for f in ITEM_FIELDS}
        data = _item_validate({**current, **fields}, item=item)
        for key, value in data.items():
            setattr(item, key, value)
        item.price = item_price_breakdown(item, pricing_context(tenant)).total
        item.priced_at = timezone.now()
        item.save()
        if "tracking" in fields:
            StockLevel.objects.filter(item=item).update(is_serial=item.is_serial)
        if refresh_tokens:
            item_tokens_refresh(tenant=tenant, items=[item])
        return item


@transaction.atomic
def item_set_price_override(*, tenant: Tenant, actor: User, item: Item,
                            price: Decimal | None) -> Item:
    """Set (or clear, with None) a manual price that wins over the computed one.
    Only an owner or a manager may; who and when are recorded."""
    if actor.role not in PRICE_SETTERS or actor.tenant_id != tenant.pk:
        raise BusinessRuleError(_("Only a manager or the owner can override a price."),
                                field="price_override")
    if price is not None and price < 0:
        raise BusinessRuleError(_("A price cannot be negative."), field="price_override")
    if price is not None and price != pricing.money_round(price, tenant.currency):
        # What the register charges is what is shown: no fractions of a Rial.
        raise BusinessRuleError(places_message(tenant.currency), field="price_override")
    with tenant_context(tenant):
        item = Item.objects.select_for_update().get(pk=item.pk)
        item.price_override = price
        item.override_by = actor if price is not None else None
        item.override_at = timezone.now() if price is not None else None
        item.save(update_fields=["price_override", "override_by", "override_at", "updated_at"])
        return item


# --- stock -------------------------------------------------------------------


@transaction.atomic
def stock_move(*, tenant: Tenant, actor: User | None, item: Item, branch: Branch, kind: str,
               quantity: int, reason: str = "", reference: str = "") -> StockMovement:
    """Move stock of `item` at `branch` by a signed `quantity`, recording the movement.

    Rules: the sign follows the kind (a sale removes, a receipt adds, an adjustment
    either way); stock never goes negative; a serial piece moves one at a time, is in
    one branch at most, is received once, and so is sold once. The StockLevel row is
    locked (select_for_update) and created when missing; for serial pieces the item
    row is locked too, so two branches cannot take the same piece at once.
    """
    if kind not in DIRECTION:
        raise BusinessRuleError(_("Unknown kind of stock movement."), field="kind")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity == 0:
        raise BusinessRuleError(_("Give a whole number of pieces other than zero."),
                                field="quantity")
    direction = DIRECTION[kind]
    if direction and (quantity > 0) != (direction > 0):
        raise BusinessRuleError(
            _("A %(kind)s cannot have this sign of quantity.") % {"kind": Kind(kind).label},
            field="quantity",
        )
    with tenant_context(tenant):
        # Read again under the scope (another shop's item or branch is not found) and
        # lock the item: moves of one item queue up, so a serial piece cannot be taken
        # by two branches at once.
        item = Item.objects.select_for_update().get(pk=item.pk)
        if not Branch.objects.filter(pk=branch.pk).exists():
            raise BusinessRuleError(_("Unknown branch."), field="branch")
        StockLevel.objects.bulk_create(
            [StockLevel(item=item, branch=branch, quantity=0, is_serial=item.is_serial)],
            ignore_conflicts=True,
        )
        level = StockLevel.objects.select_for_update().get(item=item, branch=branch)
        new = level.quantity + quantity
        if item.is_serial and abs(quantity) != 1:
            raise BusinessRuleError(_("A serial piece moves one at a time."), field="quantity")
        if new < 0:
            raise BusinessRuleError(
                _("Not enough stock: %(branch)s has %(n)s.") % {"branch": branch.name,
                                                                "n": level.quantity},
                field="quantity",
            )
        if item.is_serial:
            _serial_check(item=item, branch=branch, kind=kind, quantity=quantity, new=new)
        level.quantity = new
        level.save(update_fields=["quantity", "updated_at"])
        movement = StockMovement.objects.create(
            item=item, branch=branch, kind=kind, quantity=quantity, balance_after=new,
            reason=reason.strip()[:200], reference=reference.strip()[:100], actor=actor,
        )
        if item.is_serial and new == 1 and item.branch_id != branch.pk:
            Item.objects.filter(pk=item.pk).update(branch=branch)
        return movement


class StockShortage(BusinessRuleError):
    """`stock_remove_many` found too little of `item` (`available` pieces) at the branch."""

    def __init__(self, message: str, *, item: Item, available: int) -> None:
        super().__init__(message, field="quantity")
        self.item = item
        self.available = available


# A sale's stock: the levels locked in item order; SQL built once (tenants.prepared).
# Not reuse_plan: its generic plan (an item list of unknown length) scans the shop's
# stock levels at the branch, 18.9 ms, where the custom plan takes 0.09 ms on the bench's
# shop (tests/perf/pos/plans.py).
_LEVELS_LOCKED = Prepared(
    lambda branch_id, item_ids: StockLevel.objects.select_for_update()
    .filter(branch_id=branch_id, item_id__in=item_ids).order_by("item_id"),
    uuid.UUID, Many(uuid.UUID))
_LEVELS_SET_SQL = f"""
    UPDATE {StockLevel._meta.db_table} AS level
       SET quantity = new.quantity, updated_at = %s
      FROM unnest(%s::uuid[], %s::integer[]) AS new(id, quantity)
     WHERE level.id = new.id"""


def stock_remove_many(*, tenant: Tenant, actor: User | None, branch: Branch, kind: str,
                      lines: Iterable[tuple[Item, int]], reference: str = "",
                      reason: str = "") -> list[StockMovement]:
    """Take `lines` = [(item, pieces > 0)] out of `branch` at once (a sale's lines):
    the rules of `stock_move` for outflows, in three statements whatever the number of
    lines instead of six per line.

    The branch's stock levels of the items are locked in item order (the order every
    sale and every `stock_move` of a sale uses, so two sales cannot deadlock); a missing
    level is no stock; a level that would go negative raises `StockShortage` and
    nothing moves. Serial pieces leave one at a time; taking one out needs no item lock:
    its level at this branch is 1 and the first taker leaves 0 for the next. `branch`
    must already have been read under the shop's scope (a sale's shift branch is).
    All or nothing: the body is one tenant_context (the transaction, or a savepoint
    inside the caller's).
    """
    if DIRECTION.get(kind) != -1:
        raise BusinessRuleError(_("Unknown kind of stock movement."), field="kind")
    wanted: dict[Any, int] = {}
    items: dict[Any, Item] = {}
    for item, quantity in lines:
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise BusinessRuleError(_("Give a whole number of pieces other than zero."),
                                    field="quantity")
        wanted[item.pk] = wanted.get(item.pk, 0) + quantity
        items[item.pk] = item
        if item.is_serial and wanted[item.pk] != 1:
            raise BusinessRuleError(_("A serial piece moves one at a time."), field="quantity")
    if not wanted:
        return []
    with tenant_context(tenant):
        levels = {level.item_id: level for level in
                  _LEVELS_LOCKED.all(branch.pk, list(wanted))}
        for item_id in sorted(wanted, key=str):
            level = levels.get(item_id)
            available = level.quantity if level is not None else 0
            if available < wanted[item_id]:
                raise StockShortage(
                    _("Not enough stock: %(branch)s has %(n)s.") % {"branch": branch.name,
                                                                    "n": available},
                    item=items[item_id], available=available)
        now = timezone.now()
        changed = []
        for item_id, quantity in wanted.items():
            level = levels[item_id]
            level.quantity -= quantity
            level.updated_at = now
            changed.append(level)
        with prepared_cursor() as cursor:  # bulk_update, without building its CASE
            cursor.execute(_LEVELS_SET_SQL, [now, [level.pk for level in changed],
                                             [level.quantity for level in changed]])
        return rows_insert([
            StockMovement(item=items[item_id], branch=branch, kind=kind, quantity=-quantity,
                          balance_after=levels[item_id].quantity, reason=reason.strip()[:200],
                          reference=reference.strip()[:100], actor=actor)
            for item_id, quantity in sorted(wanted.items(), key=lambda pair: str(pair[0]))
        ])


def _serial_check(*, item: Item, branch: Branch, kind: str, quantity: int, new: int) -> None:
    if quantity < 0:
        return  # taking it out: the non-negative rule already says it must be here
    if new > 1:
        raise BusinessRuleError(_("This piece is already in stock here."), field="quantity")
    elsewhere = (StockLevel.objects.filter(item=item, quantity__gt=0).exclude(branch=branch)
                 .select_related("branch").first())
    if elsewhere is not None:
        raise BusinessRuleError(
            _("This piece is already in stock at %(branch)s.") % {"branch": elsewhere.branch.name},
            field="quantity",
        )
    if kind == Kind.PURCHASE_RECEIPT and item.movements.exists():
        raise BusinessRuleError(_("A serial piece is received only once."), field="quantity")


@transaction.atomic
def stock_adjust(*, tenant: Tenant, actor: User | None, item: Item, branch: Branch,
                 quantity: int, reason: str) -> StockMovement:
    """A counted correction of stock (signed); the reason is required."""
    if not reason or not reason.strip():
        raise BusinessRuleError(_("Say why the stock is adjusted."), field="reason")
    return stock_move(tenant=tenant, actor=actor, item=item, branch=branch,
                      kind=Kind.ADJUSTMENT, quantity=quantity, reason=reason)


# --- rates, rules, settings --------------------------------------------------


@transaction.atomic
def market_rate_record(*, code: str, price_per_gram: Decimal, currency: str, source: str,
                       fetched_at: datetime | None = None, actor: User | None = None) -> MarketRate:
    """Add a platform-wide market rate (from the provider, or typed in by a platform admin).
    The price is positive, the code and currency known; nothing else becomes a rate."""
    if code not in RateCode.values:
        raise BusinessRuleError(_("Unknown rate."), field="code")
    if not isinstance(price_per_gram, Decimal) or not price_per_gram.is_finite() \
            or price_per_gram <= 0 or price_per_gram >= Decimal("1e12"):
        raise BusinessRuleError(_("A rate must be a positive amount."), field="price_per_gram")
    if not re.fullmatch(r"[A-Z]{3}", currency or ""):
        raise BusinessRuleError(_("Use a three-letter currency code."), field="currency")
    if source not in MarketRate.Source.values:
        raise BusinessRuleError(_("Unknown rate source."), field="source")
    if actor is not None and not actor.is_platform_admin:
        raise BusinessRuleError(_("Only platform admins enter market rates."))
    return MarketRate.objects.create(
        code=code, price_per_gram=price_per_gram.quantize(Decimal("0.0001")), currency=currency,
        source=source, fetched_at=fetched_at or timezone.now(), created_by=actor,
    )


def _latest_market(currency: str) -> dict[str, MarketRate]:
    latest: dict[str, MarketRate] = {}
    for rate in MarketRate.objects.filter(currency=currency).order_by("code", "-fetched_at") \
            .distinct("code"):
        latest[rate.code] = rate
    return latest


def _follow(market: Decimal, margin_percent: Decimal) -> Decimal:
    return (market * (1 + margin_percent / 100)).quantize(Decimal("0.0001"))


@transaction.atomic
def rate_board_set(*, tenant: Tenant, actor: User | None, code: str, mode: str,
                   buy_rate: Decimal | None = None, sell_rate: Decimal | None = None,
                   buy_margin_percent: Decimal = Decimal(0),
                   sell_margin_percent: Decimal = Decimal(0)) -> RateBoard:
    """Set one line of the shop's rate board. Manual: both rates given, buy <= sell.
    Follow: margins over the latest market rate in the shop's currency (which must exist)."""
    if code not in RateCode.values:
        raise BusinessRuleError(_("Unknown rate."), field="code")
    with tenant_context(tenant):
        entry = RateBoard.objects.select_for_update().filter(code=code).first() or \
            RateBoard(code=code)
        entry.mode = mode
        if mode == RateBoard.Mode.MANUAL:
            if buy_rate is None or sell_rate is None or buy_rate < 0 or sell_rate < 0:
                raise BusinessRuleError(_("Give both rates."), field="sell_rate")
            if buy_rate > sell_rate:
                raise BusinessRuleError(_("The buy rate cannot be above the sell rate."),
                                        field="buy_rate")
            entry.buy_rate, entry.sell_rate = buy_rate, sell_rate
            entry.market_fetched_at = None
        elif mode == RateBoard.Mode.FOLLOW_MARKET:
            if buy_margin_percent > sell_margin_percent:
                raise BusinessRuleError(_("The buy margin cannot be above the sell margin."),
                                        field="buy_margin_percent")
            market = _latest_market(tenant.currency).get(code)
            if market is None:
                raise BusinessRuleError(
                    _("There is no market rate for this yet: enter it by hand."), field="mode")
            entry.buy_margin_percent, entry.sell_margin_percent = (buy_margin_percent,
                                                                   sell_margin_percent)
            entry.buy_rate = _follow(market.price_per_gram, buy_margin_percent)
            entry.sell_rate = _follow(market.price_per_gram, sell_margin_percent)
            entry.market_fetched_at = market.fetched_at
        else:
            raise BusinessRuleError(_("Unknown mode."), field="mode")
        entry.save()
        from .alerts import rate_alerts_check

        rate_alerts_check(tenant=tenant)
        return entry


@transaction.atomic
def rate_board_follow_market(*, tenant: Tenant, actor: User | None = None) -> int:
    """Bring every follow-the-market line up to the latest market rates; returns the count."""
    with tenant_context(tenant):
        market = _latest_market(tenant.currency)
        changed = 0
        for entry in RateBoard.objects.select_for_update().filter(mode=RateBoard.Mode.FOLLOW_MARKET):
            rate = market.get(entry.code)
            if rate is None or entry.market_fetched_at == rate.fetched_at:
                continue
            entry.buy_rate = _follow(rate.price_per_gram, entry.buy_margin_percent)
            entry.sell_rate = _follow(rate.price_per_gram, entry.sell_margin_percent)
            entry.market_fetched_at = rate.fetched_at
            entry.save(update_fields=["buy_rate", "sell_rate", "market_fetched_at", "updated_at"])
            changed += 1
        return changed


def _rule_tier(name: str) -> str:
    """A rule's tier: empty, or the name of one of the shop's loyalty tiers."""
    from crm.models import LoyaltyTier  # crm knows nothing of inventory; this way only

    name = name.strip()
    if not name:
        return ""
    tier = LoyaltyTier.objects.filter(name__iexact=name).first()
    if tier is None:
        raise BusinessRuleError(_("No loyalty tier has this name."), field="customer_tier")
    return tier.name


def pricing_rules_tier_rename(*, tenant: Tenant, old: str, new: str) -> int:
    """Keep the rules of a renamed loyalty tier (crm.services.tier_update calls this)."""
    with tenant_context(tenant):
        return PricingRule.objects.filter(customer_tier__iexact=old).update(customer_tier=new)


@transaction.atomic
def pricing_rule_set(*, tenant: Tenant, actor: User | None, markup_percent: Decimal,
                     karat: int | None = None, category: Category | None = None,
                     customer_tier: str = "") -> PricingRule:
    """Create or change the markup for a karat / category / customer tier (any may be
    empty; a tier is one of the shop's loyalty tiers, by name)."""
    if markup_percent < -100 or markup_percent > 1000:
        raise BusinessRuleError(_("A markup must be between -100% and 1000%."),
                                field="markup_percent")
    with tenant_context(tenant):
        rule, _created = PricingRule.objects.update_or_create(
            karat=karat, category=category, customer_tier=_rule_tier(customer_tier),
            defaults={"markup_percent": markup_percent},
        )
        return rule


@transaction.atomic
def pricing_rule_update(*, tenant: Tenant, actor: User | None, rule: PricingRule,
                        markup_percent: Decimal, karat: int | None = None,
                        category: Category | None = None, customer_tier: str = "") -> PricingRule:
    """Change a rule's markup or what it applies to; two rules cannot cover the same
    karat, category and tier."""
    if markup_percent < -100 or markup_percent > 1000:
        raise BusinessRuleError(_("A markup must be between -100% and 1000%."),
                                field="markup_percent")
    with tenant_context(tenant):
        rule = PricingRule.objects.select_for_update().get(pk=rule.pk)
        tier = customer_tier.strip()
        if tier.casefold() != rule.customer_tier.casefold():  # a rule kept as it was passes
            tier = _rule_tier(tier)
        if PricingRule.objects.filter(karat=karat, category=category, customer_tier=tier) \
                .exclude(pk=rule.pk).exists():
            raise BusinessRuleError(_("Another rule already covers this karat, category and tier."),
                                    field="markup_percent")
        rule.karat, rule.category, rule.customer_tier = karat, category, tier
        rule.markup_percent = markup_percent
        rule.save()
        return rule


@transaction.atomic
def pricing_rule_delete(*, tenant: Tenant, actor: User | None, rule: PricingRule) -> None:
    with tenant_context(tenant):
        PricingRule.objects.filter(pk=rule.pk).delete()


@transaction.atomic
def inventory_settings_update(*, tenant: Tenant, actor: User | None, **values: Any) -> InventorySettings:
    """The shop's tax and rate-board options (one row, created on first use)."""
    allowed = {"tax_rate_percent", "tax_on_gold", "tax_on_making", "tax_on_stone",
               "stale_after_minutes"}
    if set(values) - allowed:
        raise TypeError(f"unknown settings: {sorted(set(values) - allowed)}")
    if values.get("tax_rate_percent", 0) < 0 or values.get("tax_rate_percent", 0) > 100:
        raise BusinessRuleError(_("A tax rate is between 0% and 100%."), field="tax_rate_percent")
    with tenant_context(tenant):
        row = InventorySettings.objects.select_for_update().first() or InventorySettings()
        for key, value in values.items():
            setattr(row, key, value)
        row.save()
        return row


# Must match pricing.price_breakdown (tests/inventory/test_pricing.py compares them).
REPRICE_SQL = """
UPDATE inventory_item AS i SET price = p.total, priced_at = now(), updated_at = now()
FROM (
    SELECT i.id,
           round(g.gold, %(d)s) + round(m.making, %(d)s) + round(i.stone_value, %(d)s)
           + round((g.gold + m.making + i.stone_value) * r.f, %(d)s)
           + round(((CASE WHEN s.tax_on_gold THEN g.gold ELSE 0 END)
                   + (CASE WHEN s.tax_on_making THEN m.making ELSE 0 END)
                   + (CASE WHEN s.tax_on_stone THEN i.stone_value ELSE 0 END))
                   * (1 + r.f) * s.rate / 100, %(d)s) AS total
    FROM inventory_item i
    LEFT JOIN inventory_rateboard b ON b.code = CASE
        WHEN i.metal = 'gold' THEN 'gold' || i.karat
        WHEN i.metal IN ('silver', 'platinum') THEN i.metal END
    CROSS JOIN LATERAL (SELECT coalesce(b.sell_rate, 0) * i.net_weight AS gold) g
    CROSS JOIN LATERAL (SELECT CASE i.making_charge_mode
        WHEN 'per_gram' THEN i.making_charge_value * i.net_weight
        WHEN 'percent' THEN g.gold * i.making_charge_value / 100
        ELSE i.making_charge_value END AS making) m
    CROSS JOIN LATERAL (SELECT coalesce((
        SELECT pr.markup_percent FROM inventory_pricingrule pr
        WHERE pr.customer_tier = ''
          AND (pr.karat IS NULL OR pr.karat = i.karat)
          AND (pr.category_id IS NULL OR pr.category_id = i.category_id)
        ORDER BY (pr.category_id IS NOT NULL)::int * 2 + (pr.karat IS NOT NULL)::int DESC
        LIMIT 1), 0) / 100 AS f) r
    CROSS JOIN (SELECT coalesce(max(tax_rate_percent), 0) AS rate,
                       coalesce(bool_or(tax_on_gold), false) AS tax_on_gold,
                       coalesce(bool_or(tax_on_making), true) AS tax_on_making,
                       coalesce(bool_or(tax_on_stone), false) AS tax_on_stone
                FROM inventory_inventorysettings) s
    WHERE i.price_mode = 'rate_based' AND i.metal <> 'other'
) AS p
WHERE i.id = p.id AND i.price IS DISTINCT FROM p.total
"""


@transaction.atomic
def items_reprice(*, tenant: Tenant, actor: User | None) -> int:
    """Reprice every rate-based item of the shop from today's rate board, pricing rules and
    tax, in one set-based statement (fixed-price items and overrides are left alone).
    Returns how many prices changed."""
    with tenant_context(tenant):
        with connection.cursor() as cursor:
            cursor.execute(REPRICE_SQL, {"d": pricing.minor_unit_places(tenant.currency)})
            return cursor.rowcount


@transaction.atomic
def market_rates_store(*, feed: Any, source: str = "provider", actor: User | None = None
                       ) -> list[MarketRate]:
    """Keep every rate of a validated feed answer (rates_provider.FeedRates), all or none."""
    return [
        market_rate_record(code=code, price_per_gram=price, currency=feed.currency,
                           source=source, fetched_at=feed.as_of, actor=actor)
        for code, price in sorted(feed.rates.items())
    ]


# --- photos ------------------------------------------------------------------

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTOS_PER_ITEM = 12


def image_format_check(content: bytes, *, field: str = "photo") -> str:
    """The image format of these bytes (JPEG, PNG or WEBP), checked by content: the
    name and the browser's content type are not trusted. Refusals name `field`."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format
            image.verify()
        with Image.open(io.BytesIO(content)) as image:  # verify() leaves it unusable
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise BusinessRuleError(_("This file is not an image we can read."), field=field) from None
    if image_format not in ItemPhoto.FORMATS:
        raise BusinessRuleError(_("Upload a JPEG, PNG or WebP image."), field=field)
    return image_format


@transaction.atomic
def item_photo_add(*, tenant: Tenant, actor: User | None, item: Item, upload: Any) -> ItemPhoto:
    """Add a photo to an item: a JPEG, PNG or WebP image (checked by its content with
    Pillow) of at most 5 MB, stored through Django's default storage under a random name."""
    from django.core.files.base import ContentFile

    if upload is None:
        raise BusinessRuleError(_("Choose a photo."), field="photo")
    if upload.size > PHOTO_MAX_BYTES:
        raise BusinessRuleError(_("A photo can be at most 5 MB."), field="photo")
    content = upload.read(PHOTO_MAX_BYTES + 1)
    if len(content) > PHOTO_MAX_BYTES:
        raise BusinessRuleError(_("A photo can be at most 5 MB."), field="photo")
    image_format = image_format_check(content)
    with tenant_context(tenant):
        item = Item.objects.select_for_update().get(pk=item.pk)
        if ItemPhoto.objects.filter(item=item).count() >= PHOTOS_PER_ITEM:
            raise BusinessRuleError(
                _("An item can have at most %(n)s photos.") % {"n": PHOTOS_PER_ITEM},
                field="photo")
        content_type, ext = ItemPhoto.FORMATS[image_format]
        photo = ItemPhoto(item=item, content_type=content_type, size=len(content),
                          uploaded_by=actor)
        photo.image.save(f"photo.{ext}", ContentFile(content), save=False)
        name = photo.image.name
        try:
            photo.save()
        except Exception:
            photo.image.storage.delete(name)
            raise
        return photo


@transaction.atomic
def item_photo_delete(*, tenant: Tenant, actor: User | None, photo: ItemPhoto) -> None:
    """Remove a photo; its file goes once the deletion is committed."""
    with tenant_context(tenant):
        photo = ItemPhoto.objects.select_for_update().get(pk=photo.pk)
        storage, name = photo.image.storage, photo.image.name
        photo.delete()
        transaction.on_commit(lambda: storage.delete(name))


# --- scrap lots (old gold bought back at the counter, pos.buybacks) ---------------


@transaction.atomic
def scrap_lot_receive(*, tenant: Tenant, actor: User | None, branch: Branch, sku: str, name: str,
                      karat: int, weight: Decimal, net_weight: Decimal, cost: Decimal,
                      reference: str = "") -> Item:
    """Put bought-back old gold into stock at `branch` as one scrap lot: a single-piece
    item (gross = the weight received, net = after the melt loss, cost = what was paid,
    sold only at that fixed price) and its "buy_back" movement. The plan's item limit
    does not apply: the shop cannot refuse to take in what it has just bought."""
    with tenant_context(tenant):
        item = item_create(
            tenant=tenant, actor=actor, check_limit=False, sku=sku, name=name,
            metal=Metal.GOLD, karat=karat, gross_weight=weight, net_weight=net_weight,
            making_charge_mode=Item.MakingChargeMode.FIXED, cost=cost,
            price_mode=Item.PriceMode.FIXED, fixed_price=cost,
            tracking=Item.Tracking.SERIAL, branch=branch)
        stock_move(tenant=tenant, actor=actor, item=item, branch=branch, kind=Kind.BUY_BACK,
                   quantity=1, reference=reference)
        return item
