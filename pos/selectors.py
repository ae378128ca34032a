"""Reads of the POS: open shifts, a shift's cash and its Z report, sales, returns and
buy-backs (those a user may see: their branch's when they are bound to one)."""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from tenants.access import branch_scope, branch_visible, user_branch_bound
from tenants.models import Terminal, User
from tenants.prepared import Prepared
from tenants.search import digits_ascii

from .models import BuyBack, Payment, PosSettings, Refund, Sale, SaleReturn, Shift

ZERO = Decimal("0")

# The register's reads on every sale, their SQL built once per process (tenants.prepared).
_SETTINGS = Prepared(lambda: PosSettings.objects.order_by("pk")[:1], reuse_plan=True)
_SALE_BY_KEY = Prepared(lambda key: Sale.objects.filter(idempotency_key=key)[:1], uuid.UUID,
                        reuse_plan=True)
_SALE = Prepared(lambda sale_id: Sale.objects.filter(pk=sale_id)
                 .select_related("customer", "branch", "cashier")[:1], uuid.UUID,
                 reuse_plan=True)
_SHIFT_OPEN = Prepared(lambda shift_id: Shift.objects.filter(pk=shift_id, closed_at__isnull=True)
                       .select_related("terminal", "branch")[:1], uuid.UUID,
                       reuse_plan=True)


def pos_settings_get() -> PosSettings:
    """The shop's register settings (an unsaved row with the defaults if none)."""
    return _SETTINGS.first() or PosSettings()


def sale_by_key(*, key: uuid.UUID) -> Sale | None:
    """The sale made with this idempotency key, if any."""
    return _SALE_BY_KEY.first(key)


def shift_open_get(*, shift_id: object) -> Shift | None:
    """This shop's shift if it is still open, with its terminal and branch."""
    try:
        return _SHIFT_OPEN.first(shift_id)
    except ValueError:  # not a shift id
        return None


def shift_open_for_terminal(*, terminal: Terminal) -> Shift | None:
    return Shift.objects.filter(terminal=terminal, closed_at__isnull=True).first()


def shift_cash_sales(*, shift: Shift) -> Decimal:
    """Cash kept from the shift's sales: cash tendered minus change given."""
    return Payment.objects.filter(sale__shift=shift, method=Payment.Method.CASH).aggregate(
        s=Sum(F("amount") - F("change_given")))["s"] or ZERO


def shift_cash_refunds(*, shift: Shift) -> Decimal:
    """Cash paid back from this shift's drawer on returns."""
    return Refund.objects.filter(sale_return__shift=shift, method=Refund.Method.CASH
                                 ).aggregate(s=Sum("amount"))["s"] or ZERO


def shift_payouts(*, shift: Shift) -> Decimal:
    """Cash paid out of the drawer: old gold bought back for cash."""
    return BuyBack.objects.filter(shift=shift, settlement=BuyBack.Settlement.CASH
                                  ).aggregate(s=Sum("payout"))["s"] or ZERO


def shift_expected_cash(*, shift: Shift) -> Decimal:
    """Opening float + cash sales (net of change) - cash refunds - payouts + the cash
    other modules moved through the drawer (pos.drawer sources: repair payments)."""
    from .drawer import shift_other_cash

    return (shift.opening_float + shift_cash_sales(shift=shift)
            - shift_cash_refunds(shift=shift) - shift_payouts(shift=shift)
            + sum((cash for _k, _l, cash in shift_other_cash(shift=shift)), ZERO))


@dataclass(frozen=True)
class ZReport:
    shift: Shift
    sales_count: int
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    # method -> amount kept (cash net of change)
    by_method: dict[str, Decimal] = field(default_factory=dict)
    opening_float: Decimal = ZERO
    cash_sales: Decimal = ZERO
    cash_refunds: Decimal = ZERO
    payouts: Decimal = ZERO
    expected_cash: Decimal = ZERO
    counted_cash: Decimal | None = None
    over_short: Decimal | None = None
    # returns made in the shift: how many, what they refunded, method -> amount
    returns_count: int = 0
    returns_total: Decimal = ZERO
    refunds_by_method: dict[str, Decimal] = field(default_factory=dict)
    # old gold bought in the shift: how many, fine grams, and what was paid for it
    # other than in cash (cash is `payouts`): as trade-in credit, either a gift card
    # (settlement "credit") or credited to the sale it was exchanged for ("sale");
    # `buybacks_sale_credit` is the part credited to sales. None of it moves cash.
    buybacks_count: int = 0
    buybacks_fine_weight: Decimal = ZERO
    buybacks_credit: Decimal = ZERO
    buybacks_sale_credit: Decimal = ZERO
    # cash of other modules through the drawer (pos.drawer): (key, label, signed amount)
    other_cash: list[tuple[str, str, Decimal]] = field(default_factory=list)
    # The currency of the shift's money as its rows recorded it (its sales', else its
    # buy-backs'); "" (the shop's) for a shift with neither.
    currency: str = ""


