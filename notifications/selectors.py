"""Reads of notifications (RLS scopes them to the shop; each user sees their own)."""

from typing import Any

from django.db.models import QuerySet

from .events import STAFF_EVENTS
from .models import CustomerMessage, Notification, NotificationPreference


def notification_list(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at")


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def customer_messages(*, customer: Any) -> QuerySet[CustomerMessage]:
    """The customer's communication history, newest first."""
    return CustomerMessage.objects.filter(customer=customer).order_by("-created_at")


def notification_preferences(*, user: Any) -> dict[str, tuple[bool, bool]]:
    """Every staff event -> (in_app, email) for `user`: their choice, else the default."""
    chosen = {p.event: (p.in_app, p.email)
              for p in NotificationPreference.objects.filter(user=user)}
    return {event: chosen.get(event, (spec.in_app, spec.email))
            for event, spec in STAFF_EVENTS.items()}
