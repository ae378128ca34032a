"""Scheduled platform tasks (no tenant scope; each purge sets its own)."""

from celery import shared_task


@shared_task(name="tenants.tenant_purge_due", acks_late=True)
def tenant_purge_due() -> int:
    """Purge shops whose deletion grace period has ended (beat, hourly)."""
    from .platform_services import tenant_purge_due as purge

    return purge()


@shared_task(name="tenants.announcements_email_due", acks_late=True)
def announcements_email_due() -> int:
    """Email announcements that have started and asked for it (beat, every 5 minutes)."""
    from .announcements import announcements_email_due as send

    return send()