def shift_z_report(*, shift: Shift) -> ZReport:
    """The end-of-shift report: sales, discounts, tax, takings per tender and the cash
    drawer (expected, counted, over/short once closed), returns and buy-backs, in the
    currency the shift's sales and buy-backs were made in (not the shop's current one)."""
    sums = Sale.objects.filter(shift=shift).aggregate(
        n=Count("id"), subtotal=Sum("subtotal"), discount=Sum("discount_total"),
        tax=Sum("tax_total"), total=Sum("total"), currency=Max("currency"))
    by_method = {
        row["method"]: row["kept"] for row in
        Payment.objects.filter(sale__shift=shift).values("method")
        .annotate(kept=Sum(F("amount") - F("change_given"))).order_by("method")
    }
    cash_sales = by_method.get(Payment.Method.CASH, ZERO)
    refunds_by_method = {
        row["method"]: row["s"] for row in
        Refund.objects.filter(sale_return__shift=shift).values("method")
        .annotate(s=Sum("amount")).order_by("method")
    }
    returns = SaleReturn.objects.filter(shift=shift).aggregate(n=Count("id"), s=Sum("total"))
    buys = {row["settlement"]: row for row in
            BuyBack.objects.filter(shift=shift).values("settlement")
            .annotate(n=Count("id"), s=Sum("payout"), fine=Sum("fine_weight"),
                      currency=Max("currency"))
            .order_by("settlement")}
    refunds = refunds_by_method.get(Refund.Method.CASH, ZERO)
    payouts = buys.get(BuyBack.Settlement.CASH, {}).get("s") or ZERO
    from .drawer import shift_other_cash

    other_cash = shift_other_cash(shift=shift)
    expected = (shift.opening_float + cash_sales - refunds - payouts
                + sum((cash for _k, _l, cash in other_cash), ZERO))
    return ZReport(
        shift=shift, sales_count=sums["n"], subtotal=sums["subtotal"] or ZERO,
        discount_total=sums["discount"] or ZERO, tax_total=sums["tax"] or ZERO,
        total=sums["total"] or ZERO, by_method=by_method, opening_float=shift.opening_float,
        cash_sales=cash_sales, cash_refunds=refunds, payouts=payouts,
        expected_cash=shift.expected_cash if shift.expected_cash is not None else expected,
        counted_cash=shift.counted_cash, over_short=shift.over_short,
        returns_count=returns["n"], returns_total=returns["s"] or ZERO,
        refunds_by_method=refunds_by_method,
        buybacks_count=sum(row["n"] for row in buys.values()),
        buybacks_fine_weight=sum((row["fine"] for row in buys.values()), ZERO),
        buybacks_credit=sum((row["s"] for settlement, row in buys.items()
                             if settlement != BuyBack.Settlement.CASH), ZERO),
        buybacks_sale_credit=buys.get(BuyBack.Settlement.SALE, {}).get("s") or ZERO,
        other_cash=other_cash,
        currency=sums["currency"] or max((row["currency"] for row in buys.values()),
                                         default=""),
    )


# --- what a user may open: their branch's rows (tenants.access.branch_scope) ----------
#
# A salesperson or cashier bound to a branch sees its sales, returns, buy-backs and
# shifts only; owners, managers and staff without a branch see all. Another branch's
# row is missing for them: its pages answer 404, as for another shop's id (RLS).


def sale_get(*, sale_id: object, user: User) -> Sale:
    """A sale of this shop that `user` may see, or 404."""
    try:
        sale = _SALE.first(sale_id)
    except ValueError:  # not a sale id
        raise Http404 from None
    if sale is None or not branch_visible(user, sale.branch_id):
        raise Http404
    return sale


def shift_get(*, shift_id: object, user: User) -> Shift:
    """A shift `user` may read (its Z report), or 404: besides their branch's, a user
    always reads the shifts they opened themselves."""
    shift = Shift.objects.filter(pk=shift_id).select_related("terminal", "branch").first()
    if shift is None or not (shift.opened_by_id == user.pk
                             or branch_visible(user, shift.branch_id)):
        raise Http404
    return shift


def sale_return_list(*, user: User) -> QuerySet[SaleReturn]:
    """Returns `user` may see (made at their branch), newest first."""
    return branch_scope(SaleReturn.objects.select_related("sale", "branch"), user) \
        .order_by("-created_at")


