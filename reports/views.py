"""The sales reports page (owners and managers) and the owner's report emails.

    /reports/                      picker + filters; HTMX swaps the #results partial
    /reports/export/?format=pdf    the same report as a file (csv, xlsx, pdf)
    /reports/schedules/            scheduled report emails (owners)
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenants.access import OWNERS, STAFF_MANAGERS, tenant_view
from tenants.errors import BusinessRuleError
from tenants.fragments import page_or_partial, restore_status

from . import exports, selectors, services
from .forms import ReportFilterForm, ReportScheduleForm
from .models import ReportSchedule


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def index(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm.for_request(request.GET)
    report = None
    if form.is_valid():
        report = selectors.report_build(key=form.cleaned_data["report"], filters=form.filters())
    template = page_or_partial(request, "reports/index.html", target="report-results")
    return render(request, template, {
        "form": form, "report": report, "currency": request.tenant.currency,
        "query": request.GET.urlencode(), "formats": exports.FORMATS,
        "can_schedule": request.user.role in OWNERS,
    }, status=restore_status(request, 200 if report is not None else 422))


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def export(request: HttpRequest) -> HttpResponse:
    file_format = request.GET.get("format", "csv")
    form = ReportFilterForm.for_request(request.GET)
    if file_format not in exports.FORMATS or not form.is_valid():
        return render(request, "reports/index.html", {
            "form": form, "report": None, "formats": exports.FORMATS,
            "export_error": _("Choose a valid report, period and file format."),
        }, status=400)
    report = selectors.report_build(key=form.cleaned_data["report"], filters=form.filters())
    file = exports.report_file(report, file_format)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    return response


@require_http_methods(["GET", "POST"])
@tenant_view(roles=OWNERS)
def schedules(request: HttpRequest) -> HttpResponse:
    form = ReportScheduleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.report_schedule_create(tenant=request.tenant, actor=request.user,
                                                **form.cleaned_data)
            except BusinessRuleError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("The report email is scheduled."))
                return redirect("reports:schedules")
        status = 422
    rows = ReportSchedule.objects.select_related("branch", "created_by")
    return render(request, "reports/schedules.html", {"form": form, "schedules": list(rows)},
                  status=status)


@require_POST
@tenant_view(roles=OWNERS)
def schedule_toggle(request: HttpRequest, schedule_id: str) -> HttpResponse:
    schedule = get_object_or_404(ReportSchedule, pk=schedule_id)
    services.report_schedule_set_active(tenant=request.tenant, actor=request.user,
                                        schedule=schedule, is_active=not schedule.is_active)
    return redirect("reports:schedules")


@require_POST
@tenant_view(roles=OWNERS)
def schedule_delete(request: HttpRequest, schedule_id: str) -> HttpResponse:
    schedule = get_object_or_404(ReportSchedule, pk=schedule_id)
    services.report_schedule_delete(tenant=request.tenant, actor=request.user, schedule=schedule)
    messages.success(request, _("The report email is stopped."))
    return redirect("reports:schedules")
