"""The sales page's filtered sales as a CSV file, for the shop's accountant: one row a
sale with its amounts and what paid it.

UTF-8 with a byte-order mark (so Excel reads Persian); dates in the active language's
calendar (Jalali for Persian, as the pages show them); money as plain numbers so a
spreadsheet can add them up (ASCII digits, no grouping), with the decimals of each
sale's currency (none on Rials, two on dollars). A cell that a spreadsheet would read as a formula (a
customer named "=HYPERLINK(...)") is written with a leading apostrophe."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import CharField, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from tenants.money import currency_places
from tenants.templatetags.zargar import jdate

from .models import Payment, Sale

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _amount(value: Decimal | str | None, currency: str) -> str:
    """An amount with the currency's decimals (213480000 Rials, 12.50 dollars), ASCII
    digits, no grouping: a number to a spreadsheet."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):.{currency_places(currency)}f}"


def _paid(paid: list[str] | None, currency: str) -> str:
    """What paid the sale, net of change: "Cash 100.00; Card 50.00" (from "cash 100.00")."""
    labels = dict(Payment.Method.choices)
    parts = []
    for entry in paid or []:
        method, _sep, amount = entry.partition(" ")
        parts.append(f"{labels.get(method, method)} {_amount(amount, currency)}")
    return "; ".join(parts)


def sales_csv(sales: QuerySet[Sale]) -> bytes:
    """`sales` (pos.selectors.sale_list, already filtered and scoped) as CSV, newest
    first: one statement, the related rows joined and each sale's payments gathered by
    a subquery (per-chunk prefetching sent 130 `IN` lists for a month of a busy shop,
    and under RLS the planner scanned the payments for each: 30 s for 52,000 sales).
    The number is written as the pages show it (Sale.display_number's format)."""
    paid = (Payment.objects.filter(sale=OuterRef("pk")).order_by().values("sale")
            .annotate(entries=ArrayAgg(Concat("method", Value(" "),
                                              Cast(F("amount") - F("change_given"),
                                                   CharField())),
                                       order_by="created_at"))
            .values("entries"))
    rows = (sales.prefetch_related(None).annotate(paid=Subquery(paid))
            .values_list("number", "created_at", "branch__name", "terminal__name",
                         "cashier__full_name", "cashier__email", "customer__first_name",
                         "customer__last_name", "status", "currency", "subtotal",
                         "discount_total", "member_discount", "tax_total", "total", "paid"))
    statuses = dict(Sale.Status.choices)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Number"), _("Date"), _("Branch"), _("Terminal"), _("Cashier"),
                     _("Customer"), _("Status"), _("Currency"), _("Subtotal"),
                     _("Discounts"), _("Member discount"), _("Tax included"), _("Total"),
                     _("Paid with")])
    # Plain rows (no model instances): a month of a busy shop is tens of thousands.
    for (number, when, branch, terminal, cashier_name, cashier_email, first, last, status,
         currency, subtotal, discounts, member, tax, total, paid_with) in rows.iterator(
            chunk_size=2000):
        writer.writerow([_cell(value) for value in (
            f"S-{number:06d}", jdate(when, "%Y/%m/%d %H:%M"), branch, terminal,
            cashier_name or cashier_email, f"{first or ''} {last or ''}".strip(),
            statuses.get(status, status), currency,
            *(_amount(v, currency) for v in (subtotal, discounts, member, tax, total)),
            _paid(paid_with, currency))])
    return out.getvalue().encode("utf-8")