def sale_return_get(*, return_id: object, user: User) -> SaleReturn:
    """A return `user` may see, with what its pages show, or 404."""
    found = (branch_scope(SaleReturn.objects.filter(pk=return_id), user)
             .select_related("sale", "sale__customer", "branch", "credit_card", "approved_by")
             .first())
    if found is None:
        raise Http404
    return found


def buy_back_list(*, user: User) -> QuerySet[BuyBack]:
    """Old-gold buy-backs `user` may see (made at their branch), newest first."""
    return branch_scope(BuyBack.objects.select_related("customer", "branch", "sale"), user) \
        .order_by("-created_at")


def buy_back_get(*, buy_back_id: object, user: User) -> BuyBack:
    """A buy-back `user` may see, with what its pages show, or 404."""
    found = (branch_scope(BuyBack.objects.filter(pk=buy_back_id), user)
             .select_related("customer", "branch", "scrap_item", "credit_card", "sale")
             .first())
    if found is None:
        raise Http404
    return found


SALE_URL_ID = re.compile(r"/sales/([0-9a-fA-F-]{36})/")


def sale_find(*, code: str, user: User) -> Sale | None:
    """The sale a cashier names at the register: its number ("S-000012", "12", Persian
    digits too) or its receipt's QR code (the receipt holds the sale's URL); only among
    the sales `user` may see."""
    code = (code or "").strip()
    sales = branch_scope(Sale.objects.all(), user)
    match = SALE_URL_ID.search(code)
    if match:
        try:
            return sales.filter(pk=uuid.UUID(match.group(1))).first()
        except ValueError:
            return None
    number = sale_number_parse(code)
    return None if number is None else sales.filter(number=number).first()


def sale_number_parse(code: str) -> int | None:
    """The sale number in what a user typed: "S-000012", "12", "#12", Persian digits."""
    digits = digits_ascii(code or "").strip().upper().removeprefix("S").lstrip("-# ")
    if not digits.isdigit() or len(digits) > 18:
        return None
    return int(digits)


# --- the sales and shifts pages: filters, and pages of sales found by a cursor --------


@dataclass(frozen=True)
class SaleFilter:
    """What the sales page shows. `search` is a sale number, or else a customer's name,
    phone, email or number (crm's search)."""
    search: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None
    branch_id: uuid.UUID | None = None
    terminal_id: uuid.UUID | None = None
    status: str = ""


# Totals of the filtered sales are summed only for a bounded period (a day of a busy
# shop is ~1,400 sales; three months stay under 0.2 s on the bench's 1M-sale shop).
SALE_TOTALS_MAX_DAYS = 92
SALE_PAGE_SIZE = 50


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min,
                                     tzinfo=timezone.get_current_timezone())


def sale_list(*, user: User, filters: SaleFilter = SaleFilter()) -> QuerySet[Sale]:
    """Sales `user` may see (their branch's when bound to one) that match `filters`,
    newest first, with what the list shows."""
    sales = branch_scope(Sale.objects.all(), user)
    if filters.start:
        sales = sales.filter(created_at__gte=_day_start(filters.start))
    if filters.end:
        sales = sales.filter(
            created_at__lt=_day_start(filters.end + datetime.timedelta(days=1)))
    if filters.branch_id:
        sales = sales.filter(branch_id=filters.branch_id)
    if filters.terminal_id:
        sales = sales.filter(terminal_id=filters.terminal_id)
    if filters.status:
        sales = sales.filter(status=filters.status)
    if filters.search.strip():
        number = sale_number_parse(filters.search)
        by_number = sales.filter(number=number) if number is not None else sales.none()
        if number is not None and (filters.search.strip()[:1] in "Ss#"
                                   or by_number.exists()):
            sales = by_number
        else:
            from crm.models import Customer
            from crm.selectors import customer_search_filter

            match = customer_search_filter(filters.search)
            sales = (sales.none() if match is None
                     else sales.filter(customer__in=Customer.objects.filter(match)))
    # Prefetched, not joined: under RLS the planner cannot tell how many of the table's
    # rows are this shop's (the policy compares with a setting), so with joins it read a
    # million rows of the big bench shop before sorting (5.7 s); alone, the page is an
    # index scan of (tenant, created_at) that stops after a page (~1 ms).
    return sales.prefetch_related("customer", "branch", "terminal", "cashier") \
        .order_by("-created_at", "-id")


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    total: Decimal
    discount_total: Decimal


