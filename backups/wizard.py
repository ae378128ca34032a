"""The four-step restore wizard of the platform panel: 1. the backup (a shop and one
of its exports, or a point in time from the cluster backups), 2. the type (replace
or merge), 3. the options (which copy of the export; or the moment), 4. confirm
(the reason and the shop's address typed). Every step's answers travel as hidden
fields and are checked again at each step; nothing is written before the last one.
A finished restore request starts its Celery task after commit."""

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tenants.access import platform_view
from tenants.errors import BusinessRuleError
from tenants.models import Tenant
from tenants.templatetags.zargar import jdate

from . import pitr, services, tasks
from .models import BackupRun

PITR = "pitr"
STEPS = (gettext_lazy("Backup"), gettext_lazy("Type"), gettext_lazy("Options"),
         gettext_lazy("Confirm"))


def _exports(tenant: Tenant | None) -> list[BackupRun]:
    if tenant is None:
        return []
    runs = BackupRun.objects.using("platform").filter(
        kind=BackupRun.Kind.TENANT_EXPORT, tenant_id=tenant.pk,
        state__in=(BackupRun.State.COMPLETED, BackupRun.State.DEGRADED))
    # Only exports a target still holds a good copy of (not all expired or corrupt).
    return [run for run in runs[:200]
            if any(t.get("state") == "ok" for t in run.targets.values())][:30]


