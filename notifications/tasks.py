"""Sending customer messages: one task per message, inside the shop's scope.

A failed attempt is recorded in the row (attempts, error) and the task is sent
again after NOTIFICATION_RETRY_DELAY seconds, until NOTIFICATION_MAX_RETRIES
attempts; then the message is marked failed. The retry is enqueued after the
attempt is committed, so the count is never lost."""

from celery import shared_task
from django.conf import settings
from django.db import transaction

from tenants.context import require_tenant
from tenants.tasks_base import TenantTask

from . import services
from .models import CustomerMessage


@shared_task(base=TenantTask, name="notifications.message_send")
def message_send(message_id: str) -> str:
    tenant = require_tenant()
    message = services.message_deliver(tenant=tenant, message_id=message_id)
    if message.status == CustomerMessage.Status.QUEUED:
        transaction.on_commit(lambda: message_send.apply_async(
            args=[message_id], kwargs={"tenant_id": str(tenant.pk)},
            countdown=settings.NOTIFICATION_RETRY_DELAY))
    return message.status
