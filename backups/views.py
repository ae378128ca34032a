"""Platform pages of backups: runs with live progress, a shop export on demand, and a
shop restore confirmed by typing the shop's address. Reads through the platform
connection; writes through services; work through Celery tasks after commit."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenants.access import platform_view
from tenants.errors import BusinessRuleError
from tenants.fragments import page_or_partial
from tenants.models import Tenant

from . import alerts, services, tasks
from .forms import DumpForm, ExportForm, RestoreForm
from .models import BackupAlert, BackupRun

T = "backups/"


def _runs() -> list[BackupRun]:
    runs = list(BackupRun.objects.using("platform").select_related("source")[:50])
    for run in runs:
        run.live = services.backup_progress_get(run)
    return runs


def _alerts() -> list[BackupAlert]:
    found = alerts.alerts_open()
    for alert in found:
        alert.text = alerts.alert_text(alert)
    return found


@platform_view
@require_GET
def backup_alert_banner(request: HttpRequest) -> HttpResponse:
    """The open backup alerts, shown at the top of every platform page (HTMX)."""
    return render(request, T + "alert_banner.html", {"alerts": _alerts()})


@platform_view
@require_POST
def backup_alert_resolve(request: HttpRequest, backup_alert_id: str) -> HttpResponse:
    alert = BackupAlert.objects.filter(pk=backup_alert_id).first()
    if alert is None:
        raise Http404
    alerts.alert_resolve(alert=alert, user=request.user)
    messages.success(request, _("Alert marked as resolved."))
    return redirect("backups:list")


def _list_context(*, form: ExportForm | None = None,
                  dump_form: DumpForm | None = None) -> dict:
    runs = _runs()
    return {"runs": runs, "running": any(r.is_running for r in runs),
            "form": form or ExportForm(), "dump_form": dump_form or DumpForm(prefix="dump"),
            "alerts": _alerts()}


@platform_view
@require_GET
def backup_list(request: HttpRequest) -> HttpResponse:
    # The runs section polls itself (hx-get on #runs) while a run is going.
    template = page_or_partial(request, T + "backup_list.html", target="runs", partial="runs")
    return render(request, template, _list_context())


@platform_view
@require_POST
def backup_export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST)
    if not form.is_valid():
        return render(request, T + "backup_list.html", _list_context(form=form), status=422)
    tenant = Tenant.objects.get(pk=form.cleaned_data["tenant"].pk)
    with transaction.atomic():
        run = services.backup_run_start(kind=BackupRun.Kind.TENANT_EXPORT, tenant=tenant,
                                        initiator=request.user,
                                        reason=form.cleaned_data["reason"])
        transaction.on_commit(lambda: tasks.tenant_export.delay(str(run.pk)))
    messages.success(request, _("Export of %(shop)s started.") % {"shop": tenant.name})
    return redirect("backups:list")


@platform_view
@require_POST
def backup_dump(request: HttpRequest) -> HttpResponse:
    """Start the portable copy of the whole database (pg_dump, task
    backups.cluster_dump) now, recorded with who started it and why."""
    form = DumpForm(request.POST, prefix="dump")
    if not form.is_valid():
        return render(request, T + "backup_list.html", _list_context(dump_form=form),
                      status=422)
    if BackupRun.objects.filter(kind=BackupRun.Kind.DUMP,
                                state=BackupRun.State.STARTED).exists():
        messages.error(request, _("A database copy is already running."))
        return redirect("backups:list")
    with transaction.atomic():
        run = services.backup_run_start(kind=BackupRun.Kind.DUMP, initiator=request.user,
                                        reason=form.cleaned_data["reason"])
        transaction.on_commit(lambda: tasks.cluster_dump.delay(str(run.pk)))
    messages.success(request, _("Database copy started."))
    return redirect("backups:list")


@platform_view
@require_http_methods(["GET", "POST"])
def backup_restore(request: HttpRequest, run_id: str) -> HttpResponse:
    export = BackupRun.objects.filter(pk=run_id, kind=BackupRun.Kind.TENANT_EXPORT).first()
    if export is None or export.tenant_id is None:
        raise Http404
    tenant = Tenant.objects.get(pk=export.tenant_id)
    form = RestoreForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    run = services.tenant_restore_start(
                        export=export, tenant=tenant, mode=form.cleaned_data["mode"],
                        initiator=request.user, reason=form.cleaned_data["reason"],
                        confirm_slug=form.cleaned_data["confirm_slug"])
                    transaction.on_commit(lambda: tasks.tenant_restore.delay(str(run.pk)))
            except BusinessRuleError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Restore of %(shop)s started.")
                                 % {"shop": tenant.name})
                return redirect("backups:list")
        status = 422
    return render(request, T + "backup_restore.html",
                  {"export": export, "tenant": tenant, "form": form}, status=status)
