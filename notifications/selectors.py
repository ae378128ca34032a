"""Reads of notifications (RLS scopes them to the shop; each user sees their own)."""

from typing import Any

from django.db.models import QuerySet

from .models import CustomerMessage, Notification


def notification_list(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at")


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def customer_messages(*, customer: Any) -> QuerySet[CustomerMessage]:
    """The customer's communication history, newest first."""
    return CustomerMessage.objects.filter(customer=customer).order_by("-created_at")
