"""Reads of the inventory. Tenant tables are scoped by RLS alone: nothing here filters
by tenant; an id of another shop finds nothing and becomes a 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property

from tenants.access import user_branch_bound
from tenants.context import require_tenant
from tenants.models import Branch, Tenant, User
from tenants.prepared import Prepared
from tenants.search import digits_ascii, prefix_range, search_fold

from . import pricing
from .models import (
    Category,
    InventorySettings,
    Item,
    ItemPhoto,
    ItemSearchToken,
    MarketRate,
    PricingRule,
    RateAlert,
    RateBoard,
    RateCode,
    StockLevel,
    StockMovement,
    Transfer,
)

PAGE_SIZE = 25

# The register's scan: its SQL built once per process (tenants.prepared).
_ITEM_BY_CODE = Prepared(lambda code: Item.objects.filter(Q(barcode=code) | Q(sku=code))[:1], str,
                         reuse_plan=True)


@dataclass(frozen=True)
class ItemFilters:
    search: str = ""
    category_id: str = ""
    karat: int | None = None
    branch_id: str = ""
    status: str = ""  # "", "active", "inactive"


def _stock_subquery(branch_id: str = "") -> Subquery:
    levels = StockLevel.objects.filter(item=OuterRef("pk"))
    if branch_id:
        levels = levels.filter(branch_id=branch_id)
    return Subquery(
        levels.order_by().values("item").annotate(total=Sum("quantity")).values("total")[:1],
        output_field=IntegerField(),
    )


def _token_matches(search: str) -> QuerySet[ItemSearchToken] | None:
    """Item ids whose tokens start with every typed word (up to five), intersected
    inside the token table (nested semi-joins), or None for an empty search."""
    words = search_fold(search).split()[:5]
    if not words:
        return None
    matches = None
    for word in reversed(words):
        tokens = prefix_range(ItemSearchToken.objects.all(), "token", word)
        if matches is not None:
            tokens = tokens.filter(item_id__in=matches)
        matches = tokens.values("item_id")
    return matches


def item_search_filter(search: str) -> Q | None:
    """Items with every typed word (up to five) starting one of their search tokens:
    a name word or a hyphen part of it, the SKU, the barcode, the serial number (all
    folded: lower case, ASCII digits, Arabic-keyboard ي/ك as Persian ی/ک).

    A trigram index on the name is never used under RLS (LIKE is not leakproof; see
    ItemSearchToken), so each word is a range of the (tenant_id, token) index, and
    the items table is read only for the matches.
    """
    matches = _token_matches(search)
    return None if matches is None else Q(pk__in=matches)


def _is_exact_code(search: str) -> Q | None:
    """SKU or barcode exactly as typed or scanned (upper case, ASCII digits too), if
    an item has it."""
    codes = {search, search.upper(), digits_ascii(search), digits_ascii(search).upper()}
    exact = Q()
    for code in sorted(codes):
        exact |= Q(sku=code) | Q(barcode=code)
    return exact if Item.objects.filter(exact).exists() else None


def item_search(queryset: QuerySet[Item], search: str) -> QuerySet[Item]:
    """SKU or barcode exactly (what a scanner types), else words of the name or codes.

    Two steps, not one OR: under RLS the planner cannot see which tenant it serves
    and estimates one shop's rows at the table's average, so an OR of the conditions
    ends up reading every row of a big shop. An exact code is answered by the unique
    (tenant_id, sku) / (tenant_id, barcode) indexes; the rest by item_search_filter().
    """
    search = search.strip()
    if not search:
        return queryset
    exact = _is_exact_code(search)
    if exact is not None:
        return queryset.filter(exact)
    condition = item_search_filter(search)
    return queryset if condition is None else queryset.filter(condition)


# A word matching this many items or more: the page walks the (tenant_id, sku) index
# and checks each item against the hashed matches, instead of reading every match.
DENSE_MATCHES = 1000


def item_list(*, filters: ItemFilters = ItemFilters()) -> QuerySet[Item]:
    """The item list page's rows, in SKU order. Page it with item_page(): for a word
    search it carries what the paginator needs to count and page the matches cheaply
    (see ItemPaginator)."""
    items = Item.objects.select_related("category").annotate(
        stock=Coalesce(_stock_subquery(filters.branch_id), 0)
    ).order_by("sku")
    search = filters.search.strip()
    matches = walk = None
    exact = _is_exact_code(search) if search else None
    if exact is not None:
        items = items.filter(exact)
    elif search:
        matches = _token_matches(search)
    if matches is not None:
        # Same rows two ways: a semi-join (few matches: read only them) and an OR that
        # keeps the matches a hashed subplan (many matches: walk the SKU index and stop
        # after the page; PostgreSQL cannot pull an IN under an OR up into a join).
        walk = items.filter(Q(pk__in=matches) | Q(pk__isnull=True))
        items = items.filter(pk__in=matches)
    extra = Q()  # filters other than the search and the status
    if filters.category_id:
        extra &= Q(category_id=filters.category_id) | Q(category__parent_id=filters.category_id)
    if filters.karat:
        extra &= Q(karat=filters.karat)
    if filters.branch_id:
        extra &= Q(stock_levels__branch_id=filters.branch_id, stock_levels__quantity__gt=0)
    status = Q()
    if filters.status == "active":
        status = Q(is_active=True)
    elif filters.status == "inactive":
        status = Q(is_active=False)
    if extra or status:
        items = items.filter(extra & status)
        walk = walk.filter(extra & status) if walk is not None else None
    if matches is not None:
        items._item_search = _SearchPlan(  # type: ignore[attr-defined]
            walk=walk, matches=None if extra else matches, status=filters.status)
    return items


@dataclass(frozen=True)
class _SearchPlan:
    walk: QuerySet[Item]  # the same rows, paged by walking the SKU index
    matches: QuerySet[ItemSearchToken] | None  # the matches, when only the status filters
    status: str


class ItemPaginator(Paginator):
    """A paginator for item_list(): a word search with no other filter is counted in
    the token table (index-only), and a page of many matches is read by walking the
    SKU index (a few hundred rows) instead of fetching every match to sort them."""

    def __init__(self, items: QuerySet[Item], per_page: int) -> None:
        super().__init__(items, per_page)
        self._plan: _SearchPlan | None = getattr(items, "_item_search", None)

    @cached_property
    def count(self) -> int:
        plan = self._plan
        if plan is not None and plan.matches is not None:
            inactive = 0
            if plan.status in ("active", "inactive"):
                # Read through the small partial index tenant_item_inactive.
                inactive = Item.objects.filter(is_active=False, pk__in=plan.matches).count()
                if plan.status == "inactive":
                    return inactive
            return plan.matches.order_by().aggregate(
                n=Count("item_id", distinct=True))["n"] - inactive
        return super().count

    def page(self, number: Any) -> Page:
        if self._plan is not None and self.count >= DENSE_MATCHES:
            number = self.validate_number(number)
            bottom = (number - 1) * self.per_page
            return self._get_page(self._plan.walk[bottom:bottom + self.per_page], number, self)
        return super().page(number)


def item_page(items: QuerySet[Item], page: str | int | None) -> Page:
    return ItemPaginator(items, PAGE_SIZE).get_page(page)


def item_get(*, item_id: object) -> Item:
    """An item of this shop; another shop's id is a 404, like a missing one."""
    try:
        return Item.objects.select_related("category", "branch", "override_by").get(pk=item_id)
    except (Item.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def item_get_by_code(*, code: str) -> Item | None:
    """The item a scanner read (barcode) or a SKU typed; None if there is none."""
    code = code.strip()
    if not code:
        return None
    return _ITEM_BY_CODE.first(code)


def items_by_ids(ids: list[Any]) -> list[Item]:
    return list(Item.objects.filter(pk__in=ids).order_by("sku"))


def item_stock(*, item: Item) -> list[StockLevel]:
    return list(StockLevel.objects.filter(item=item).select_related("branch")
                .order_by("branch__name"))


def item_movements(*, item: Item, limit: int = 100) -> list[StockMovement]:
    return list(StockMovement.objects.filter(item=item).select_related("branch", "actor")
                .order_by("-created_at")[:limit])


def category_list() -> list[Category]:
    """Categories in tree order, each with `depth` set."""
    categories = list(Category.objects.order_by("name"))
    children: dict[Any, list[Category]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c)
    ordered: list[Category] = []

    def walk(parent: Any, depth: int) -> None:
        for c in children.get(parent, []):
            c.depth = depth  # type: ignore[attr-defined]
            c.label = "– " * depth + c.name  # type: ignore[attr-defined]
            ordered.append(c)
            walk(c.pk, depth + 1)

    walk(None, 0)
    return ordered


def branch_options() -> QuerySet[Branch]:
    return Branch.objects.filter(is_active=True).order_by("name")


def low_stock_list() -> QuerySet[Item]:
    """Active items with a threshold whose stock (all branches) is at or below it."""
    return (
        Item.objects.filter(is_active=True, low_stock_threshold__gt=0)
        .annotate(stock=Coalesce(_stock_subquery(), 0))
        .filter(stock__lte=F("low_stock_threshold"))
        .select_related("category")
        .order_by("stock", "sku")
    )


# --- rates -------------------------------------------------------------------


@dataclass(frozen=True)
class RateLine:
    code: str
    label: str
    entry: RateBoard | None
    market: MarketRate | None
    stale: bool
    per_unit: list[tuple[str, Decimal, Decimal]]  # (unit, buy, sell)


UNIT_ORDER = ("gram", "mesghal", "tola", "troy_ounce")


def market_latest(*, currency: str) -> dict[str, MarketRate]:
    return {
        r.code: r
        for r in MarketRate.objects.filter(currency=currency).order_by("code", "-fetched_at")
        .distinct("code")
    }


def inventory_settings() -> InventorySettings:
    return InventorySettings.objects.first() or InventorySettings()


def rate_board(*, tenant: Tenant) -> list[RateLine]:
    """Every rate of the board with its market rate, per-unit figures and a stale flag
    (the market rate behind a follow-the-market line is older than the shop's threshold)."""
    entries = {e.code: e for e in RateBoard.objects.all()}
    market = market_latest(currency=tenant.currency)
    limit = timedelta(minutes=inventory_settings().stale_after_minutes)
    now = timezone.now()
    lines = []
    for code, label in RateCode.choices:
        entry, rate = entries.get(code), market.get(code)
        stale = bool(
            entry and entry.mode == RateBoard.Mode.FOLLOW_MARKET
            and (rate is None or now - rate.fetched_at > limit)
        )
        per_unit = []
        if entry:
            per_unit = [(u, pricing.rate_per_unit(entry.buy_rate, u),
                         pricing.rate_per_unit(entry.sell_rate, u)) for u in UNIT_ORDER]
        lines.append(RateLine(code, str(label), entry, rate, stale, per_unit))
    return lines


def market_rate_history(*, code: str, currency: str, limit: int = 60) -> list[MarketRate]:
    return list(MarketRate.objects.filter(code=code, currency=currency)
                .order_by("-fetched_at")[:limit])


# --- valuation ---------------------------------------------------------------

GROUPS = {"branch": "branch__name", "category": "item__category__name", "karat": "item__karat"}


def valuation(*, group_by: str = "branch") -> list[dict[str, Any]]:
    """Stock on hand valued at cost and at today's rate (metal at the board's sell rate x
    net weight, plus stone value), grouped by branch, category or karat."""
    key = GROUPS.get(group_by, GROUPS["branch"])
    rates = dict(RateBoard.objects.values_list("code", "sell_rate"))
    rate_case = Case(
        *[When(item__metal="gold", item__karat=int(code[4:]), then=Value(rate))
          for code, rate in rates.items() if code.startswith("gold")],
        *[When(item__metal=code, then=Value(rate))
          for code, rate in rates.items() if not code.startswith("gold")],
        default=Value(Decimal(0)),
        output_field=DecimalField(max_digits=16, decimal_places=4),
    )
    money = DecimalField(max_digits=20, decimal_places=4)
    rows = (
        StockLevel.objects.filter(quantity__gt=0)
        .values(group=F(key))
        .annotate(
            pieces=Sum("quantity"),
            weight=Sum(ExpressionWrapper(F("quantity") * F("item__net_weight"), output_field=money)),
            at_cost=Sum(ExpressionWrapper(F("quantity") * F("item__cost"), output_field=money)),
            at_rate=Sum(ExpressionWrapper(
                F("quantity") * (F("item__net_weight") * rate_case + F("item__stone_value")),
                output_field=money)),
        )
        .order_by("group")
    )
    return list(rows)


GOLD_CODES = ("gold24", "gold22", "gold21", "gold18", "gold14")


def rate_history_chart(*, currency: str, days: int = 90, limit: int = 500) -> dict[str, Any]:
    """Market gold rates per gram of the last `days` days (the stored MarketRate rows,
    the newest `limit` of them), shaped for a Chart.js line chart: one label per fetch
    time (ISO) and one series per gold karat (None where a fetch lacked it)."""
    since = timezone.now() - timedelta(days=days)
    rows = list(MarketRate.objects.filter(currency=currency, code__in=GOLD_CODES,
                                          fetched_at__gte=since)
                .order_by("-fetched_at").values_list("fetched_at", "code", "price_per_gram")[:limit])
    times = sorted({at for at, _c, _p in rows})
    index = {at: i for i, at in enumerate(times)}
    labels = dict(RateCode.choices)
    series: dict[str, list[float | None]] = {}
    for at, code, price in rows:
        series.setdefault(code, [None] * len(times))[index[at]] = float(price)
    return {
        "labels": [timezone.localtime(at).strftime("%Y-%m-%d %H:%M") for at in times],
        "datasets": [{"label": str(labels[code]), "data": series[code]}
                     for code in GOLD_CODES if code in series],
    }


def rate_alert_list() -> QuerySet[RateAlert]:
    return RateAlert.objects.all()


def rate_alert_get(*, alert_id: object) -> RateAlert:
    try:
        return RateAlert.objects.get(pk=alert_id)
    except (RateAlert.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def category_get(*, category_id: object) -> Category:
    try:
        return Category.objects.select_related("parent").get(pk=category_id)
    except (Category.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def category_item_counts() -> dict[Any, int]:
    return dict(Item.objects.order_by().values("category_id").annotate(n=Count("pk"))
                .values_list("category_id", "n"))


def pricing_rule_list() -> QuerySet[PricingRule]:
    return PricingRule.objects.select_related("category").order_by(
        "customer_tier", "karat", "category__name")


def pricing_rule_get(*, rule_id: object) -> PricingRule:
    try:
        return PricingRule.objects.select_related("category").get(pk=rule_id)
    except (PricingRule.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def item_photos(*, item: Item) -> list[ItemPhoto]:
    return list(ItemPhoto.objects.filter(item=item).order_by("created_at"))


def item_photo_get(*, photo_id: object) -> ItemPhoto:
    """A photo of this shop (RLS); another shop's id is a 404."""
    try:
        return ItemPhoto.objects.get(pk=photo_id)
    except (ItemPhoto.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- dashboard widgets -------------------------------------------------------

# Stock on hand per branch, at cost and at today's rate (the valuation page's measure:
# metal at the board's sell rate per gram x net weight, plus stone value), in one
# statement: the board line an item is priced by is joined as in REPRICE_SQL.
INVENTORY_VALUE_SQL = """
SELECT b.id, b.name, sum(s.quantity) AS pieces,
       sum(s.quantity * i.cost) AS at_cost,
       sum(s.quantity * (i.net_weight * coalesce(r.sell_rate, 0) + i.stone_value)) AS at_rate
FROM inventory_stocklevel s
JOIN inventory_item i ON i.id = s.item_id
JOIN tenants_branch b ON b.id = s.branch_id
LEFT JOIN inventory_rateboard r ON r.code = CASE
    WHEN i.metal = 'gold' THEN 'gold' || i.karat
    WHEN i.metal IN ('silver', 'platinum') THEN i.metal END
WHERE s.quantity > 0
GROUP BY b.id, b.name
ORDER BY b.name
"""


def inventory_value_by_branch() -> dict[str, Any]:
    """The dashboard's inventory value at today's rate per branch and in total (one query)."""
    require_tenant()
    with connection.cursor() as cursor:
        cursor.execute(INVENTORY_VALUE_SQL)
        rows = [{"branch_id": r[0], "branch": r[1], "pieces": int(r[2] or 0),
                 "at_cost": r[3] or Decimal(0), "at_rate": r[4] or Decimal(0)}
                for r in cursor.fetchall()]
    return {"branches": rows,
            "pieces": sum(r["pieces"] for r in rows),
            "at_cost": sum((r["at_cost"] for r in rows), Decimal(0)),
            "at_rate": sum((r["at_rate"] for r in rows), Decimal(0))}


LOW_STOCK_WIDGET_LINES = 5


def low_stock_summary(*, lines: int = LOW_STOCK_WIDGET_LINES) -> dict[str, Any]:
    """The dashboard's low-stock widget: how many active items are at or below their
    threshold (the alert emails' list) and the first few, lowest stock first (one query:
    the count rides along as a window over the same rows)."""
    items = list(low_stock_list().annotate(low_count=Window(Count("id")))[:lines])
    return {"count": items[0].low_count if items else 0, "items": items}


# --- transfers a user may see ---------------------------------------------------------


def transfers_visible(user: User) -> QuerySet[Transfer]:
    """A branch-bound salesperson's or cashier's transfers are those leaving or coming
    to their branch; owners, managers and staff without a branch see all
    (tenants.access.user_branch_bound). The tenant is RLS's business."""
    rows = Transfer.objects.all()
    if user_branch_bound(user):
        rows = rows.filter(Q(source_id=user.branch_id) | Q(destination_id=user.branch_id))
    return rows


def transfer_list(*, user: User, status: str = "", branch_id: object = None
                  ) -> QuerySet[Transfer]:
    """Transfers `user` may see, newest first, of `status` and touching `branch_id`."""
    rows = transfers_visible(user).select_related("source", "destination")
    if status:
        rows = rows.filter(status=status)
    if branch_id:
        rows = rows.filter(Q(source_id=branch_id) | Q(destination_id=branch_id))
    return rows.order_by("-number")


def transfer_get(*, transfer_id: object, user: User) -> Transfer:
    """A transfer `user` may see, with its branches, or 404 (another branch's is missing
    for a bound user, as another shop's is for everyone)."""
    try:
        found = (transfers_visible(user).filter(pk=transfer_id)
                 .select_related("source", "destination").first())
    except (ValueError, ValidationError):
        found = None
    if found is None:
        raise Http404
    return found
