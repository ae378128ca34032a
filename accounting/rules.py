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
sale.returned (pos.SaleEvent)
    Dr sales returns (refund net of tax), tax payable (its tax)
    Cr cash, card clearing, store credit owed, gift cards outstanding (or exchange
       and trade-in credit for an exchange), loyalty points  -- by refund
    Dr jewelry stock / Cr cost of goods sold             -- item cost x returned quantity
buyback.completed (pos.SaleEvent)
    Dr scrap gold / Cr cash (paid in cash) or exchange and trade-in credit
repair payments (repairs.RepairPayment)
    deposit, balance at delivery: Dr cash or card clearing / Cr repair deposits
    deposit paid back:            Dr repair deposits / Cr cash or card clearing
repair delivered (repairs.RepairOrder, status delivered)
    Dr repair deposits / Cr repair income        -- the order's price (its estimate):
    the deposit and the balance collected, held until the piece goes back, become income
repair cancelled with its deposit kept (repairs.RepairOrder, deposit_kept > 0)
    Dr repair deposits / Cr forfeited deposits   -- what was held; no cash moves
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
from pos.models import BuyBack, Payment, Refund, Sale, SaleEvent, SaleLine, SaleReturn
from repairs.models import RepairOrder, RepairPayment
from repairs.models import Status as RepairStatus

from . import services
from .models import Posting, PostingFailure
from .services import Books, Line

ZERO = Decimal("0")

TENDER_ACCOUNT = {
    Payment.Method.CASH: "cash",
    Payment.Method.CARD: "card",
    Payment.Method.STORE_CREDIT: "store_credit",
    Payment.Method.GIFT_CARD: "gift_cards",
    Payment.Method.POINTS: "loyalty",
    # Old gold bought back into the sale (BuyBack settlement "sale": Cr trade_in).
    Payment.Method.OLD_GOLD: "trade_in",
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


def return_lines(ret: SaleReturn) -> list[Line]:
    ref = ret.display_number
    lines = [Line("returns", debit=ret.total - ret.tax_total, memo=ref),
             Line("tax_payable", debit=ret.tax_total, memo=ref)]
    exchange = ret.settlement == SaleReturn.Settlement.EXCHANGE
    for refund in Refund.objects.filter(sale_return=ret):
        account = TENDER_ACCOUNT[refund.method]
        if exchange and refund.method == Refund.Method.GIFT_CARD:
            account = "trade_in"
        lines.append(Line(account, credit=refund.amount, memo=ref))
    cost = return_cost(ret)
    lines += [Line("jewelry_stock", debit=cost, memo=ref), Line("cogs", credit=cost, memo=ref)]
    return lines


def return_cost(ret: SaleReturn) -> Decimal:
    return sum((line.sale_line.item.cost * line.quantity
                for line in ret.lines.select_related("sale_line__item")), ZERO)


def _sale_returned(books: Books, event: SaleEvent) -> Posting | None:
    ret = SaleReturn.objects.select_related("sale").get(pk=event.sale_return_id)
    lines = return_lines(ret)
    posting = services.journal_post(
        books=books, source=Posting.Source.SALE_EVENT, source_id=event.pk, kind=event.kind,
        lines=lines, occurred_at=ret.created_at, reference=ret.display_number,
        description=f"Return {ret.display_number} of sale {ret.sale.display_number}")
    if posting is not None:
        services.sales_day_add(day=timezone.localtime(ret.created_at).date(),
                               branch_id=ret.branch_id, returns=ret.total,
                               cost=-return_cost(ret))
    return posting


def buy_back_lines(row: BuyBack) -> list[Line]:
    ref = row.display_number
    paid = "cash" if row.settlement == BuyBack.Settlement.CASH else "trade_in"
    return [Line("scrap_gold", debit=row.payout, memo=ref), Line(paid, credit=row.payout, memo=ref)]


def _buy_back_completed(books: Books, event: SaleEvent) -> Posting | None:
    row = BuyBack.objects.get(pk=event.buy_back_id)
    posting = services.journal_post(
        books=books, source=Posting.Source.SALE_EVENT, source_id=event.pk, kind=event.kind,
        lines=buy_back_lines(row), occurred_at=row.created_at, reference=row.display_number,
        description=f"Buy-back {row.display_number}, {row.fine_weight} g fine")
    if posting is not None:
        services.sales_day_add(day=timezone.localtime(row.created_at).date(),
                               branch_id=row.branch_id, buybacks=row.payout)
    return posting


SALE_EVENT_RULES: dict[str, Callable[[Books, SaleEvent], Posting | None]] = {
    SaleEvent.Kind.SALE_COMPLETED: _sale_completed,
    SaleEvent.Kind.SALE_RETURNED: _sale_returned,
    SaleEvent.Kind.BUYBACK_COMPLETED: _buy_back_completed,
}


@dataclass(frozen=True)
class Source:
    name: str
    pending: Callable[..., Iterable[Any]]
    post: Callable[..., Posting | None]
    model: Any = None
    # For the failures page: how to find an event again and name it.
    select: tuple[str, ...] = ()
    reference: Callable[[Any], str] = lambda event: ""
    occurred_at: Callable[[Any], Any] = lambda event: None

    def get(self, pk: Any) -> Any:
        return self.model.objects.filter(pk=pk).select_related(*self.select).first()


def not_failed(name: str) -> Exists:
    """Events of source `name` that have a PostingFailure are left to the owner."""
    return Exists(PostingFailure.objects.filter(source=name, source_id=OuterRef("pk")))


def _sale_events_pending(*, limit: int) -> list[SaleEvent]:
    return list(SaleEvent.objects.filter(posted_at__isnull=True, kind__in=SALE_EVENT_RULES)
                .exclude(not_failed("pos.saleevent"))
                .select_related("sale").order_by("created_at", "pk")[:limit])


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
                .exclude(Exists(posted)).exclude(not_failed("inventory.stockmovement"))
                .select_related("item").order_by("created_at")[:limit])


