"""Scheduled report emails: a platform task (beat, hourly) fans out one task per shop,
which sends that shop's due schedules inside its tenant scope."""

from celery import shared_task

from tenants.context import require_tenant
from tenants.tasks_base import TenantTask, fan_out

from . import services


@shared_task(base=TenantTask, name="reports.schedules_send_task")
def schedules_send_task() -> int:
    """Send this shop's report emails that are due (each at most once per period)."""
    return services.report_schedules_send(tenant=require_tenant())


@shared_task(name="reports.schedules_send_all", acks_late=True)
def schedules_send_all() -> int:
    """Platform task (beat): enqueue schedules_send_task for every active shop."""
    return fan_out(schedules_send_task)
