"""Writes of notifications: queue customer messages (per consent), deliver them,
and in-app notifications for staff.

Messages are rows first (the delivery log and the customer's communication
history), sent by the Celery task notifications.message_send after commit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation

from tenants.context import tenant_context
from tenants.models import Tenant, User
from tenants.money import money_text

from .events import EVENTS, STAFF_EVENTS
from .models import CustomerMessage, Notification, NotificationPreference
from .sms import sms_provider

# Context keys that are amounts of money: shown in the shop's currency and the
# message's language (digits, grouping, label).
MONEY_KEYS = frozenset({"total", "balance"})


def _render(event: str, context: dict[str, Any], language: str,
            currency: str | None = None) -> tuple[str, str]:
    text = EVENTS[event]
    with translation.override(language):
        context = {key: money_text(value, currency) if key in MONEY_KEYS else value
                   for key, value in context.items()}
        return str(text.subject) % context, str(text.body) % context


@transaction.atomic
def customer_message_queue(*, tenant: Tenant, customer: Any, event: str,
                           context: dict[str, Any], language: str | None = None
                           ) -> list[CustomerMessage]:
    """Queue `event` for `customer` on every channel they accepted (email_opt_in,
    sms_opt_in) and have an address for; sent by a Celery task after commit.
    The text is in `language` (default: the site's language)."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event}")
    channels = []
    if customer.email_opt_in and customer.email:
        channels.append((CustomerMessage.Channel.EMAIL, customer.email))
    if customer.sms_opt_in and customer.phone:
        channels.append((CustomerMessage.Channel.SMS, customer.phone))
    if not channels:
        return []
    subject, body = _render(event, {"shop": tenant.name, **context},
                            language or settings.LANGUAGE_CODE, tenant.currency)
    with tenant_context(tenant):
        messages = [
            CustomerMessage.objects.create(customer=customer, event=event, channel=channel,
                                           recipient=recipient, subject=subject[:200],
                                           body=body)
            for channel, recipient in channels
        ]
    from .tasks import message_send

    for message in messages:
        transaction.on_commit(lambda pk=message.pk: message_send.delay_for(tenant, str(pk)))
    return messages


def message_deliver(*, tenant: Tenant, message_id: Any) -> CustomerMessage:
    """Send one queued message; returns it with its status. A sent or failed message
    is left alone (the task may run twice). Raises on a delivery error after
    recording the attempt in the row (the caller retries or gives up)."""
    with tenant_context(tenant):
        message = CustomerMessage.objects.select_for_update().get(pk=message_id)
        if message.status != CustomerMessage.Status.QUEUED:
            return message
        message.attempts += 1
        try:
            if message.channel == CustomerMessage.Channel.EMAIL:
                email = EmailMessage(subject=message.subject, body=message.body,
                                     to=[message.recipient])
                email.send()
                # An anymail backend reports the provider's message id (for its webhooks).
                status = getattr(email, "anymail_status", None)
                provider_id = getattr(status, "message_id", None)
                message.provider_id = "" if provider_id is None else str(provider_id)[:100]
            else:
                message.provider_id = sms_provider().send(to=message.recipient,
                                                          text=message.body)[:100]
        except Exception as exc:  # noqa: BLE001 - any provider failure is retried
            message.error = f"{type(exc).__name__}: {exc}"[:500]
            if message.attempts >= settings.NOTIFICATION_MAX_RETRIES:
                message.status = CustomerMessage.Status.FAILED
            message.save(update_fields=["attempts", "error", "status"])
            return message
        message.status = CustomerMessage.Status.SENT
        message.sent_at = timezone.now()
        message.error = ""
        message.save(update_fields=["attempts", "status", "sent_at", "error", "provider_id"])
        return message


@transaction.atomic
def notification_create(*, tenant: Tenant, users: list[User], title: str, body: str = "",
                        url: str = "", event: str = "") -> list[Notification]:
    """Tell `users` (staff of this shop) about something. With an `event` of
    notifications.events.STAFF_EVENTS each user's preferences decide: an in-app
    notification, an email (sent by a Celery task after commit), both or neither;
    without one, an in-app notification for each."""
    users = [user for user in users if user.tenant_id == tenant.pk]
    if event and event not in STAFF_EVENTS:
        raise ValueError(f"unknown staff event {event}")
    with tenant_context(tenant):
        if event:
            spec = STAFF_EVENTS[event]
            chosen = {p.user_id: (p.in_app, p.email) for p in NotificationPreference.objects
                      .filter(event=event, user__in=[u.pk for u in users])}
            wants = {u.pk: chosen.get(u.pk, (spec.in_app, spec.email)) for u in users}
        else:
            wants = {u.pk: (True, False) for u in users}
        created = [Notification.objects.create(user=user, title=title[:200], body=body[:500],
                                               url=url[:300])
                   for user in users if wants[user.pk][0]]
    recipients = [user.email for user in users if wants[user.pk][1] and user.email]
    if recipients:
        from .tasks import staff_email_send

        text = "\n\n".join(part for part in (
            body, f"{settings.SITE_URL.rstrip('/')}{url}" if url else "") if part)
        for address in recipients:
            transaction.on_commit(lambda a=address: staff_email_send.delay(
                subject=title[:200], body=text or title, to=a))
    return created


@transaction.atomic
def notification_preferences_set(*, tenant: Tenant, user: User,
                                 choices: dict[str, tuple[bool, bool]]) -> None:
    """Save `user`'s (in_app, email) choice for each staff event in `choices`."""
    unknown = set(choices) - set(STAFF_EVENTS)
    if unknown:
        raise ValueError(f"unknown staff events {sorted(unknown)}")
    with tenant_context(tenant):
        for event, (in_app, email) in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user, event=event, defaults={"in_app": bool(in_app), "email": bool(email)})


@transaction.atomic
def notifications_mark_read(*, tenant: Tenant, user: User, notification_id: Any = None) -> int:
    """Mark one (or every) unread notification of `user` read; returns how many."""
    with tenant_context(tenant):
        unread = Notification.objects.filter(user=user, read_at__isnull=True)
        if notification_id is not None:
            unread = unread.filter(pk=notification_id)
        return unread.update(read_at=timezone.now())