class SourceForm(forms.Form):
    tenant = forms.ModelChoiceField(label=gettext_lazy("Shop"), queryset=Tenant.objects.none())
    source = forms.ChoiceField(label=gettext_lazy("Backup"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shops = Tenant.objects.using("platform").order_by("name")
        self.fields["tenant"].queryset = shops
        tenant = None
        chosen = self.data.get(self.add_prefix("tenant")) or self.initial.get("tenant")
        if chosen:
            tenant = shops.filter(pk=chosen).first() if _is_uuid(chosen) else None
        self.tenant = tenant
        self.exports = {str(run.pk): run for run in _exports(tenant)}
        choices = [(pk, _("Export of %(when)s, %(size)s") % {
            "when": jdate(run.started_at, "%Y/%m/%d %H:%M"),
            "size": filesizeformat(run.size_bytes or 0)}) for pk, run in self.exports.items()]
        choices.append((PITR, _("A point in time, from the cluster backups")))
        self.fields["source"].choices = choices


class TypeForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("Type"), choices=BackupRun.Mode.choices,
                             widget=forms.RadioSelect,
                             help_text=gettext_lazy(
                                 "Replace: the shop's data becomes exactly the backup's. "
                                 "Merge: only rows missing now are added back."))


class OptionsForm(forms.Form):
    copy = forms.ChoiceField(label=gettext_lazy("Read the export from"), required=False)
    target_time = forms.DateTimeField(
        label=gettext_lazy("Moment to go back to"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"},
                                   format="%Y-%m-%dT%H:%M:%S"),
        input_formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"])

    def __init__(self, *args: Any, source: str = "", export: BackupRun | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        if source == PITR:
            del self.fields["copy"]
            self.fields["target_time"].required = True
            since = pitr.restorable_since()
            self.fields["target_time"].help_text = (
                _("The oldest cluster backup ended at %(when)s.")
                % {"when": jdate(since, "%Y/%m/%d %H:%M:%S")} if since
                else _("There is no cluster backup yet."))
        else:
            del self.fields["target_time"]
            copies = [(name, name) for name, t in (export.targets if export else {}).items()
                      if t.get("state") == "ok"]
            self.fields["copy"].choices = [("", _("Any copy that opens"))] + copies


class ConfirmForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)
    confirm_slug = forms.CharField(label=gettext_lazy("Type the shop's address to confirm"),
                                   max_length=80)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _forms(data: Any, initial: dict[str, Any]) -> list[forms.Form]:
    source = SourceForm(data, initial=initial, prefix="s")
    export = None
    if source.is_bound and source.is_valid():
        export = source.exports.get(source.cleaned_data["source"])
    chosen = source.cleaned_data.get("source", "") if source.is_bound and source.is_valid() else ""
    return [source, TypeForm(data, prefix="t"),
            OptionsForm(data, prefix="o", source=chosen, export=export),
            ConfirmForm(data, prefix="c")]


@platform_view
@require_http_methods(["GET", "POST"])
def restore_wizard(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    export_id = request.GET.get("export", "")
    if _is_uuid(export_id):
        run = BackupRun.objects.using("platform").filter(pk=export_id).first()
        if run is not None and run.tenant_id:
            initial = {"tenant": str(run.tenant_id), "source": str(run.pk)}
    if request.method != "POST":
        initial = initial or {"tenant": request.GET.get("tenant", "")}
        steps = [SourceForm(initial=initial, prefix="s"), None, None, None]
        return _render(request, steps, 0)

    try:
        step = min(max(int(request.POST.get("step", "0")), 0), 3)
    except ValueError:
        step = 0
    data = request.POST.copy()
    if "back" in request.POST:
        return _render(request, _forms(data, initial), max(step - 1, 0), keep_errors=False)
    if "pick" in request.POST:  # the shop was changed: list its backups
        return _render(request, _forms(data, initial), 0, keep_errors=False)
    steps = _forms(data, initial)
    for index, form in enumerate(steps[: step + 1]):
        if not form.is_valid():
            return _render(request, steps, index, status=422)
    if step < 3:
        return _render(request, steps, step + 1, keep_errors=False)

    source, kind, options, confirm = steps
    tenant = source.tenant
    try:
        with transaction.atomic():
            if source.cleaned_data["source"] == PITR:
                run = pitr.tenant_pitr_start(
                    tenant=tenant, target_time=options.cleaned_data["target_time"],
                    mode=kind.cleaned_data["mode"], initiator=request.user,
                    reason=confirm.cleaned_data["reason"],
                    confirm_slug=confirm.cleaned_data["confirm_slug"])
            else:
                run = services.tenant_restore_start(
                    export=source.exports[source.cleaned_data["source"]], tenant=tenant,
                    mode=kind.cleaned_data["mode"], initiator=request.user,
                    reason=confirm.cleaned_data["reason"],
                    confirm_slug=confirm.cleaned_data["confirm_slug"])
                if options.cleaned_data.get("copy"):
                    run.details = {**run.details, "target_name": options.cleaned_data["copy"]}
                    run.save(update_fields=["details"])
            transaction.on_commit(lambda: tasks.tenant_restore.delay(str(run.pk)))
    except BusinessRuleError as exc:
        confirm.add_error(None, exc.message)
        return _render(request, steps, 3, status=422)
    messages.success(request, _("Restore of %(shop)s started.") % {"shop": tenant.name})
    return redirect("backups:list")


def _render(request: HttpRequest, steps: list[Any], step: int, *, status: int = 200,
            keep_errors: bool = True) -> HttpResponse:
    current = steps[step]
    if current is not None and not keep_errors and current.is_bound:
        current.errors.clear()  # arriving at a step is not a failed attempt
    source = steps[0]
    summary = {}
    if step > 0 and source.is_bound and source.is_valid():
        summary["shop"] = source.tenant
        choice = source.cleaned_data["source"]
        summary["backup"] = dict(source.fields["source"].choices).get(choice)
        summary["pitr"] = choice == PITR
    if step > 1 and steps[1].is_valid():
        summary["mode"] = dict(BackupRun.Mode.choices)[steps[1].cleaned_data["mode"]]
    if step > 2 and steps[2].is_valid():
        summary["copy"] = steps[2].cleaned_data.get("copy")
        summary["target_time"] = steps[2].cleaned_data.get("target_time")
    earlier = [f for f in steps[:step] if f is not None]
    return render(request, "backups/restore_wizard.html", {
        "steps": STEPS, "step": step, "form": current, "earlier": earlier,
        "summary": summary}, status=status)
