"""Writes of the platform panel: tenant lifecycle, plans, subscriptions, password resets.

Every function here is for platform admins (checked first) and acts either on
global tables (Plan, Tenant, User) or inside tenant_context(tenant) for a shop's
own tables. Model changes are recorded by django-auditlog (tenants/audit.py).
"""

import logging
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .context import tenant_context
from .errors import BusinessRuleError
from .exports import (
    TenantExportError,
    tenant_export_check_counts,
    tenant_export_verify,
    tenant_export_write,
    tenant_tables_in_delete_order,
)
from .models import Plan, Subscription, Tenant, User

logger = logging.getLogger(__name__)


def _check_admin(actor: User | None) -> None:
    if actor is None or not actor.is_platform_admin:
        raise BusinessRuleError(_("Only platform admins can do this."))


def _locked(tenant: Tenant) -> Tenant:
    return Tenant.objects.select_for_update().get(pk=tenant.pk)


# --- tenants -------------------------------------------------------------------------


@transaction.atomic
def tenant_update(*, actor: User, tenant: Tenant, name: str, plan: Plan, currency: str) -> Tenant:
    """Rename a shop, move it to another plan or change its currency.

    Rules: an archived plan takes no shop that is not already on it."""
    _check_admin(actor)
    tenant = _locked(tenant)
    if plan.is_archived and plan.pk != tenant.plan_id:
        raise BusinessRuleError(_("This plan is archived and cannot take new shops."), field="plan")
    tenant.name, tenant.plan, tenant.currency = name, plan, currency
    tenant.save(update_fields=["name", "plan", "currency", "updated_at"])
    return tenant


@transaction.atomic
def tenant_suspend(*, actor: User, tenant: Tenant) -> Tenant:
    """Suspend a shop: its users see the suspended page and can change nothing; data is kept."""
    _check_admin(actor)
    tenant = _locked(tenant)
    if tenant.status != Tenant.Status.ACTIVE:
        raise BusinessRuleError(_("Only an active shop can be suspended."))
    tenant.status = Tenant.Status.SUSPENDED
    tenant.save(update_fields=["status", "updated_at"])
    return tenant


@transaction.atomic
def tenant_reactivate(*, actor: User, tenant: Tenant) -> Tenant:
    """Restore access to a suspended shop, or cancel a scheduled deletion."""
    _check_admin(actor)
    tenant = _locked(tenant)
    if tenant.status == Tenant.Status.ACTIVE:
        raise BusinessRuleError(_("This shop is already active."))
    tenant.status = Tenant.Status.ACTIVE
    tenant.deletion_scheduled_for = None
    tenant.save(update_fields=["status", "deletion_scheduled_for", "updated_at"])
    return tenant


@transaction.atomic
def tenant_schedule_deletion(*, actor: User, tenant: Tenant, confirm_slug: str) -> Tenant:
    """Schedule a shop's deletion after the grace period (TENANT_DELETION_GRACE_DAYS).

    Rules: the operator types the shop's address to confirm; users lose access at
    once (as when suspended); reactivating before the date cancels it."""
    _check_admin(actor)
    tenant = _locked(tenant)
    if confirm_slug.strip() != tenant.slug:
        raise BusinessRuleError(_("Type the shop's address exactly to confirm."),
                                field="confirm_slug")
    if tenant.status == Tenant.Status.PENDING_DELETION:
        raise BusinessRuleError(_("This shop's deletion is already scheduled."))
    tenant.status = Tenant.Status.PENDING_DELETION
    tenant.deletion_scheduled_for = timezone.now() + timedelta(
        days=settings.TENANT_DELETION_GRACE_DAYS
    )
    tenant.save(update_fields=["status", "deletion_scheduled_for", "updated_at"])
    return tenant


