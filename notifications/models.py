"""Notifications: messages to customers (email/SMS, per their consent) with their
delivery status, and in-app notifications for staff.

Tenant tables (RLS): CustomerMessage (also the customer's communication log),
Notification, NotificationPreference (per staff member and event: in-app, email).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.db import TenantForeignKey, TenantScopedModel


class CustomerMessage(TenantScopedModel):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    customer = TenantForeignKey("crm.Customer", on_delete=models.CASCADE,
                                related_name="messages", verbose_name=_("customer"))
    event = models.CharField(_("event"), max_length=40)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("last error"), max_length=500, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer message")
        verbose_name_plural = _("customer messages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "customer", "-created_at"],
                         name="tenant_custmsg_customer"),
        ]


class Notification(TenantScopedModel):
    """Something a staff member should look at (shown in the notification centre)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", db_index=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.CharField(_("text"), max_length=500, blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "user", "-created_at"], name="tenant_notif_user"),
        ]


class NotificationPreference(TenantScopedModel):
    """How one staff member wants to hear about one kind of event (notifications.events.
    STAFF_EVENTS): in the app, by email, both or neither. No row = the event's default."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", db_index=False)
    event = models.CharField(_("event"), max_length=40)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by email"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user", "event"],
                                    name="tenant_notifpref_user_event"),
        ]
