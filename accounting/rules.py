"""Posting rules: which journal entry each domain event becomes.

Sources are read under the tenant scope (RLS). Each source knows its pending
events and how to post one; `services.journal_post` makes it happen once.

sale.completed (pos.SaleEvent)
    Dr cash (cash taken net of change), card clearing, store credit owed,
       gift cards outstanding, loyalty points redeemed   -- by tender
    Cr sales (total net of tax), tax payable (tax included in the prices)
    Dr cost of goods sold / Cr jewelry stock             -- item cost x quantity
stock movements (inventory.StockMovement)
    purchase receipt: Dr jewelry stock / Cr suppliers payable (cost x quantity)
    adjustment:       Dr/Cr jewelry stock against stock adjustments (cost x quantity)
    (sales, returns and buy-backs move stock through their own events; transfers
    between branches do not change the shop's books)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from inventory.models import StockMovement
from pos.models import Payment, Sale, SaleEvent, SaleLine

from . import services
from .models import Posting
from .services import Books, Line

ZERO = Decimal("0")

TENDER_ACCOUNT = {
    Payment.Method.CASH: "cash",
    Payment.Method.CARD: "card",
    Payment.Method.STORE_CREDIT: "store_credit",
    Payment.Method.GIFT_CARD: "gift_cards",
    Payment.Method.POINTS: "loyalty",
}


def sale_lines(sale: Sale) -> list[Line]:
    """The balanced lines of a completed sale."""
    ref = sale.display_number
    lines: list[Line] = []
    for payment in Payment.objects.filter(sale=sale):
        lines.append(Line(TENDER_ACCOUNT[payment.method], debit=payment.net_amount, memo=ref))
    lines.append(Line("sales", credit=sale.total - sale.tax_total, memo=ref))
    lines.append(Line("tax_payable", credit=sale.tax_total, memo=ref))
    cost = sale_cost(sale)
    lines.append(Line("cogs", debit=cost, memo=ref))
    lines.append(Line("jewelry_stock", credit=cost, memo=ref))
    return lines


def sale_cost(sale: Sale) -> Decimal:
    return sum((line.item.cost * line.quantity
                for line in SaleLine.objects.filter(sale=sale).select_related("item")), ZERO)


def _sale_completed(books: Books, event: SaleEvent) -> Posting | None:
    sale = event.sale
    lines = sale_lines(sale)
    posting = services.journal_post(
        books=books, source=Posting.Source.SALE_EVENT, source_id=event.pk, kind=event.kind,
        lines=lines, occurred_at=sale.created_at, reference=sale.display_number,
        description=f"Sale {sale.display_number}")
    if posting is not None:
        cost = sum((ln.debit for ln in lines if ln.account == "cogs"), ZERO)
        services.sales_day_add(day=timezone.localtime(sale.created_at).date(),
                               branch_id=sale.branch_id, count=1, sales=sale.total,
                               tax=sale.tax_total, cost=cost)
    return posting


SALE_EVENT_RULES: dict[str, Callable[[Books, SaleEvent], Posting | None]] = {
    SaleEvent.Kind.SALE_COMPLETED: _sale_completed,
}


@dataclass(frozen=True)
class Source:
    name: str
    pending: Callable[..., Iterable[Any]]
    post: Callable[..., Posting | None]


def _sale_events_pending(*, limit: int) -> list[SaleEvent]:
    return list(SaleEvent.objects.filter(posted_at__isnull=True, kind__in=SALE_EVENT_RULES)
                .select_related("sale").order_by("created_at")[:limit])


def _sale_event_post(*, books: Books, event: SaleEvent) -> Posting | None:
    posting = SALE_EVENT_RULES[event.kind](books, event)
    SaleEvent.objects.filter(pk=event.pk, posted_at__isnull=True).update(
        posted_at=timezone.now())
    return posting


MOVEMENT_KINDS = (StockMovement.Kind.PURCHASE_RECEIPT, StockMovement.Kind.ADJUSTMENT)


def movement_lines(movement: StockMovement) -> list[Line]:
    value = movement.item.cost * abs(movement.quantity)
    ref = movement.reference or movement.item.sku
    if movement.kind == StockMovement.Kind.PURCHASE_RECEIPT:
        return [Line("jewelry_stock", debit=value, memo=ref), Line("payable", credit=value, memo=ref)]
    if movement.quantity > 0:
        return [Line("jewelry_stock", debit=value, memo=ref),
                Line("shrinkage", credit=value, memo=ref)]
    return [Line("shrinkage", debit=value, memo=ref), Line("jewelry_stock", credit=value, memo=ref)]


def _movements_pending(*, limit: int) -> list[StockMovement]:
    posted = Posting.objects.filter(source=Posting.Source.STOCK_MOVEMENT, source_id=OuterRef("pk"))
    return list(StockMovement.objects.filter(kind__in=MOVEMENT_KINDS)
                .exclude(Exists(posted)).select_related("item").order_by("created_at")[:limit])


def _movement_post(*, books: Books, event: StockMovement) -> Posting | None:
    return services.journal_post(
        books=books, source=Posting.Source.STOCK_MOVEMENT, source_id=event.pk, kind=event.kind,
        lines=movement_lines(event), occurred_at=event.created_at,
        reference=event.reference or event.item.sku,
        description=f"Stock {event.kind} {event.item.sku} x{event.quantity}")


# Stock first: a sale's cost leaves stock that its receipt brought in.
SOURCES: tuple[Source, ...] = (
    Source("inventory.stockmovement", _movements_pending, _movement_post),
    Source("pos.saleevent", _sale_events_pending, _sale_event_post),
)