def _movement_post(*, books: Books, event: StockMovement) -> Posting | None:
    return services.journal_post(
        books=books, source=Posting.Source.STOCK_MOVEMENT, source_id=event.pk, kind=event.kind,
        lines=movement_lines(event), occurred_at=event.created_at,
        reference=event.reference or event.item.sku,
        description=f"Stock {event.kind} {event.item.sku} x{event.quantity}")


def repair_payment_lines(payment: RepairPayment) -> list[Line]:
    ref = f"R-{payment.order.number} {payment.display_number}"
    tender = "cash" if payment.method == RepairPayment.Method.CASH else "card"
    if payment.kind == RepairPayment.Kind.REFUND:
        return [Line("repair_deposits", debit=payment.amount, memo=ref),
                Line(tender, credit=payment.amount, memo=ref)]
    return [Line(tender, debit=payment.amount, memo=ref),
            Line("repair_deposits", credit=payment.amount, memo=ref)]


def _repair_payments_pending(*, limit: int) -> list[RepairPayment]:
    posted = Posting.objects.filter(source=Posting.Source.REPAIR_PAYMENT, source_id=OuterRef("pk"))
    return list(RepairPayment.objects.exclude(Exists(posted))
                .exclude(not_failed("repairs.repairpayment")).select_related("order")
                .order_by("created_at", "pk")[:limit])


def _repair_payment_post(*, books: Books, event: RepairPayment) -> Posting | None:
    return services.journal_post(
        books=books, source=Posting.Source.REPAIR_PAYMENT, source_id=event.pk,
        kind=f"repair.{event.kind}", lines=repair_payment_lines(event),
        occurred_at=event.created_at, reference=event.display_number,
        description=f"Repair R-{event.order.number}: {event.kind} {event.display_number}")


