"""The owner's dashboard widgets: today's sales and the 30-day chart, from the SalesDay
summaries the posting service keeps (no scan of sales). Both widgets read one summary,
computed once per request."""

import datetime
from typing import Any

from django.http import HttpRequest

from tenants.templatetags.zargar import jdate

from . import selectors


def sales_today(request: HttpRequest) -> dict[str, Any]:
    summary = getattr(request, "_accounting_sales_summary", None)
    if summary is None:
        summary = selectors.sales_summary(days=30)
        request._accounting_sales_summary = summary  # noqa: SLF001 - per-request memo
    # The chart's day labels in the reader's calendar (Jalali in Persian).
    labels = [jdate(datetime.date.fromisoformat(day), "%m/%d") for day in summary["labels"]]
    return {**summary, "labels": labels, "currency": request.tenant.currency}


def branch_comparison(request: HttpRequest) -> dict[str, Any]:
    return {"branches": selectors.branch_comparison(days=30),
            "currency": request.tenant.currency}


def unposted(request: HttpRequest) -> dict[str, Any]:
    return {"count": selectors.posting_failure_count()}
