"""The CRM's scheduled work: a daily platform task fans out one task per shop,
which runs inside that shop's tenant scope (tenants.tasks_base.TenantTask)."""

from celery import shared_task

from tenants.context import require_tenant
from tenants.tasks_base import TenantTask, fan_out

from . import services


@shared_task(base=TenantTask, name="crm.points_expire_task")
def points_expire_task() -> dict[str, int]:
    """Expire points lots and gift cards past their dates, lower lapsed tiers (idempotent)."""
    tenant = require_tenant()
    points = services.points_expire(tenant=tenant, actor=None)
    cards = services.gift_cards_expire_due(tenant=tenant, actor=None)
    return {"points": points, "gift_cards": cards}


@shared_task(name="crm.expire_all", acks_late=True)
def expire_all() -> int:
    """Platform task (beat, daily): enqueue points_expire_task for every active shop."""
    return fan_out(points_expire_task)
