"""Scheduled repair work: overdue reminders. A platform task (beat, hourly) fans out one
task per active shop, which reminds inside that shop's scope. Orders carry the date of
their last reminder, so running more often than daily sends nothing twice."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from tenants.context import require_tenant
from tenants.tasks_base import TenantTask, fan_out

from . import services


@shared_task(base=TenantTask, name="repairs.overdue_remind_task")
def overdue_remind_task() -> int:
    """Remind this shop's overdue orders, not before REPAIR_REMINDER_HOUR local time."""
    if timezone.localtime().hour < settings.REPAIR_REMINDER_HOUR:
        return 0
    return services.repair_overdue_remind(tenant=require_tenant())


@shared_task(name="repairs.overdue_remind_all", acks_late=True)
def overdue_remind_all() -> int:
    """Platform task (beat, hourly): enqueue overdue_remind_task for every active shop."""
    return fan_out(overdue_remind_task)
