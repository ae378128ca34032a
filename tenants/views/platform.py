"""The platform panel (operators). Reads go through the read-only platform connection
(tenants/platform_selectors.py); writes through services on the default connection."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import announcements, flags, health, platform_services
from .. import platform_selectors as sel
from ..access import platform_view
from ..audit import AuditFilter, audit_csv_rows, auth_event_list, change_list
from ..errors import BusinessRuleError
from ..formviews import form_page
from ..fragments import page_or_partial
from ..impersonation import impersonation_start_response
from ..models import Announcement, AuthEvent, Plan, Subscription, Tenant
from ..platform_forms import (
    AnnouncementForm,
    DeletionForm,
    FlagForm,
    FlagOverrideForm,
    PeriodicTaskForm,
    PlanForm,
    SubscriptionForm,
    TenantCreateForm,
    TenantEditForm,
)
from ..services import tenant_create

T = "tenants/platform/"


def _done(request: HttpRequest, message: str, url: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(url)


def _refused(request: HttpRequest, exc: BusinessRuleError, url: str) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect(url)


# --- dashboard -----------------------------------------------------------------------


@platform_view
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {**sel.dashboard_counts(), "revenue": sel.revenue_metrics()}
    return render(request, T + "dashboard.html", context)


# --- tenants -------------------------------------------------------------------------


@platform_view
@require_GET
def tenant_list(request: HttpRequest) -> HttpResponse:
    filters = sel.TenantFilter.from_query(request.GET)
    page = sel.page_of(sel.tenant_list(filters), request.GET.get("page"))
    context = {"page": page, "filters": filters, "statuses": Tenant.Status.choices,
               "plans": sel.plan_list()}
    template = page_or_partial(request, T + "tenant_list.html", target="tenant-results")
    return render(request, template, context)


@platform_view
def tenant_create_view(request: HttpRequest) -> HttpResponse:
    form = TenantCreateForm(request.POST or None)
    return form_page(
        request, form=form, template=T + "form.html",
        save=lambda d: tenant_create(
            name=d["name"], slug=d["slug"], plan=Plan.objects.get(pk=d["plan"].pk),
            owner_email=d["owner_email"], owner_name=d["owner_name"],
            currency=d["currency"].upper(), language=d["language"], actor=request.user,
        ),
        success_message=lambda t: _("%(shop)s was created and its owner invited.") % {"shop": t},
        success_url=lambda t: reverse("platform:tenant-detail", args=[t.pk]),
        context={"title": _("New shop"), "back": reverse("platform:tenant-list"),
                 "back_label": _("Shops"), "submit": _("Create and invite the owner")},
    )


TABS = ("info", "users", "subscription", "activity")


@platform_view
@require_GET
def tenant_detail(request: HttpRequest, tenant_id: Any) -> HttpResponse:
    tenant = sel.tenant_get(tenant_id)
    tab = request.GET.get("tab", "info")
    tab = tab if tab in TABS else "info"
    subscription = sel.tenant_subscription(tenant)
    context: dict[str, Any] = {"tenant": tenant, "tab": tab, "subscription": subscription}
    if tab == "info":
        context["usage"] = sel.tenant_usage(tenant, subscription)
    elif tab == "users":
        context["users"] = sel.tenant_users(tenant)
    elif tab == "subscription":
        context["usage"] = sel.tenant_usage(tenant, subscription)
        context["form"] = SubscriptionForm(initial=_subscription_initial(subscription))
    else:
        context.update(sel.tenant_activity(tenant))
    return render(request, T + "tenant_detail.html", context)


def _subscription_initial(subscription: Subscription | None) -> dict[str, Any]:
    if subscription is None:
        return {}
    fields = ("status", "next_billing_date", *platform_services.OVERRIDE_FIELDS)
    return {f: getattr(subscription, f) for f in fields}


@platform_view
def tenant_edit(request: HttpRequest, tenant_id: Any) -> HttpResponse:
    tenant = sel.tenant_get(tenant_id)
    initial = {"name": tenant.name, "plan": tenant.plan_id, "currency": tenant.currency}
    form = TenantEditForm(request.POST or None, initial=initial, tenant=tenant)
    return form_page(
        request, form=form, template=T + "form.html",
        save=lambda d: platform_services.tenant_update(
            actor=request.user, tenant=tenant, name=d["name"],
            plan=Plan.objects.get(pk=d["plan"].pk), currency=d["currency"].upper(),
        ),
        success_message=_("Saved."),
        success_url=reverse("platform:tenant-detail", args=[tenant.pk]),
        context={"title": tenant.name, "back": reverse("platform:tenant-detail", args=[tenant.pk]),
                 "back_label": tenant.name},
    )


@platform_view
@require_POST
def tenant_status(request: HttpRequest, tenant_id: Any) -> HttpResponse:
    """Suspend or reactivate (POST action=suspend|reactivate)."""
    tenant = sel.tenant_get(tenant_id)
    url = reverse("platform:tenant-detail", args=[tenant.pk])
    action = request.POST.get("action")
    try:
        if action == "suspend":
            platform_services.tenant_suspend(actor=request.user, tenant=tenant)
            message = _("%(shop)s is suspended.") % {"shop": tenant}
        elif action == "reactivate":
            platform_services.tenant_reactivate(actor=request.user, tenant=tenant)
            message = _("%(shop)s is active again.") % {"shop": tenant}
        else:
            raise BusinessRuleError(_("Unknown action."))
    except BusinessRuleError as exc:
        return _refused(request, exc, url)
    return _done(request, message, url)


@platform_view
def tenant_delete(request: HttpRequest, tenant_id: Any) -> HttpResponse:
    tenant = sel.tenant_get(tenant_id)
    form = DeletionForm(request.POST or None)
    return form_page(
        request, form=form, template=T + "tenant_delete.html",
        save=lambda d: platform_services.tenant_schedule_deletion(
            actor=request.user, tenant=tenant, confirm_slug=d["confirm_slug"]),
        success_message=lambda t: _("%(shop)s will be deleted on %(date)s unless reactivated.")
        % {"shop": t, "date": timezone.localdate(t.deletion_scheduled_for)},
        success_url=reverse("platform:tenant-detail", args=[tenant.pk]),
        context={"tenant": tenant, "grace_days": _grace_days()},
    )


def _grace_days() -> int:
    from django.conf import settings

    return settings.TENANT_DELETION_GRACE_DAYS


@platform_view
@require_POST
def tenant_subscription(request: HttpRequest, tenant_id: Any) -> HttpResponse:
    tenant = sel.tenant_get(tenant_id)
    form = SubscriptionForm(request.POST)
    if form.is_valid():
        try:
            platform_services.subscription_update(actor=request.user, tenant=tenant,
                                                  **form.cleaned_data)
        except BusinessRuleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return _done(request, _("Subscription saved."),
                         reverse("platform:tenant-detail", args=[tenant.pk]) + "?tab=subscription")
    subscription = sel.tenant_subscription(tenant)
    context = {"tenant": tenant, "tab": "subscription", "subscription": subscription,
               "usage": sel.tenant_usage(tenant, subscription), "form": form}
    return render(request, T + "tenant_detail.html", context, status=422)


@platform_view
@require_POST
def user_password_reset(request: HttpRequest, tenant_id: Any, user_id: Any) -> HttpResponse:
    tenant = sel.tenant_get(tenant_id)
    user = sel.tenant_user_get(tenant, user_id)
    url = reverse("platform:tenant-detail", args=[tenant.pk]) + "?tab=users"
    try:
        platform_services.user_password_reset_send(actor=request.user, user=user)
    except BusinessRuleError as exc:
        return _refused(request, exc, url)
    return _done(request, _("A password reset link was emailed to %(email)s.")
                 % {"email": user.email}, url)


@platform_view
@require_POST
def impersonation_start(request: HttpRequest) -> HttpResponse:
    """Act as a shop user (POST user_pk). Refused (403) for platform admins."""
    return impersonation_start_response(request)


# --- plans ---------------------------------------------------------------------------


@platform_view
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(request, T + "plan_list.html", {"plans": sel.plan_list()})


@platform_view
def plan_create(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None)
    return form_page(
        request, form=form, template=T + "form.html",
        save=lambda d: platform_services.plan_create(actor=request.user, **d),
        success_message=_("Plan created."), success_url="platform:plan-list",
        context={"title": _("New plan"), "back": reverse("platform:plan-list"),
                 "back_label": _("Plans")},
    )


@platform_view
def plan_edit(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = sel.plan_get(plan_id)
    initial = {f: getattr(plan, f) for f in platform_services.PLAN_FIELDS}
    form = PlanForm(request.POST or None, initial=initial)
    return form_page(
        request, form=form, template=T + "form.html",
        save=lambda d: platform_services.plan_update(actor=request.user, plan=plan, **d),
        success_message=_("Plan saved."), success_url="platform:plan-list",
        context={"title": plan.name, "back": reverse("platform:plan-list"),
                 "back_label": _("Plans")},
    )


@platform_view
@require_POST
def plan_archive(request: HttpRequest, plan_id: Any) -> HttpResponse:
    plan = sel.plan_get(plan_id)
    archived = request.POST.get("archived") == "1"
    platform_services.plan_set_archived(actor=request.user, plan=plan, archived=archived)
    message = _("Plan archived.") if archived else _("Plan restored.")
    return _done(request, message, reverse("platform:plan-list"))


# --- feature flags -------------------------------------------------------------------


@platform_view
def flag_list(request: HttpRequest) -> HttpResponse:
    form = FlagForm(request.POST or None)
    return form_page(
        request, form=form, template=T + "flag_list.html",
        save=lambda d: flags.flag_update(actor=request.user, **d),
        success_message=_("Flag saved."), success_url="platform:flag-list",
        context={"rows": sel.flag_rows(), "history": sel.flag_history(),
                 "override_form": FlagOverrideForm()},
    )


@platform_view
@require_POST
def flag_kill(request: HttpRequest, name: str) -> HttpResponse:
    killed = request.POST.get("killed", "1") == "1"
    flags.flag_kill(actor=request.user, name=name, killed=killed)
    message = _("Flag %(name)s is off everywhere.") if killed else _("Kill switch lifted for %(name)s.")
    return _done(request, message % {"name": name}, reverse("platform:flag-list"))


@platform_view
@require_POST
def flag_override(request: HttpRequest, name: str) -> HttpResponse:
    form = FlagOverrideForm(request.POST)
    url = reverse("platform:flag-list")
    if not form.is_valid():
        messages.error(request, _("Choose a shop and a state."))
        return redirect(url)
    state = form.cleaned_data["state"]
    enabled = {"on": True, "off": False}.get(state)
    flags.flag_override_set(actor=request.user, name=name, tenant=form.cleaned_data["tenant"],
                            enabled=enabled)
    return _done(request, _("Override saved."), url)


# --- announcements -------------------------------------------------------------------


@platform_view
@require_GET
def announcement_list(request: HttpRequest) -> HttpResponse:
    page = sel.page_of(sel.announcement_list(), request.GET.get("page"))
    return render(request, T + "announcement_list.html", {"page": page, "now": timezone.now()})


@platform_view
def announcement_create(request: HttpRequest) -> HttpResponse:
    form = AnnouncementForm(request.POST or None)
    return form_page(
        request, form=form, template=T + "form.html",
        save=lambda d: announcements.announcement_create(
            actor=request.user, **{**d, "target_plans": list(
                Plan.objects.filter(pk__in=[p.pk for p in d["target_plans"]]))}),
        success_message=_("Announcement published."), success_url="platform:announcement-list",
        context={"title": _("New announcement"), "back": reverse("platform:announcement-list"),
                 "back_label": _("Announcements"), "submit": _("Publish")},
    )


@platform_view
@require_GET
def announcement_detail(request: HttpRequest, announcement_id: int) -> HttpResponse:
    announcement = sel.announcement_get(announcement_id)
    receipts = sel.page_of(sel.announcement_receipts(announcement), request.GET.get("page"))
    return render(request, T + "announcement_detail.html",
                  {"announcement": announcement, "page": receipts})


@platform_view
@require_POST
def announcement_end(request: HttpRequest, announcement_id: int) -> HttpResponse:
    announcement = Announcement.objects.get(pk=sel.announcement_get(announcement_id).pk)
    announcements.announcement_end(actor=request.user, announcement=announcement)
    return _done(request, _("Announcement ended."), reverse("platform:announcement-list"))


# --- audit ---------------------------------------------------------------------------


@platform_view
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    f = AuditFilter.from_query(request.GET)
    rows = change_list(f) if f.source == "changes" else auth_event_list(f)
    page = sel.page_of(rows, request.GET.get("page"), size=50)
    context = {
        "page": page, "filters": f, "auth_kinds": AuthEvent.Kind.choices,
        "change_actions": [("create", _("Created")), ("update", _("Changed")),
                           ("delete", _("Deleted"))],
        "tenants": Tenant.objects.using("platform").order_by("name").only("id", "name"),
        "export_query": request.GET.urlencode(),
    }
    template = page_or_partial(request, T + "audit_list.html", target="audit-results")
    return render(request, template, context)


@platform_view
@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    f = AuditFilter.from_query(request.GET)
    response = StreamingHttpResponse(audit_csv_rows(f), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="zargar-audit-{f.source}-{stamp}.csv"'
    return response


# --- health and jobs -----------------------------------------------------------------


@platform_view
@require_GET
def health_view(request: HttpRequest) -> HttpResponse:
    return render(request, T + "health.html", health.health_snapshot())


@platform_view
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    context = {
        "tasks": sel.periodic_tasks(),
        "runs": sel.job_runs(),
        "failures": sel.job_runs(failures_only=True, limit=20),
    }
    return render(request, T + "job_list.html", context)


@platform_view
def job_edit(request: HttpRequest, task_id: int) -> HttpResponse:
    task = sel.periodic_task_get(task_id)
    every = task.interval.every if task.interval and task.interval.period == "seconds" else None
    form = PeriodicTaskForm(request.POST or None, initial={"every": every, "enabled": task.enabled})
    return form_page(
        request, form=form, template=T + "form.html",
        save=lambda d: health.periodic_task_update(actor=request.user, task_id=task.pk, **d),
        success_message=_("Schedule saved."), success_url="platform:job-list",
        context={"title": task.name, "back": reverse("platform:job-list"),
                 "back_label": _("Jobs"), "intro": task.task},
    )


@platform_view
@require_POST
def job_run(request: HttpRequest, task_id: int) -> HttpResponse:
    task = sel.periodic_task_get(task_id)
    try:
        health.periodic_task_run_now(actor=request.user, task_id=task.pk)
    except BusinessRuleError as exc:
        return _refused(request, exc, reverse("platform:job-list"))
    return _done(request, _("%(task)s was queued.") % {"task": task.name},
                 reverse("platform:job-list"))