def repair_delivery_lines(order: RepairOrder) -> list[Line]:
    ref = f"R-{order.number}"
    price = order.estimate_total
    return [Line("repair_deposits", debit=price, memo=ref),
            Line("repair_income", credit=price, memo=ref)]


def _repair_deliveries_pending(*, limit: int) -> list[RepairOrder]:
    posted = Posting.objects.filter(source=Posting.Source.REPAIR_DELIVERY,
                                    source_id=OuterRef("pk"))
    return list(RepairOrder.objects.filter(status=RepairStatus.DELIVERED)
                .exclude(Exists(posted)).exclude(not_failed("repairs.delivery"))
                .order_by("closed_at", "pk")[:limit])


def _repair_delivery_post(*, books: Books, event: RepairOrder) -> Posting | None:
    return services.journal_post(
        books=books, source=Posting.Source.REPAIR_DELIVERY, source_id=event.pk,
        kind="repair.delivered", lines=repair_delivery_lines(event),
        occurred_at=event.closed_at or event.updated_at, reference=f"R-{event.number}",
        description=f"Repair R-{event.number} delivered")


def repair_forfeit_lines(order: RepairOrder) -> list[Line]:
    ref = f"R-{order.number}"
    return [Line("repair_deposits", debit=order.deposit_kept, memo=ref),
            Line("forfeited_deposits", credit=order.deposit_kept, memo=ref)]


def _repair_forfeits_pending(*, limit: int) -> list[RepairOrder]:
    posted = Posting.objects.filter(source=Posting.Source.REPAIR_FORFEIT,
                                    source_id=OuterRef("pk"))
    return list(RepairOrder.objects.filter(status=RepairStatus.CANCELLED, deposit_kept__gt=0)
                .exclude(Exists(posted)).exclude(not_failed("repairs.forfeit"))
                .order_by("closed_at", "pk")[:limit])


def _repair_forfeit_post(*, books: Books, event: RepairOrder) -> Posting | None:
    return services.journal_post(
        books=books, source=Posting.Source.REPAIR_FORFEIT, source_id=event.pk,
        kind="repair.forfeit", lines=repair_forfeit_lines(event),
        occurred_at=event.closed_at or event.updated_at, reference=f"R-{event.number}",
        description=f"Repair R-{event.number} cancelled: deposit kept")


# Stock first: a sale's cost leaves stock that its receipt brought in. A repair's
# payments before its delivery.
def _sale_event_reference(event: SaleEvent) -> str:
    if event.sale_id:
        return event.sale.display_number
    if event.sale_return_id:
        return event.sale_return.display_number
    return event.buy_back.display_number if event.buy_back_id else ""


def _sale_event_when(event: SaleEvent) -> Any:
    subject = event.sale or event.sale_return or event.buy_back
    return subject.created_at if subject is not None else event.created_at


SOURCES: tuple[Source, ...] = (
    Source("inventory.stockmovement", _movements_pending, _movement_post, StockMovement,
           ("item",), lambda m: m.reference or m.item.sku, lambda m: m.created_at),
    Source("pos.saleevent", _sale_events_pending, _sale_event_post, SaleEvent,
           ("sale", "sale_return", "buy_back"), _sale_event_reference, _sale_event_when),
    Source("repairs.repairpayment", _repair_payments_pending, _repair_payment_post,
           RepairPayment, ("order",), lambda p: p.display_number, lambda p: p.created_at),
    Source("repairs.delivery", _repair_deliveries_pending, _repair_delivery_post, RepairOrder,
           (), lambda o: f"R-{o.number}", lambda o: o.closed_at or o.updated_at),
    Source("repairs.forfeit", _repair_forfeits_pending, _repair_forfeit_post, RepairOrder,
           (), lambda o: f"R-{o.number}", lambda o: o.closed_at or o.updated_at),
)
SOURCES_BY_NAME = {source.name: source for source in SOURCES}
