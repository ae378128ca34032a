"""Reads of the books: journal, trial balance, income statement, balance sheet, cash
flow, and the dashboard's sales figures. Every read runs under the tenant scope;
the ledger tables are RLS-filtered like ours. Only posted entries count."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, Q, Sum, When
from django.utils import timezone
from django_ledger.models import JournalEntryModel, TransactionModel

from tenants.context import require_tenant

from .chart import BY_CODE, BY_KEY, CASH_KEYS, SECTION_NAMES, SECTIONS
from .models import SalesDay

ZERO = Decimal("0")


def _signed() -> Case:
    return Case(When(tx_type="debit", then=F("amount")), default=-F("amount"),
                output_field=DecimalField(max_digits=20, decimal_places=2))


CLOSING_ORIGIN = "zargar-closing"  # services.CLOSING_ORIGIN: year-end closing entries


def _posted(start: datetime.date | None, end: datetime.date | None, *, closing: bool = True):
    """Posted transactions in the period; closing=False leaves out year-end closing
    entries (the income statement shows the year's activity, not its closing)."""
    require_tenant()
    q = Q(journal_entry__posted=True)
    if not closing:
        q &= ~Q(journal_entry__origin=CLOSING_ORIGIN)
    if start is not None:
        q &= Q(journal_entry__timestamp__date__gte=start)
    if end is not None:
        q &= Q(journal_entry__timestamp__date__lte=end)
    return TransactionModel.objects.filter(q)


def balances(*, start: datetime.date | None = None, end: datetime.date | None = None,
             closing: bool = True) -> dict[str, Decimal]:
    """Debit-positive balance per account code over the period (with closing entries
    unless closing=False)."""
    rows = (_posted(start, end, closing=closing).values("account__code")
            .annotate(balance=Sum(_signed())).order_by("account__code"))
    return {r["account__code"]: r["balance"] or ZERO for r in rows}


@dataclass
class TrialBalanceRow:
    code: str
    name: Any
    debit: Decimal
    credit: Decimal


def trial_balance(*, as_of: datetime.date | None = None) -> dict[str, Any]:
    rows = []
    for code, balance in balances(end=as_of).items():
        account = BY_CODE.get(code)
        rows.append(TrialBalanceRow(code, account.name if account else code,
                                    balance if balance > 0 else ZERO,
                                    -balance if balance < 0 else ZERO))
    return {"rows": rows, "debit": sum((r.debit for r in rows), ZERO),
            "credit": sum((r.credit for r in rows), ZERO)}


@dataclass
class Section:
    key: str
    name: Any
    lines: list[tuple[str, Any, Decimal]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((amount for _c, _n, amount in self.lines), ZERO)


def _sections(bal: dict[str, Decimal], keys: tuple[str, ...]) -> dict[str, Section]:
    """Sections with natural-sign amounts (credit-positive for income, liabilities, equity)."""
    out = {k: Section(k, SECTION_NAMES[k]) for k in keys}
    for code, amount in bal.items():
        account = BY_CODE.get(code)
        if account is None or account.section not in out:
            continue
        natural = amount if account.section in ("asset", "cogs", "expense") else -amount
        if natural:
            out[account.section].lines.append((code, account.name, natural))
    return out


def income_statement(*, start: datetime.date | None, end: datetime.date | None) -> dict[str, Any]:
    s = _sections(balances(start=start, end=end, closing=False), ("income", "cogs", "expense"))
    gross = s["income"].total - s["cogs"].total
    return {"sections": list(s.values()), "gross_profit": gross,
            "net_income": gross - s["expense"].total}


def balance_sheet(*, as_of: datetime.date | None) -> dict[str, Any]:
    bal = balances(end=as_of)
    s = _sections(bal, SECTIONS)
    earnings = s["income"].total - s["cogs"].total - s["expense"].total
    equity = s["equity"].total + earnings
    return {"assets": s["asset"], "liabilities": s["liability"], "equity": s["equity"],
            "earnings": earnings, "equity_total": equity,
            "liabilities_and_equity": s["liability"].total + equity}


def cash_flow(*, start: datetime.date | None, end: datetime.date | None) -> dict[str, Any]:
    """Direct method: cash and card clearing movements by counter-account section."""
    cash_codes = [BY_KEY[k].code for k in CASH_KEYS]
    entries = _posted(start, end).filter(account__code__in=cash_codes).values("journal_entry_id")
    lines = (_posted(start, end).filter(journal_entry_id__in=entries)
             .exclude(account__code__in=cash_codes)
             .values("account__code").annotate(balance=Sum(_signed())))
    flows: dict[str, Decimal] = {}
    for row in lines:
        account = BY_CODE.get(row["account__code"])
        key = "financing" if account and account.section == "equity" else "operating"
        flows[key] = flows.get(key, ZERO) - (row["balance"] or ZERO)
    return {"operating": flows.get("operating", ZERO), "financing": flows.get("financing", ZERO),
            "net": sum(flows.values(), ZERO)}


def journal(*, limit: int = 100) -> list[dict[str, Any]]:
    require_tenant()
    entries = list(JournalEntryModel.objects.filter(posted=True)
                   .order_by("-timestamp", "-je_number")[:limit])
    txs: dict[Any, list] = {}
    for tx in (TransactionModel.objects.filter(journal_entry__in=entries)
               .select_related("account").order_by("tx_type", "account__code")):
        account = BY_CODE.get(tx.account.code)
        txs.setdefault(tx.journal_entry_id, []).append({
            "code": tx.account.code, "name": account.name if account else tx.account.name,
            "debit": tx.amount if tx.tx_type == "debit" else None,
            "credit": tx.amount if tx.tx_type == "credit" else None})
    return [{"entry": e, "lines": txs.get(e.uuid, [])} for e in entries]


def sales_summary(*, days: int = 30) -> dict[str, Any]:
    """Today's sales and the last `days` days per day, from the SalesDay summaries."""
    require_tenant()
    today = timezone.localdate()
    start = today - datetime.timedelta(days=days - 1)
    rows = (SalesDay.objects.filter(day__gte=start).values("day")
            .annotate(total=Sum("sales_total"), count=Sum("sales_count"),
                      returns=Sum("returns_total")).order_by("day"))
    by_day = {r["day"]: r for r in rows}
    series = [(start + datetime.timedelta(days=i)) for i in range(days)]
    today_row = by_day.get(today, {})
    return {
        "today_total": today_row.get("total") or ZERO,
        "today_count": today_row.get("count") or 0,
        "labels": [d.isoformat() for d in series],
        "values": [float((by_day.get(d) or {}).get("total") or 0) for d in series],
    }



def branch_comparison(*, days: int = 30) -> list[dict[str, Any]]:
    """Per branch: today's and the last `days` days' sales (count, total, returns), from
    the SalesDay summaries in one query; branches without sales in the period are left
    out. Largest period total first."""
    require_tenant()
    today = timezone.localdate()
    start = today - datetime.timedelta(days=days - 1)
    on_today = Q(day=today)
    rows = (SalesDay.objects.filter(day__gte=start, day__lte=today)
            .values("branch_id", "branch__name")
            .annotate(today_total=Sum("sales_total", filter=on_today),
                      today_count=Sum("sales_count", filter=on_today),
                      period_total=Sum("sales_total"), period_count=Sum("sales_count"),
                      period_returns=Sum("returns_total"))
            .order_by("-period_total", "branch__name"))
    return [{"branch": r["branch__name"], "today_total": r["today_total"] or ZERO,
             "today_count": r["today_count"] or 0, "period_total": r["period_total"] or ZERO,
             "period_count": r["period_count"] or 0,
             "period_returns": r["period_returns"] or ZERO} for r in rows]


def fiscal_years() -> list[Any]:
    from .models import FiscalYear

    require_tenant()
    return list(FiscalYear.objects.order_by("-start"))


def fiscal_year_get(*, year_id: object) -> Any:
    from django.shortcuts import get_object_or_404

    from .models import FiscalYear

    require_tenant()
    return get_object_or_404(FiscalYear, pk=year_id)


def posting_failures() -> list[Any]:
    """Events that could not be posted, oldest first (the owner's list to fix)."""
    from .models import PostingFailure

    require_tenant()
    return list(PostingFailure.objects.order_by("first_failed_at"))


def posting_failure_get(*, failure_id: object) -> Any:
    from django.http import Http404

    from .models import PostingFailure

    failure = PostingFailure.objects.filter(pk=failure_id).first()
    if failure is None:
        raise Http404
    return failure


def posting_failure_count() -> int:
    from .models import PostingFailure

    return PostingFailure.objects.count()