def tenant_final_export(*, tenant: Tenant) -> Path:
    """Write the shop's final export (tenants/exports.py) before the purge; returns the
    archive's path. Its own REPEATABLE READ, READ ONLY transaction, as the shop."""
    return tenant_export_write(tenant=tenant).path


def _tenant_tables_in_delete_order() -> list[str]:
    """Tables with a tenant_id (tenant tables), children before the tables they reference."""
    return tenant_tables_in_delete_order()


def _check_purgeable(tenant: Tenant, *, force: bool, now: Any) -> None:
    if tenant.status != Tenant.Status.PENDING_DELETION:
        raise BusinessRuleError(_("Only a shop scheduled for deletion can be purged."))
    if not force and (tenant.deletion_scheduled_for or now) > now:
        raise BusinessRuleError(_("This shop's grace period has not ended yet."))


def tenant_purge(*, tenant: Tenant, actor: User | None = None, force: bool = False,
                 now: Any = None) -> Path:
    """Export a shop, then delete everything it owns, its users and the shop itself.

    Rules: only a shop pending deletion whose grace period has ended (unless
    `force`, for tests and operators' scripts). Nothing is deleted unless the final
    export was written AND verified: the archive is re-read (its SHA-256, every
    member's SHA-256 and row count against the manifest) and, in the deleting
    transaction, the manifest's row counts are compared with the database. Deletes
    run in the shop's tenant scope, so RLS limits every DELETE to its rows. Returns
    the export's path. The shop's uploaded files are in the export and are deleted
    from the storage after the deleting transaction commits."""
    from psycopg import sql

    now = now or timezone.now()
    _check_purgeable(Tenant.objects.get(pk=tenant.pk), force=force, now=now)
    try:
        export_path = tenant_final_export(tenant=tenant)
        if export_path is None:
            raise TenantExportError("The final export returned no file.")
    except Exception as exc:
        logger.exception("Final export of tenant %s failed; nothing deleted.", tenant.pk)
        raise BusinessRuleError(
            _("The shop's final export failed, so nothing was deleted.")
        ) from exc

    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            # One snapshot for the count check and the deletes: rows written after it
            # are neither counted nor deleted (the tenant row's delete then fails).
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        tenant = _locked(tenant)
        _check_purgeable(tenant, force=force, now=now)
        with tenant_context(tenant):
            try:
                manifest = tenant_export_verify(export_path)
                tenant_export_check_counts(tenant=tenant, manifest=manifest)
            except TenantExportError as exc:
                logger.error("Final export %s of tenant %s failed verification: %s",
                             export_path, tenant.pk, exc)
                raise BusinessRuleError(
                    _("The shop's final export could not be verified, so nothing was deleted.")
                ) from exc
            User.objects.filter(tenant=tenant).update(branch=None)
            with connection.cursor() as cursor:
                for table in _tenant_tables_in_delete_order():
                    cursor.execute(
                        sql.SQL("DELETE FROM {} WHERE tenant_id = %s").format(
                            sql.Identifier(table)),
                        [tenant.pk],
                    )
            for user in User.objects.filter(tenant=tenant):
                user.delete()
            # Its uploaded files (in the final export) go once the rows are gone for
            # good; a rolled-back purge keeps them.
            transaction.on_commit(partial(_tenant_files_delete, tenant.pk))
            tenant.delete()
    logger.info("Tenant %s purged; final export %s", manifest["tenant"]["slug"], export_path)
    return export_path


def _tenant_files_delete(tenant_id: Any) -> None:
    from backups.media import tenant_files_delete

    try:
        deleted = tenant_files_delete(tenant_id)
    except OSError:
        # The rows are gone; the files are now orphans in the shop's folders, which
        # a second run of this (scripts or the shell) removes.
        logger.exception("Purged tenant %s: deleting its files failed.", tenant_id)
        return
    logger.info("Purged tenant %s: %d files deleted.", tenant_id, len(deleted))


