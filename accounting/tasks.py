"""Posting the outbox: a platform task (beat, every minute) fans out one task per
shop, which posts that shop's waiting events inside its tenant scope."""

from celery import shared_task

from tenants.context import require_tenant
from tenants.tasks_base import TenantTask, fan_out

from . import services


@shared_task(base=TenantTask, name="accounting.pending_post_task")
def pending_post_task() -> int:
    """Post this shop's waiting events (idempotent: each event is posted once)."""
    return services.pending_post(tenant=require_tenant())


@shared_task(name="accounting.post_all", acks_late=True)
def post_all() -> int:
    """Platform task (beat): enqueue pending_post_task for every active shop."""
    return fan_out(pending_post_task)
