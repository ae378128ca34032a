"""Announcements from the platform team to shops.

An announcement runs from starts_at to ends_at (open-ended when empty) for shops
whose plan and status match its targets (empty = all). Shop users see it as a
banner until they dismiss it; critical ones must be acknowledged instead. Each
user's first sight, dismissal and acknowledgement are recorded (read tracking).
With send_email, owners of the targeted shops get it by email once it starts.
"""

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import BusinessRuleError
from .models import Announcement, AnnouncementReceipt, Plan, Tenant, User


def _check_admin(actor: User) -> None:
    if not actor.is_platform_admin:
        raise BusinessRuleError(_("Only platform admins can publish announcements."))


def _validate(starts_at: Any, ends_at: Any, statuses: list[str]) -> None:
    if ends_at and starts_at and ends_at <= starts_at:
        raise BusinessRuleError(_("The end must come after the start."), field="ends_at")
    if any(s not in Tenant.Status.values for s in statuses):
        raise BusinessRuleError(_("Choose valid shop statuses."), field="target_statuses")


@transaction.atomic
def announcement_create(
    *, actor: User, title: str, body: str, severity: str, starts_at: Any, ends_at: Any = None,
    target_plans: list[Plan] | QuerySet[Plan] = (), target_statuses: list[str] = (),
    send_email: bool = False,
) -> Announcement:
    """Publish (or schedule) an announcement; emails go out when it starts."""
    _check_admin(actor)
    statuses = list(target_statuses)
    _validate(starts_at, ends_at, statuses)
    announcement = Announcement.objects.create(
        title=title, body=body, severity=severity, starts_at=starts_at or timezone.now(),
        ends_at=ends_at, target_statuses=statuses, send_email=send_email, created_by=actor,
    )
    announcement.target_plans.set(list(target_plans))
    _forget_running()
    if send_email and announcement.starts_at <= timezone.now():
        transaction.on_commit(lambda: announcement_emails_send(announcement_id=announcement.pk))
    return announcement


@transaction.atomic
def announcement_end(*, actor: User, announcement: Announcement) -> Announcement:
    """Stop showing an announcement now."""
    _check_admin(actor)
    announcement.ends_at = timezone.now()
    announcement.save(update_fields=["ends_at"])
    _forget_running()
    return announcement


def announcements_for_tenant(tenant: Tenant, *, now: Any = None) -> QuerySet[Announcement]:
    """Announcements running now that target this shop's plan and status."""
    now = now or timezone.now()
    return (
        Announcement.objects.filter(starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .filter(Q(target_plans__isnull=True) | Q(target_plans=tenant.plan_id))
        .filter(Q(target_statuses=[]) | Q(target_statuses__contains=[tenant.status]))
        .distinct()
    )


RUNNING_KEY = "zargar:announcements:running"


def _running() -> list[dict[str, Any]]:
    """Announcements not yet ended, with their targets, cached for a minute (every shop
    page asks; most of the time there are none). Publishing or ending one clears it."""
    rows = cache.get(RUNNING_KEY)
    if rows is None:
        now = timezone.now()
        rows = [
            {"id": a.pk, "starts_at": a.starts_at, "ends_at": a.ends_at,
             "plans": [p.pk for p in a.target_plans.all()], "statuses": a.target_statuses}
            for a in Announcement.objects.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .prefetch_related("target_plans")
        ]
        cache.set(RUNNING_KEY, rows, 60)
    return rows


def _forget_running() -> None:
    cache.delete(RUNNING_KEY)
    transaction.on_commit(lambda: cache.delete(RUNNING_KEY))


def announcement_banners(*, user: User, tenant: Tenant) -> list[Announcement]:
    """What to show this user now, recording first sight (read tracking).

    Dismissed ones are hidden; critical ones stay until acknowledged."""
    now = timezone.now()
    ids = [
        row["id"] for row in _running()
        if row["starts_at"] <= now and (row["ends_at"] is None or row["ends_at"] > now)
        and (not row["plans"] or tenant.plan_id in row["plans"])
        and (not row["statuses"] or tenant.status in row["statuses"])
    ]
    if not ids:
        return []
    running = list(Announcement.objects.filter(pk__in=ids).order_by("-severity", "-starts_at")[:5])
    receipts = {
        r.announcement_id: r
        for r in AnnouncementReceipt.objects.filter(user=user, announcement__in=running)
    }
    shown = []
    for announcement in running:
        receipt = receipts.get(announcement.pk)
        if receipt is None:
            try:
                with transaction.atomic():
                    AnnouncementReceipt.objects.create(announcement=announcement, user=user)
            except IntegrityError:  # two tabs at once
                pass
        elif announcement.is_critical and receipt.acknowledged_at:
            continue
        elif not announcement.is_critical and receipt.dismissed_at:
            continue
        shown.append(announcement)
    return shown


@transaction.atomic
def announcement_dismiss(*, user: User, announcement: Announcement, acknowledge: bool = False
                         ) -> AnnouncementReceipt:
    """Hide a banner for this user; critical announcements need acknowledge=True."""
    if announcement.is_critical and not acknowledge:
        raise BusinessRuleError(_("Please confirm that you have read this announcement."))
    receipt, _created = AnnouncementReceipt.objects.get_or_create(
        announcement=announcement, user=user
    )
    now = timezone.now()
    receipt.dismissed_at = receipt.dismissed_at or now
    if acknowledge:
        receipt.acknowledged_at = receipt.acknowledged_at or now
    receipt.save(update_fields=["dismissed_at", "acknowledged_at"])
    return receipt


def announcement_emails_send(*, announcement_id: int) -> int:
    """Email the owners of the targeted shops once; returns how many were sent."""
    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().get(pk=announcement_id)
        if announcement.emailed_at or not announcement.send_email:
            return 0
        announcement.emailed_at = timezone.now()
        announcement.save(update_fields=["emailed_at"])
    tenants = Tenant.objects.all()
    plans = list(announcement.target_plans.values_list("pk", flat=True))
    if plans:
        tenants = tenants.filter(plan__in=plans)
    if announcement.target_statuses:
        tenants = tenants.filter(status__in=announcement.target_statuses)
    owners = User.objects.filter(tenant__in=tenants, role=User.Role.OWNER, is_active=True)
    sent = 0
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    for owner in owners:
        send_mail(f"{prefix}{announcement.title}", announcement.body, None, [owner.email])
        sent += 1
    return sent


def announcements_email_due() -> int:
    """Send the emails of scheduled announcements that have started (beat task)."""
    now = timezone.now()
    due = Announcement.objects.filter(send_email=True, emailed_at__isnull=True,
                                      starts_at__lte=now).values_list("pk", flat=True)
    return sum(announcement_emails_send(announcement_id=pk) for pk in list(due))