@dataclass(frozen=True)
class SaleTotals:
    """The filtered sales of a period summed per currency (a shop that changed its
    currency has sales in both; amounts of two currencies are never added)."""
    start: datetime.date
    end: datetime.date
    by_currency: list[CurrencyTotal]

    @property
    def count(self) -> int:
        return sum(row.count for row in self.by_currency)


def sale_period_bounded(filters: SaleFilter) -> bool:
    """Whether the filter names a period of at most SALE_TOTALS_MAX_DAYS days (its end
    defaults to today): what the totals and the export need."""
    if not filters.start:
        return False
    end = filters.end or timezone.localdate()
    return filters.start <= end and (end - filters.start).days < SALE_TOTALS_MAX_DAYS


def sale_totals(*, sales: QuerySet[Sale], filters: SaleFilter) -> SaleTotals | None:
    """Count and sums of the filtered sales, per currency, when the filter names a
    period of at most SALE_TOTALS_MAX_DAYS days (its end defaults to today); None
    otherwise. Sales are counted as sold: later returns are the returns page's."""
    if not sale_period_bounded(filters):
        return None
    end = filters.end or timezone.localdate()
    rows = (sales.order_by().values("currency")
            .annotate(n=Count("id"), total=Sum("total"), discount=Sum("discount_total"))
            .order_by("currency"))
    return SaleTotals(start=filters.start, end=end, by_currency=[
        CurrencyTotal(row["currency"], row["n"], row["total"] or ZERO, row["discount"] or ZERO)
        for row in rows])


@dataclass(frozen=True)
class SalePage:
    """One page of a sale_list(), found by a cursor rather than an offset (no count
    over a million sales, and a page stays put while new sales come in): the cursors
    of the pages before (newer) and after (older) it, None at either end."""
    sales: list[Sale]
    newer: str | None
    older: str | None


def _cursor(sale: Sale) -> str:
    return f"{sale.created_at.isoformat()}~{sale.pk}"


def _cursor_parse(value: str | None) -> tuple[datetime.datetime, uuid.UUID] | None:
    when, _sep, pk = (value or "").partition("~")
    try:
        moment = datetime.datetime.fromisoformat(when)
        return (moment, uuid.UUID(pk)) if moment.tzinfo is not None else None
    except ValueError:
        return None


def sale_page(sales: QuerySet[Sale], *, older_than: str | None = None,
              newer_than: str | None = None, size: int = SALE_PAGE_SIZE) -> SalePage:
    """The page of `sales` (ordered newest first) after the cursor `older_than`, or
    before `newer_than`; the newest page without either (or with a cursor that does not
    parse). The bound is an index condition (created_at <= t) and the tie on the same
    instant is broken by the id, so a deep page costs what the first one does."""
    after, before = _cursor_parse(older_than), _cursor_parse(newer_than)
    if after is not None:
        when, pk = after
        rows = list(sales.filter(created_at__lte=when)
                    .exclude(created_at=when, id__gte=pk)[:size + 1])
        return SalePage(sales=rows[:size], newer=_cursor(rows[0]) if rows else None,
                        older=_cursor(rows[size - 1]) if len(rows) > size else None)
    if before is not None:
        when, pk = before
        rows = list(sales.filter(created_at__gte=when).exclude(created_at=when, id__lte=pk)
                    .order_by("created_at", "id")[:size + 1])
        newer = _cursor(rows[size - 1]) if len(rows) > size else None
        rows = rows[:size][::-1]
        return SalePage(sales=rows, newer=newer,
                        older=_cursor(rows[-1]) if rows else None)
    rows = list(sales[:size + 1])
    return SalePage(sales=rows[:size], newer=None,
                    older=_cursor(rows[size - 1]) if len(rows) > size else None)


def shift_list(*, user: User, branch_id: uuid.UUID | None = None,
               terminal_id: uuid.UUID | None = None, state: str = "") -> QuerySet[Shift]:
    """Shifts `user` may read (shift_get's rule: their branch's, and the ones they
    opened), newest first; `state` "open" or "closed"."""
    shifts = Shift.objects.all()
    if user_branch_bound(user):
        shifts = shifts.filter(Q(branch_id=user.branch_id) | Q(opened_by_id=user.pk))
    if branch_id:
        shifts = shifts.filter(branch_id=branch_id)
    if terminal_id:
        shifts = shifts.filter(terminal_id=terminal_id)
    if state == "open":
        shifts = shifts.filter(closed_at__isnull=True)
    elif state == "closed":
        shifts = shifts.filter(closed_at__isnull=False)
    # Prefetched, not joined: see sale_list().
    return shifts.prefetch_related("terminal", "branch", "opened_by") \
        .order_by("-opened_at", "-id")
