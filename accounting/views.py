"""The owner's books: journal and financial statements (owners and managers)."""

from __future__ import annotations

import datetime
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tenants.access import OWNERS, STAFF_MANAGERS, tenant_view
from tenants.dates import PeriodForm
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add
from tenants.money import money_text

from . import exports, selectors, services
from .forms import FiscalYearForm, this_jalali_year_start


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def journal(request: HttpRequest) -> HttpResponse:
    return render(request, "accounting/journal.html", {
        "entries": selectors.journal(limit=100), "currency": request.tenant.currency})


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def statements(request: HttpRequest) -> HttpResponse:
    return render(request, "accounting/statements.html", statements_context(request))


def statements_context(request: HttpRequest) -> dict[str, object]:
    """The period (?year=<fiscal year> or ?start=&end=; default: the fiscal year holding
    today, else the calendar year to date) and the four statements for it."""
    start, end, year, period_form = statements_period(request)
    period = {"year": year.pk} if year is not None else {"start": start.isoformat(),
                                                          "end": end.isoformat()}
    return {
        "start": start, "end": end, "year": year, "years": selectors.fiscal_years(),
        "period_form": period_form,
        "period_query": urlencode(period),
        "currency": request.tenant.currency,
        "trial": selectors.trial_balance(as_of=end),
        "income": selectors.income_statement(start=start, end=end),
        "balance": selectors.balance_sheet(as_of=end),
        "cash": selectors.cash_flow(start=start, end=end),
    }


def statements_period(
        request: HttpRequest) -> tuple[datetime.date, datetime.date, object, PeriodForm]:
    """(start, end, the fiscal year or None, the period's form to draw). Dates typed in
    the shop's calendar (tenants.dates); a refused one takes its default."""
    today = timezone.localdate()
    year = None
    year_id = request.GET.get("year", "")
    if year_id:
        try:
            year = selectors.fiscal_year_get(year_id=uuid.UUID(year_id))
        except ValueError:
            year = None
    if year is None and not (request.GET.get("start") or request.GET.get("end")):
        year = next((y for y in selectors.fiscal_years() if y.contains(today)), None)
    if year is not None:
        return year.start, year.end, year, PeriodForm(initial={"start": year.start,
                                                               "end": year.end})
    form = PeriodForm(request.GET)
    start, end = form.period(start=today.replace(month=1, day=1), end=today)
    return start, end, None, form.shown(start, end)


# --- fiscal years --------------------------------------------------------------------


@tenant_view(roles=STAFF_MANAGERS)
def fiscal_years(request: HttpRequest) -> HttpResponse:
    """The shop's fiscal years; the owner adds one (POST) and closes ended ones."""
    can_edit = request.user.role in OWNERS
    form = FiscalYearForm(request.POST or None,
                          initial={"start": this_jalali_year_start().isoformat()})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                year = services.fiscal_year_create(
                    tenant=request.tenant, actor=request.user, **form.cleaned_data)
            except BusinessRuleError as exc:
                form_error_add(form, exc)
            else:
                messages.success(request, _("Fiscal year %(name)s added.") % {"name": year.name})
                return redirect("accounting:fiscal-years")
    status = 422 if request.method == "POST" else 200
    return render(request, "accounting/fiscal_years.html", {
        "years": selectors.fiscal_years(), "form": form, "can_edit": can_edit,
        "today": timezone.localdate(), "currency": request.tenant.currency}, status=status)


@require_POST
@tenant_view(roles=OWNERS)
def fiscal_year_close(request: HttpRequest, fiscal_year_id: uuid.UUID) -> HttpResponse:
    year = selectors.fiscal_year_get(year_id=fiscal_year_id)
    try:
        year = services.fiscal_year_close(tenant=request.tenant, actor=request.user, year=year)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Fiscal year %(name)s is closed; its profit, %(amount)s, "
                                    "went to retained earnings.")
                         % {"name": year.name, "amount": money_text(year.net_income)})
    return redirect("accounting:fiscal-years")


# --- exports -------------------------------------------------------------------------


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def statement_export(request: HttpRequest) -> HttpResponse:
    """?statement=trial-balance|income-statement|balance-sheet&format=pdf|xlsx plus the
    statements page's period (?year= or ?start=&end=)."""
    key = request.GET.get("statement", "")
    key = key if key in exports.STATEMENTS else exports.STATEMENTS[0]
    file_format = request.GET.get("format", "")
    file_format = file_format if file_format in exports.FORMATS else "pdf"
    start, end, _year, _form = statements_period(request)
    table = exports.statement_table(key=key, start=start, end=end, shop=request.tenant.name,
                                    currency=request.tenant.currency)
    if file_format == "xlsx":
        content = exports.table_xlsx(table)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, content_type = exports.table_pdf(table), "application/pdf"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{key}-{start.isoformat()}-{end.isoformat()}.{file_format}"')
    return response


# --- events that could not be posted -------------------------------------------------


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def unposted(request: HttpRequest) -> HttpResponse:
    """Events the posting refused, with the reason; the owner posts them again."""
    return render(request, "accounting/unposted.html", {
        "failures": selectors.posting_failures(),
        "can_retry": request.user.role in OWNERS})


@require_POST
@tenant_view(roles=OWNERS)
def unposted_retry(request: HttpRequest, posting_failure_id: uuid.UUID) -> HttpResponse:
    failure = selectors.posting_failure_get(failure_id=posting_failure_id)
    late = request.POST.get("late") == "1"
    try:
        services.posting_failure_retry(tenant=request.tenant, actor=request.user,
                                       failure=failure, late=late)
    except BusinessRuleError as exc:
        messages.error(request, _("%(reference)s is still not posted: %(reason)s") % {
            "reference": failure.reference or failure.source_id, "reason": exc.message})
    else:
        messages.success(request, _("%(reference)s is posted.") % {
            "reference": failure.reference or failure.source_id})
    return redirect("accounting:unposted")
