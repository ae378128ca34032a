"""The owner's books: journal and financial statements (owners and managers)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tenants.access import STAFF_MANAGERS, tenant_view

from . import selectors


def _date(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def journal(request: HttpRequest) -> HttpResponse:
    return render(request, "accounting/journal.html", {
        "entries": selectors.journal(limit=100), "currency": request.tenant.currency})


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def statements(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    start = _date(request.GET.get("start"), today.replace(month=1, day=1))
    end = _date(request.GET.get("end"), today)
    if start > end:
        start, end = end, start
    return render(request, "accounting/statements.html", {
        "start": start, "end": end, "currency": request.tenant.currency,
        "trial": selectors.trial_balance(as_of=end),
        "income": selectors.income_statement(start=start, end=end),
        "balance": selectors.balance_sheet(as_of=end),
        "cash": selectors.cash_flow(start=start, end=end),
    })
