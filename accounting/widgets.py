"""The owner's dashboard widgets: today's sales and the 30-day chart, from the SalesDay
summaries the posting service keeps (no scan of sales)."""

from typing import Any

from django.http import HttpRequest

from . import selectors


def sales_today(request: HttpRequest) -> dict[str, Any]:
    summary = selectors.sales_summary(days=30)
    return {**summary, "currency": request.tenant.currency}
