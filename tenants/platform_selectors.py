"""Reads of the platform panel, all through the read-only platform connection
(`zargar_platform_reader`: SELECT on every table, sees every tenant's rows)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .limits import Resource
from .models import (
    Announcement,
    AnnouncementReceipt,
    AuthEvent,
    FlagChange,
    FlagOverride,
    FlagRollout,
    JobRun,
    Plan,
    Subscription,
    Tenant,
    User,
)

DB = "platform"
PAGE_SIZE = 25


def platform_rows(model: Any) -> QuerySet:
    """Every shop's rows of a tenant table, through the platform reader (its RLS policy
    lets it read all tenants). The model's own manager refuses to run without a tenant
    scope; the plain base manager is the one loud, named way around it."""
    return model._base_manager.using(DB)


def page_of(items: Any, number: Any, size: int = PAGE_SIZE) -> Page:
    return Paginator(items, size).get_page(number)


@dataclass
class TenantFilter:
    search: str = ""
    status: str = ""
    plan_id: str = ""
    created_from: date | None = None
    created_to: date | None = None

    @classmethod
    def from_query(cls, params: Any) -> "TenantFilter":
        def day(value: str) -> date | None:
            try:
                return date.fromisoformat(value) if value else None
            except ValueError:
                return None

        return cls(
            search=params.get("q", "").strip(),
            status=params.get("status", ""),
            plan_id=params.get("plan", ""),
            created_from=day(params.get("from", "")),
            created_to=day(params.get("to", "")),
        )


def tenant_list(f: TenantFilter) -> QuerySet[Tenant]:
    tenants = Tenant.objects.using(DB).select_related("plan").annotate(
        user_count=Count("users", filter=Q(users__is_active=True), distinct=True)
    )
    if f.search:
        tenants = tenants.filter(
            Q(name__icontains=f.search) | Q(slug__icontains=f.search)
            | Q(users__email__icontains=f.search)
        ).distinct()
    if f.status:
        tenants = tenants.filter(status=f.status)
    if f.plan_id:
        try:
            tenants = tenants.filter(plan_id=f.plan_id)
        except (ValueError, TypeError):
            tenants = tenants.none()
    if f.created_from:
        tenants = tenants.filter(created_at__date__gte=f.created_from)
    if f.created_to:
        tenants = tenants.filter(created_at__date__lte=f.created_to)
    return tenants.order_by("-created_at", "name")


def tenant_get(tenant_id: Any) -> Tenant:
    try:
        return Tenant.objects.using(DB).select_related("plan").get(pk=tenant_id)
    except (Tenant.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def tenant_user_get(tenant: Tenant, user_id: Any) -> User:
    try:
        return User.objects.using(DB).get(tenant=tenant, pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def tenant_users(tenant: Tenant) -> QuerySet[User]:
    return User.objects.using(DB).filter(tenant=tenant).select_related("branch").order_by(
        "-is_active", "role", "email"
    )


def tenant_subscription(tenant: Tenant) -> Subscription | None:
    return platform_rows(Subscription).filter(tenant=tenant).first()


def tenant_usage(tenant: Tenant, subscription: Subscription | None) -> list[dict[str, Any]]:
    """In use / limit per resource, and whether the limit is a per-tenant override."""
    from django.apps import apps

    from .models import Branch, Terminal

    counts: dict[Resource, int] = {
        "users": User.objects.using(DB).filter(tenant=tenant, is_active=True).count(),
        "branches": platform_rows(Branch).filter(tenant=tenant, is_active=True).count(),
        "terminals": platform_rows(Terminal).filter(tenant=tenant, is_active=True).count(),
    }
    try:
        item = apps.get_model("inventory", "Item")
    except LookupError:
        item = None
    rows = []
    for resource in ("users", "branches", "items", "terminals"):
        field = f"max_{resource}"
        override = getattr(subscription, field, None) if subscription else None
        if resource == "items":
            counts["items"] = platform_rows(item).filter(tenant=tenant).count() if item else 0
        rows.append({
            "resource": resource,
            "label": Plan._meta.get_field(field).verbose_name,
            "in_use": counts[resource],
            "limit": override if override is not None else getattr(tenant.plan, field),
            "override": override is not None,
        })
    return rows


def tenant_activity(tenant: Tenant, limit: int = 30) -> dict[str, Any]:
    from auditlog.models import LogEntry

    return {
        "changes": LogEntry.objects.using(DB).filter(additional_data__tenant=str(tenant.pk))
        .select_related("actor", "content_type").order_by("-timestamp")[:limit],
        "auth": AuthEvent.objects.using(DB).filter(tenant=tenant)
        .select_related("actor").order_by("-created_at")[:limit],
    }


def plan_list(*, include_archived: bool = True) -> QuerySet[Plan]:
    plans = Plan.objects.using(DB).annotate(tenant_count=Count("tenants"))
    if not include_archived:
        plans = plans.filter(is_archived=False)
    return plans.order_by("is_archived", "price", "name")


def plan_get(plan_id: Any) -> Plan:
    try:
        return Plan.objects.using(DB).get(pk=plan_id)
    except (Plan.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def revenue_metrics(*, now: Any = None) -> dict[str, Any]:
    """MRR / ARR per currency from paying subscriptions (active, past due), yearly
    plans counted as price / 12; churn = subscriptions cancelled in the last 30 days
    over those paying now plus those cancelled."""
    now = now or timezone.now()
    rows = (
        platform_rows(Subscription)
        .values_list("status", "cancelled_at", "tenant__plan__price",
                     "tenant__plan__billing_cycle", "tenant__plan__currency")
    )
    mrr: dict[str, Decimal] = {}
    paying = churned = trials = 0
    since = now - timedelta(days=30)
    for status, cancelled_at, price, cycle, currency in rows:
        if status in (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE):
            monthly = price / 12 if cycle == Plan.BillingCycle.YEARLY else price
            mrr[currency] = mrr.get(currency, Decimal(0)) + monthly
            paying += 1
        elif status == Subscription.Status.TRIAL:
            trials += 1
        elif status == Subscription.Status.CANCELLED and cancelled_at and cancelled_at >= since:
            churned += 1
    base = paying + churned
    return {
        "mrr": [(c, v.quantize(Decimal("0.01"))) for c, v in sorted(mrr.items())],
        "arr": [(c, (v * 12).quantize(Decimal("0.01"))) for c, v in sorted(mrr.items())],
        "paying": paying,
        "trials": trials,
        "churned_30d": churned,
        "churn_percent": round(churned * 100 / base, 1) if base else 0.0,
    }


def flag_rows() -> list[dict[str, Any]]:
    from waffle import get_waffle_flag_model

    flags = {f.name: f for f in get_waffle_flag_model().objects.using(DB).order_by("name")}
    rollouts = {r.name: r for r in FlagRollout.objects.using(DB).all()}
    overrides: dict[str, list[FlagOverride]] = {}
    for o in FlagOverride.objects.using(DB).select_related("tenant").order_by("tenant__name"):
        overrides.setdefault(o.name, []).append(o)
    return [
        {"name": name, "flag": flags.get(name), "rollout": rollouts.get(name),
         "overrides": overrides.get(name, [])}
        for name in sorted(set(flags) | set(rollouts))
    ]


def flag_history(name: str = "", limit: int = 50) -> QuerySet[FlagChange]:
    changes = FlagChange.objects.using(DB).select_related("actor", "tenant")
    if name:
        changes = changes.filter(name=name)
    return changes[:limit]


def announcement_list() -> QuerySet[Announcement]:
    return (
        Announcement.objects.using(DB)
        .annotate(
            seen=Count("receipts", distinct=True),
            acknowledged=Count("receipts", filter=Q(receipts__acknowledged_at__isnull=False),
                               distinct=True),
        )
        .prefetch_related("target_plans")
        .order_by("-starts_at", "-id")
    )


def announcement_get(announcement_id: Any) -> Announcement:
    try:
        return Announcement.objects.using(DB).get(pk=announcement_id)
    except (Announcement.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def announcement_receipts(announcement: Announcement) -> QuerySet[AnnouncementReceipt]:
    return AnnouncementReceipt.objects.using(DB).filter(announcement=announcement).select_related(
        "user", "user__tenant"
    ).order_by("-seen_at")


def periodic_tasks() -> QuerySet:
    from django_celery_beat.models import PeriodicTask

    return PeriodicTask.objects.using(DB).select_related("interval", "crontab").order_by("name")


def periodic_task_get(task_id: Any) -> Any:
    from django_celery_beat.models import PeriodicTask

    try:
        return PeriodicTask.objects.using(DB).select_related("interval").get(pk=task_id)
    except (PeriodicTask.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def job_runs(*, failures_only: bool = False, limit: int = 50) -> QuerySet[JobRun]:
    runs = JobRun.objects.using(DB).all()
    if failures_only:
        runs = runs.filter(succeeded=False)
    return runs[:limit]


def dashboard_counts() -> dict[str, Any]:
    tenants = Tenant.objects.using(DB)
    return {
        "tenant_counts": dict(
            tenants.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        ),
        "tenant_total": tenants.count(),
        "user_total": User.objects.using(DB).filter(tenant__isnull=False).count(),
        "recent_tenants": tenants.select_related("plan").order_by("-created_at")[:10],
        "failed_logins_24h": AuthEvent.objects.using(DB).filter(
            kind__in=AuthEvent.FLAGGED, created_at__gte=timezone.now() - timedelta(days=1)
        ).count(),
    }
