"""The audit trail the platform's explorer reads.

- Model changes: django-auditlog on the tenancy core (registered in `audit_register`);
  each entry carries the shop it belongs to in `additional_data["tenant"]`.
- Sign-in events: `AuthEvent` rows written by the receivers below (Django's
  user_logged_in / user_logged_out / user_login_failed, axes' user_locked_out) and by
  impersonation (tenants/impersonation.py).

Recording never breaks a sign-in: a failing write is logged and swallowed.
"""

import contextvars
import csv
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuthEvent, Tenant, User

log = logging.getLogger(__name__)

# Set while impersonation swaps the signed-in user: those logins are audited as
# impersonation, not as sign-ins.
impersonation_in_progress: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "zargar_impersonation_in_progress", default=False
)


def audit_register() -> None:
    """Register the tenancy core with django-auditlog (called from TenantsConfig.ready)."""
    from auditlog.registry import auditlog

    from .models import Branch, Plan, Subscription, Terminal

    for model in (Tenant, Plan, Subscription, Branch, Terminal):
        if not auditlog.contains(model):
            auditlog.register(model)
    if not auditlog.contains(User):
        # The register PIN's hash is masked, not logged: a 4-digit PIN's hash is guessed
        # in seconds by whoever reads the trail. The entry still says that it changed.
        auditlog.register(
            User,
            exclude_fields=["password", "last_login"],
            mask_fields=["pos_pin"],
            mask_callable="tenants.audit.secret_mask",
        )


def secret_mask(value: str) -> str:
    """How the audit trail shows a secret's hash: that there is one, never the hash."""
    return "********" if value else ""


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    forwarded = request.headers.get("X-Forwarded-For", "")
    address = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return address or None


def auth_event_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user: User | None = None,
    email: str = "",
    actor: User | None = None,
    tenant_id: Any = None,
) -> AuthEvent | None:
    """Write one sign-in event. Global table, so no tenant scope is needed."""
    if user is not None:
        email = email or user.email
        tenant_id = tenant_id or user.tenant_id
    elif email and tenant_id is None:
        known = (
            User.objects.filter(email=email.strip().lower()).values_list("pk", "tenant_id").first()
        )
        if known:
            user = User(pk=known[0], tenant_id=known[1])
            tenant_id = known[1]
    agent = request.headers.get("User-Agent", "")[:300] if request is not None else ""
    try:
        with transaction.atomic():
            return AuthEvent.objects.create(
                kind=kind,
                email=(email or "")[:254],
                user_id=getattr(user, "pk", None),
                actor=actor,
                tenant_id=tenant_id,
                ip_address=client_ip(request),
                user_agent=agent,
            )
    except Exception:  # noqa: BLE001 - auditing must not break signing in
        log.exception("could not record auth event %s for %s", kind, email)
        return None


# --- receivers (connected in TenantsConfig.ready) ------------------------------------


def on_user_logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    if impersonation_in_progress.get():
        return
    auth_event_record(kind=AuthEvent.Kind.LOGIN, request=request, user=user)


def on_user_logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None and not impersonation_in_progress.get():
        auth_event_record(kind=AuthEvent.Kind.LOGOUT, request=request, user=user)


