"""Sales reports for owners and managers, read from the point of sale's rows.

Every report covers the local days `start`..`end` (inclusive), optionally one branch,
and nets returns:

- a sale counts on the day it was made, at its branch;
- a return counts on the day it was made, at the branch that refunded it (as
  accounting.SalesDay counts it), against the item of the returned line, the cashier
  who made the original sale and the sale's customer;
- `gross` is what sales took (tax included), `returns` what returns gave back, and
  `net = gross - returns`.

Each report is two aggregate queries (sales, returns) ranged on `created_at`, which the
indexes `(tenant_id, created_at)` of sales and returns serve; lines are reached through
their `(tenant_id, sale_id)` / `(tenant_id, sale_return_id)` indexes. Nothing here
filters by tenant: RLS does.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from pos.models import Sale, SaleLine, SaleReturn, SaleReturnLine
from tenants.models import Branch

from .models import ReportSchedule

ZERO = Decimal("0")
TOP_CUSTOMERS = 20

# key -> label, in the picker's order.
REPORTS: dict[str, Any] = dict(ReportSchedule.Report.choices)


@dataclass(frozen=True)
class ReportFilter:
    start: datetime.date
    end: datetime.date
    branch: Branch | None = None


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | date | int | money


@dataclass
class Report:
    key: str
    title: str
    filters: ReportFilter
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] = field(default_factory=dict)

    def cells(self, row: dict[str, Any]) -> list[tuple[Column, Any]]:
        return [(c, row.get(c.key)) for c in self.columns]

    @property
    def cell_rows(self) -> list[list[tuple[Column, Any]]]:
        return [self.cells(row) for row in self.rows]

    @property
    def total_cells(self) -> list[tuple[Column, Any]]:
        return self.cells(self.totals)


def _window(f: ReportFilter) -> tuple[datetime.datetime, datetime.datetime]:
    """The report's days as [local midnight of start, local midnight after end)."""
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(f.start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(f.end + datetime.timedelta(days=1), datetime.time.min,
                                   tzinfo=tz)
    return lo, hi


def _sales(f: ReportFilter) -> QuerySet[Sale]:
    lo, hi = _window(f)
    qs = Sale.objects.filter(created_at__gte=lo, created_at__lt=hi)
    return qs.filter(branch=f.branch) if f.branch else qs


def _returns(f: ReportFilter) -> QuerySet[SaleReturn]:
    lo, hi = _window(f)
    qs = SaleReturn.objects.filter(created_at__gte=lo, created_at__lt=hi)
    return qs.filter(branch=f.branch) if f.branch else qs


def _sale_lines(f: ReportFilter) -> QuerySet[SaleLine]:
    lo, hi = _window(f)
    qs = SaleLine.objects.filter(sale__created_at__gte=lo, sale__created_at__lt=hi)
    return qs.filter(sale__branch=f.branch) if f.branch else qs


def _return_lines(f: ReportFilter) -> QuerySet[SaleReturnLine]:
    lo, hi = _window(f)
    qs = SaleReturnLine.objects.filter(sale_return__created_at__gte=lo,
                                       sale_return__created_at__lt=hi)
    return qs.filter(sale_return__branch=f.branch) if f.branch else qs


def _merge(sales: Iterable[dict], returns: Iterable[dict], *, key: str,
           describe: Callable[[dict], dict]) -> list[dict[str, Any]]:
    """Join sales and returns aggregates on `key` into rows with gross, returns and net."""
    rows: dict[Any, dict[str, Any]] = {}

    def row_for(values: dict) -> dict[str, Any]:
        k = values[key]
        if k not in rows:
            rows[k] = {**describe(values), "count": 0, "quantity": 0, "returned": 0,
                       "gross": ZERO, "returns": ZERO}
        return rows[k]

    for values in sales:
        row = row_for(values)
        row["count"] += values.get("n") or 0
        row["quantity"] += values.get("qty") or 0
        row["gross"] += values.get("amount") or ZERO
    for values in returns:
        row = row_for(values)
        row["returned"] += values.get("qty") or 0
        row["returns"] += values.get("amount") or ZERO
    for row in rows.values():
        row["net"] = row["gross"] - row["returns"]
        row["net_quantity"] = row["quantity"] - row["returned"]
    return list(rows.values())


def _totals(rows: list[dict[str, Any]], columns: list[Column], label: str) -> dict[str, Any]:
    totals: dict[str, Any] = {columns[0].key: label}
    for c in columns[1:]:
        if c.kind in ("int", "money"):
            totals[c.key] = sum((r[c.key] for r in rows), ZERO if c.kind == "money" else 0)
    return totals


def _money_columns() -> list[Column]:
    return [Column("gross", _("Sales"), "money"), Column("returns", _("Returns"), "money"),
            Column("net", _("Net sales"), "money")]


def sales_by_day_report(*, filters: ReportFilter) -> Report:
    """Per local day: number of sales, sales, returns and net sales (days with activity)."""
    sales = (_sales(filters).annotate(d=TruncDate("created_at")).values("d")
             .annotate(n=Count("id"), amount=Sum("total")).order_by())
    returns = (_returns(filters).annotate(d=TruncDate("created_at")).values("d")
               .annotate(amount=Sum("total")).order_by())
    rows = sorted(_merge(sales, returns, key="d", describe=lambda v: {"day": v["d"]}),
                  key=lambda r: r["day"])
    columns = [Column("day", _("Day"), "date"), Column("count", _("Number of sales"), "int"),
               *_money_columns()]
    return Report("day", str(REPORTS["day"]), filters, columns, rows,
                  _totals(rows, columns, _("Total")))


def sales_by_product_report(*, filters: ReportFilter) -> Report:
    """Per item: quantities sold and returned, sales, returns and net, best net first."""
    sales = (_sale_lines(filters).values("item_id", "item__sku", "item__name")
             .annotate(qty=Sum("quantity"), amount=Sum("total")).order_by())
    returns = (_return_lines(filters)
               .values("sale_line__item_id", "sale_line__item__sku", "sale_line__item__name")
               .annotate(qty=Sum("quantity"), amount=Sum("amount")).order_by())
    returns = [{"item_id": v["sale_line__item_id"], "item__sku": v["sale_line__item__sku"],
                "item__name": v["sale_line__item__name"], "qty": v["qty"],
                "amount": v["amount"]} for v in returns]
    rows = _merge(sales, returns, key="item_id",
                  describe=lambda v: {"sku": v["item__sku"], "name": v["item__name"]})
    rows.sort(key=lambda r: (-r["net"], r["sku"]))
    columns = [Column("sku", _("SKU")), Column("name", _("Item")),
               Column("quantity", _("Sold"), "int"), Column("returned", _("Returned"), "int"),
               *_money_columns()]
    return Report("product", str(REPORTS["product"]), filters, columns, rows,
                  _totals(rows, columns, _("Total")))


def sales_by_category_report(*, filters: ReportFilter) -> Report:
    """Per item category (items without one together): quantities, sales, returns, net."""
    sales = (_sale_lines(filters).values("item__category_id", "item__category__name")
             .annotate(qty=Sum("quantity"), amount=Sum("total")).order_by())
    returns = (_return_lines(filters)
               .values("sale_line__item__category_id", "sale_line__item__category__name")
               .annotate(qty=Sum("quantity"), amount=Sum("amount")).order_by())
    returns = [{"item__category_id": v["sale_line__item__category_id"],
                "item__category__name": v["sale_line__item__category__name"],
                "qty": v["qty"], "amount": v["amount"]} for v in returns]
    uncategorized = _("No category")
    rows = _merge(sales, returns, key="item__category_id",
                  describe=lambda v: {"category": v["item__category__name"] or uncategorized})
    rows.sort(key=lambda r: (-r["net"], r["category"]))
    columns = [Column("category", _("Category")), Column("quantity", _("Sold"), "int"),
               Column("returned", _("Returned"), "int"), *_money_columns()]
    return Report("category", str(REPORTS["category"]), filters, columns, rows,
                  _totals(rows, columns, _("Total")))


def sales_by_employee_report(*, filters: ReportFilter) -> Report:
    """Per cashier who made the sales (returns netted against the original sale's cashier)."""
    sales = (_sales(filters).values("cashier_id", "cashier__full_name", "cashier__email")
             .annotate(n=Count("id"), amount=Sum("total")).order_by())
    returns = (_returns(filters)
               .values("sale__cashier_id", "sale__cashier__full_name", "sale__cashier__email")
               .annotate(amount=Sum("total")).order_by())
    returns = [{"cashier_id": v["sale__cashier_id"],
                "cashier__full_name": v["sale__cashier__full_name"],
                "cashier__email": v["sale__cashier__email"], "amount": v["amount"]}
               for v in returns]
    rows = _merge(sales, returns, key="cashier_id", describe=lambda v: {
        "employee": v["cashier__full_name"] or v["cashier__email"]})
    rows.sort(key=lambda r: (-r["net"], r["employee"]))
    columns = [Column("employee", _("Employee")), Column("count", _("Number of sales"), "int"),
               *_money_columns()]
    return Report("employee", str(REPORTS["employee"]), filters, columns, rows,
                  _totals(rows, columns, _("Total")))


def sales_by_branch_report(*, filters: ReportFilter) -> Report:
    """Per branch: sales made there, returns refunded there, net."""
    sales = (_sales(filters).values("branch_id", "branch__name")
             .annotate(n=Count("id"), amount=Sum("total")).order_by())
    returns = (_returns(filters).values("branch_id", "branch__name")
               .annotate(amount=Sum("total")).order_by())
    rows = _merge(sales, returns, key="branch_id",
                  describe=lambda v: {"branch": v["branch__name"]})
    rows.sort(key=lambda r: (-r["net"], r["branch"]))
    columns = [Column("branch", _("Branch")), Column("count", _("Number of sales"), "int"),
               *_money_columns()]
    return Report("branch", str(REPORTS["branch"]), filters, columns, rows,
                  _totals(rows, columns, _("Total")))


def top_customers_report(*, filters: ReportFilter, limit: int = TOP_CUSTOMERS) -> Report:
    """The customers with the highest net purchases (sales without a customer left out)."""
    sales = (_sales(filters).filter(customer__isnull=False)
             .values("customer_id", "customer__number", "customer__first_name",
                     "customer__last_name")
             .annotate(n=Count("id"), amount=Sum("total")).order_by())
    returns = (_returns(filters).filter(sale__customer__isnull=False)
               .values("sale__customer_id", "sale__customer__number",
                       "sale__customer__first_name", "sale__customer__last_name")
               .annotate(amount=Sum("total")).order_by())
    returns = [{"customer_id": v["sale__customer_id"],
                "customer__number": v["sale__customer__number"],
                "customer__first_name": v["sale__customer__first_name"],
                "customer__last_name": v["sale__customer__last_name"],
                "amount": v["amount"]} for v in returns]
    rows = _merge(sales, returns, key="customer_id", describe=lambda v: {
        "number": v["customer__number"],
        "customer": f"{v['customer__first_name']} {v['customer__last_name']}".strip()})
    rows.sort(key=lambda r: (-r["net"], r["number"]))
    rows = rows[:limit]
    columns = [Column("number", _("Customer number"), "int"), Column("customer", _("Customer")),
               Column("count", _("Number of sales"), "int"), *_money_columns()]
    totals = _totals(rows, columns, "")
    totals.pop("number", None)
    totals["customer"] = _("Total")
    return Report("customers", str(REPORTS["customers"]), filters, columns, rows, totals)


_BUILDERS: dict[str, Callable[..., Report]] = {
    "day": sales_by_day_report,
    "product": sales_by_product_report,
    "category": sales_by_category_report,
    "employee": sales_by_employee_report,
    "branch": sales_by_branch_report,
    "customers": top_customers_report,
}


def report_build(*, key: str, filters: ReportFilter) -> Report:
    """The report named `key` (one of REPORTS) for `filters`, in the active language."""
    if key not in _BUILDERS:
        raise KeyError(key)
    return _BUILDERS[key](filters=filters)