def tenant_purge_due(*, now: Any = None) -> int:
    """Purge every shop whose grace period has ended; returns how many were purged."""
    now = now or timezone.now()
    due = Tenant.objects.filter(
        status=Tenant.Status.PENDING_DELETION, deletion_scheduled_for__lte=now
    ).values_list("pk", flat=True)
    purged = 0
    for tenant_id in list(due):
        tenant_purge(tenant=Tenant.objects.get(pk=tenant_id), now=now)
        purged += 1
    return purged


def user_password_reset_send(*, actor: User, user: User) -> None:
    """Email a shop user allauth's password-reset link. Operators never see or set passwords."""
    _check_admin(actor)
    if user.is_platform_admin:
        raise BusinessRuleError(_("Platform admins reset their own passwords."))
    if not user.is_active:
        raise BusinessRuleError(_("This account is deactivated."))
    transaction.on_commit(lambda: _password_reset_email(user))


def _password_reset_email(user: User) -> None:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    url = f"{settings.SITE_URL.rstrip('/')}{path}"
    with translation.override(user.language):
        subject = _("Reset your Zargar password")
        body = render_to_string("tenants/platform/email/password_reset.txt",
                                {"user": user, "url": url})
    send_mail(subject, body, None, [user.email])


# --- plans ---------------------------------------------------------------------------

PLAN_FIELDS = ("name", "price", "currency", "billing_cycle", "max_users", "max_branches",
               "max_items", "max_terminals")


@transaction.atomic
def plan_create(*, actor: User, **values: Any) -> Plan:
    """Add a plan; names are unique."""
    _check_admin(actor)
    if Plan.objects.filter(name__iexact=values["name"]).exists():
        raise BusinessRuleError(_("A plan with this name already exists."), field="name")
    return Plan.objects.create(**{k: values[k] for k in PLAN_FIELDS})


@transaction.atomic
def plan_update(*, actor: User, plan: Plan, **values: Any) -> Plan:
    """Change a plan's price or limits (shops on it follow at once)."""
    _check_admin(actor)
    if Plan.objects.filter(name__iexact=values["name"]).exclude(pk=plan.pk).exists():
        raise BusinessRuleError(_("A plan with this name already exists."), field="name")
    for key in PLAN_FIELDS:
        setattr(plan, key, values[key])
    plan.save(update_fields=list(PLAN_FIELDS))
    return plan


@transaction.atomic
def plan_set_archived(*, actor: User, plan: Plan, archived: bool) -> Plan:
    """Archive a plan (no new shops; existing shops keep it) or bring it back."""
    _check_admin(actor)
    plan.is_archived = archived
    plan.save(update_fields=["is_archived"])
    return plan


# --- subscriptions -------------------------------------------------------------------

OVERRIDE_FIELDS = ("max_users", "max_branches", "max_items", "max_terminals")


@transaction.atomic
def subscription_update(
    *, actor: User, tenant: Tenant, status: str, next_billing_date: date | None,
    **overrides: int | None,
) -> Subscription:
    """Set a shop's subscription status, next billing date and per-tenant limit overrides
    (empty = as the plan says). Runs in the shop's scope (Subscription is a tenant table)."""
    _check_admin(actor)
    if status not in Subscription.Status.values:
        raise BusinessRuleError(_("Choose a valid status."), field="status")
    with tenant_context(tenant):
        subscription = Subscription.objects.select_for_update().first()
        if subscription is None:
            subscription = Subscription.objects.create()
        if status == Subscription.Status.CANCELLED and subscription.status != status:
            subscription.cancelled_at = timezone.now()
        elif status != Subscription.Status.CANCELLED:
            subscription.cancelled_at = None
        subscription.status, subscription.next_billing_date = status, next_billing_date
        for key in OVERRIDE_FIELDS:
            setattr(subscription, key, overrides.get(key))
        subscription.save(update_fields=["status", "next_billing_date", "cancelled_at",
                                         *OVERRIDE_FIELDS])
        return subscription
