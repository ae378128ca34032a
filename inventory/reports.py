"""Report selectors of the inventory: dead stock and turnover.

Reads only, scoped by RLS like inventory.selectors (nothing filters by tenant).
Both are computed from StockMovement, the ledger every stock change writes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    DateTimeField,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Item, StockLevel, StockMovement

DEAD_STOCK_DAYS = 180
Kind = StockMovement.Kind


# --- dead stock --------------------------------------------------------------


@dataclass(frozen=True)
class DeadStockFilters:
    days: int = DEAD_STOCK_DAYS
    branch_id: str = ""
    category_id: str = ""


def dead_stock(*, filters: DeadStockFilters = DeadStockFilters(),
               now: datetime.datetime | None = None) -> QuerySet[Item]:
    """Items with stock (at the branch, when one is chosen) that nothing has taken out of
    stock for `days` days: their last outbound movement (a sale, a transfer out, a piece
    used in a repair, a negative adjustment) is older than that, or, when nothing ever
    left, their first movement (the receipt) is. Annotated with `stock`, `last_out`
    (None when nothing ever left), `since` (the date that counts) and `idle_days`;
    oldest first."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=filters.days)
    moves = StockMovement.objects.filter(item=OuterRef("pk"))
    levels = StockLevel.objects.filter(item=OuterRef("pk"))
    if filters.branch_id:
        moves = moves.filter(branch_id=filters.branch_id)
        levels = levels.filter(branch_id=filters.branch_id)

    def one(qs: QuerySet, **aggregate: Any) -> Subquery:
        (name, expression), = aggregate.items()
        field = IntegerField() if name == "total" else DateTimeField()
        return Subquery(qs.order_by().values("item").annotate(**{name: expression})
                        .values(name)[:1], output_field=field)

    items = (
        Item.objects.select_related("category")
        .annotate(
            stock=Coalesce(one(levels, total=Sum("quantity")), 0),
            last_out=one(moves.filter(quantity__lt=0), at=Max("created_at")),
            first_in=one(moves, at=Min("created_at")),
        )
        .annotate(since=Coalesce(F("last_out"), F("first_in")))
        .filter(stock__gt=0, since__lt=cutoff)
        .order_by("since", "sku")
    )
    if filters.category_id:
        items = items.filter(Q(category_id=filters.category_id)
                             | Q(category__parent_id=filters.category_id))
    return items


def idle_days(since: datetime.datetime | None, now: datetime.datetime | None = None) -> int | None:
    if since is None:
        return None
    return ((now or timezone.now()) - since).days


# --- turnover ----------------------------------------------------------------


@dataclass(frozen=True)
class TurnoverFilters:
    start: datetime.date
    end: datetime.date  # inclusive
    branch_id: str = ""
    category_id: str = ""


@dataclass
class TurnoverRow:
    """Figures of one item or one category over the range."""

    key: Any
    label: str
    sku: str = ""
    sold: int = 0
    opening: int = 0
    closing: int = 0
    cogs: Decimal = Decimal(0)

    @property
    def average_stock(self) -> Decimal:
        return (Decimal(self.opening) + Decimal(self.closing)) / 2

    @property
    def turnover(self) -> Decimal | None:
        """Units sold / average stock (None when the average is zero)."""
        average = self.average_stock
        if not average:
            return None
        return (Decimal(self.sold) / average).quantize(Decimal("0.01"))


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def turnover(*, filters: TurnoverFilters) -> tuple[list[TurnoverRow], list[TurnoverRow], TurnoverRow]:
    """Per item, per category and in total, over [start, end] (whole days, the shop's time
    zone): units sold (sales less returns), opening and closing stock, average stock =
    (opening + closing) / 2, turnover = sold / average stock, and the cost of goods sold
    = units sold x the item's cost. Items that had neither stock nor sales are left out.
    Items are in SKU order, categories by name (no category last)."""
    start, end = _day_start(filters.start), _day_start(filters.end + datetime.timedelta(days=1))
    moves = StockMovement.objects.filter(created_at__lt=end)
    if filters.branch_id:
        moves = moves.filter(branch_id=filters.branch_id)
    if filters.category_id:
        moves = moves.filter(Q(item__category_id=filters.category_id)
                             | Q(item__category__parent_id=filters.category_id))
    in_range = Q(created_at__gte=start)
    rows = (
        moves.order_by()
        .values("item_id", "item__sku", "item__name", "item__cost", "item__category_id",
                "item__category__name")
        .annotate(
            opening=Coalesce(Sum("quantity", filter=Q(created_at__lt=start)), 0),
            closing=Coalesce(Sum("quantity"), 0),
            sold=Coalesce(Sum(-F("quantity"), filter=in_range & Q(kind__in=[Kind.SALE, Kind.RETURN])), 0),
        )
        .order_by("item__sku")
    )
    items: list[TurnoverRow] = []
    categories: dict[Any, TurnoverRow] = {}
    total = TurnoverRow(key=None, label="")
    for r in rows:
        if not (r["opening"] or r["closing"] or r["sold"]):
            continue
        cogs = r["sold"] * r["item__cost"]
        row = TurnoverRow(key=r["item_id"], label=r["item__name"], sku=r["item__sku"],
                          sold=r["sold"], opening=r["opening"], closing=r["closing"], cogs=cogs)
        items.append(row)
        group = categories.setdefault(
            r["item__category_id"],
            TurnoverRow(key=r["item__category_id"], label=r["item__category__name"] or ""))
        for target in (group, total):
            target.sold += row.sold
            target.opening += row.opening
            target.closing += row.closing
            target.cogs += row.cogs
    ordered = sorted(categories.values(), key=lambda c: (c.key is None, c.label.lower()))
    return items, ordered, total