def on_user_login_failed(
    sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    email = str(
        credentials.get("email") or credentials.get("username") or credentials.get("login") or ""
    )
    auth_event_record(kind=AuthEvent.Kind.LOGIN_FAILED, request=request, email=email)


def on_user_locked_out(
    sender: Any,
    request: HttpRequest | None = None,
    username: str = "",
    ip_address: str = "",
    **kwargs: Any,
) -> None:
    auth_event_record(kind=AuthEvent.Kind.LOCKOUT, request=request, email=username or "")


# --- explorer ------------------------------------------------------------------------


@dataclass
class AuditFilter:
    source: str = "auth"  # "auth" (sign-in events) or "changes" (model changes)
    user: str = ""  # email contains
    action: str = ""
    tenant_id: str = ""
    ip: str = ""
    date_from: date | None = None
    date_to: date | None = None
    flagged: bool = False

    @classmethod
    def from_query(cls, params: Any) -> "AuditFilter":
        def day(value: str) -> date | None:
            try:
                return date.fromisoformat(value) if value else None
            except ValueError:
                return None

        source = params.get("source", "auth")
        return cls(
            source=source if source in ("auth", "changes") else "auth",
            user=params.get("user", "").strip(),
            action=params.get("action", "").strip(),
            tenant_id=params.get("tenant", "").strip(),
            ip=params.get("ip", "").strip(),
            date_from=day(params.get("from", "")),
            date_to=day(params.get("to", "")),
            flagged=params.get("flagged") == "1",
        )


def _day_start(value: date) -> datetime:
    return timezone.make_aware(datetime.combine(value, time.min))


def _valid_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def auth_event_list(f: AuditFilter, *, using: str = "platform") -> QuerySet[AuthEvent]:
    """Sign-in events matching the filters, newest first (platform reader)."""
    events = AuthEvent.objects.using(using).select_related("tenant", "actor")
    if f.user:
        events = events.filter(email__icontains=f.user)
    if f.action:
        events = events.filter(kind=f.action)
    if f.flagged:
        events = events.filter(kind__in=AuthEvent.FLAGGED)
    if f.tenant_id:
        events = events.filter(tenant_id=f.tenant_id) if _valid_uuid(f.tenant_id) else events.none()
    if f.ip:
        events = events.filter(ip_address=f.ip) if _ip_ok(f.ip) else events.none()
    if f.date_from:
        events = events.filter(created_at__gte=_day_start(f.date_from))
    if f.date_to:
        events = events.filter(created_at__lt=_day_start(f.date_to + timedelta(days=1)))
    return events.order_by("-created_at", "-id")


def _ip_ok(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


CHANGE_ACTIONS = {"create": 0, "update": 1, "delete": 2, "access": 3}


def change_list(f: AuditFilter, *, using: str = "platform") -> QuerySet:
    """django-auditlog entries matching the filters, newest first (platform reader)."""
    from auditlog.models import LogEntry

    entries = LogEntry.objects.using(using).select_related("actor", "content_type")
    if f.user:
        entries = entries.filter(
            Q(actor__email__icontains=f.user) | Q(actor_email__icontains=f.user)
        )
    if f.action in CHANGE_ACTIONS:
        entries = entries.filter(action=CHANGE_ACTIONS[f.action])
    elif f.action:
        entries = entries.none()
    if f.tenant_id:
        entries = entries.filter(additional_data__tenant=f.tenant_id)
    if f.ip:
        entries = entries.filter(remote_addr=f.ip) if _ip_ok(f.ip) else entries.none()
    if f.date_from:
        entries = entries.filter(timestamp__gte=_day_start(f.date_from))
    if f.date_to:
        entries = entries.filter(timestamp__lt=_day_start(f.date_to + timedelta(days=1)))
    if f.flagged:
        entries = entries.none()  # only sign-in events are flagged
    return entries.order_by("-timestamp", "-id")


class _Echo:
    def write(self, value: str) -> str:
        return value


def audit_csv_rows(f: AuditFilter, *, using: str = "platform") -> Iterator[str]:
    """The filtered rows as CSV lines (streamed; the explorer's export)."""
    writer = csv.writer(_Echo())
    if f.source == "changes":
        yield writer.writerow(
            [
                _("Time"),
                _("User"),
                _("Action"),
                _("Object type"),
                _("Object"),
                _("Tenant"),
                _("IP address"),
                _("Changes"),
            ]
        )
        for entry in change_list(f, using=using).iterator(chunk_size=500):
            yield writer.writerow(
                [
                    entry.timestamp.isoformat(),
                    entry.actor.email if entry.actor else (entry.actor_email or ""),
                    entry.get_action_display(),
                    entry.content_type.model if entry.content_type else "",
                    entry.object_repr,
                    (entry.additional_data or {}).get("tenant", ""),
                    entry.remote_addr or "",
                    _safe_changes(entry.changes),
                ]
            )
        return
    yield writer.writerow(
        [
            _("Time"),
            _("Email"),
            _("Event"),
            _("Flagged"),
            _("Tenant"),
            _("IP address"),
            _("Acting platform admin"),
            _("Browser"),
        ]
    )
    for event in auth_event_list(f, using=using).iterator(chunk_size=500):
        yield writer.writerow(
            [
                event.created_at.isoformat(),
                event.email,
                event.get_kind_display(),
                _("yes") if event.is_flagged else "",
                event.tenant.name if event.tenant else "",
                event.ip_address or "",
                event.actor.email if event.actor else "",
                event.user_agent,
            ]
        )


def _safe_changes(changes: Any) -> str:
    import json

    if not changes:
        return ""
    return changes if isinstance(changes, str) else json.dumps(changes, ensure_ascii=False)


def auth_kinds() -> Iterable[tuple[str, str]]:
    return AuthEvent.Kind.choices
