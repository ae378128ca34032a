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


@shared_task(name="notifications.staff_email_send", autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5, acks_late=True)
def staff_email_send(*, subject: str, body: str, to: str) -> int:
    """Email a staff member a notification they chose to get by email (no shop data is
    read: the text was rendered when the event happened)."""
    from django.core.mail import EmailMessage

    return EmailMessage(subject=subject, body=body, to=[to]).send()
