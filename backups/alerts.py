"""Backup alerts: raised in-app (every platform page shows the open ones, the backup
dashboard lists them) and e-mailed to platform admins when first raised.

Conditions (each with its own `key`, so one open alert per thing):
- a run failed                      failure:<kind>:<scope>        (scope: shop id or "cluster")
- a target did not get its copy     target_down:<kind>:<scope>    (the run is degraded)
- size off the previous comparable backup by more than BACKUP_SIZE_DEVIATION
                                    size:<kind>:<scope>:<run>
- pg_stat_archiver.failed_count went up                   archive
- no good backup of a type within its interval            stale:<kind>:<scope>
- verification found a damaged copy corrupt:<where>
- the monthly restore drill failed  drill

Runs call `alerts_for_run_finished` when they finish; `alerts_check` (task
`backups.watch`) looks at archiving and staleness. Alerts of a run's kind and scope
resolve themselves when a later run of that kind and scope succeeds.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import BackupAlert, BackupRun, BackupWatermark

log = logging.getLogger(__name__)

SIZE_CHECKED = (
    BackupRun.Kind.FULL,
    BackupRun.Kind.DIFF,
    BackupRun.Kind.TENANT_EXPORT,
    BackupRun.Kind.DUMP,
)
GOOD = (BackupRun.State.COMPLETED, BackupRun.State.DEGRADED)


def _scope(run: BackupRun) -> str:
    if run.kind in (BackupRun.Kind.TENANT_EXPORT, BackupRun.Kind.TENANT_RESTORE):
        return str(run.tenant_id or run.tenant_slug)
    return "cluster"


# --- raising and resolving ----------------------------------------------------------------


def alert_raise(
    *,
    kind: str,
    key: str,
    params: dict[str, Any] | None = None,
    run: BackupRun | None = None,
    tenant: Any = None,
) -> tuple[BackupAlert, bool]:
    """Open an alert for `key`, or count one more occurrence of the open one.
    Returns (alert, created); a new alert is e-mailed to platform admins after commit."""
    params = params or {}
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                alert = (
                    BackupAlert.objects.select_for_update()
                    .filter(key=key, resolved_at__isnull=True)
                    .first()
                )
                if alert is not None:
                    BackupAlert.objects.filter(pk=alert.pk).update(
                        times=F("times") + 1, last_seen_at=now, params=params, run=run or alert.run
                    )
                    alert.refresh_from_db()
                    return alert, False
                alert = BackupAlert.objects.create(
                    kind=kind,
                    key=key[:200],
                    params=params,
                    run=run,
                    tenant=tenant if tenant is not None else (run.tenant if run else None),
                )
        except IntegrityError:  # raised by someone else at the same moment: count it
            continue
        log.warning("backup alert %s: %s", key, alert_text(alert))
        alert_id = alert.pk
        transaction.on_commit(lambda alert_id=alert_id: alert_email(alert_id))
        return alert, True
    raise RuntimeError(f"could not raise backup alert {key}")


def alerts_resolve(
    *, keys: list[str] | None = None, prefix: str | None = None, user: Any = None
) -> int:
    """Resolve open alerts by exact keys or a key prefix; returns how many."""
    open_alerts = BackupAlert.objects.filter(resolved_at__isnull=True)
    if keys is not None:
        open_alerts = open_alerts.filter(key__in=keys)
    elif prefix is not None:
        open_alerts = open_alerts.filter(key__startswith=prefix)
    else:
        raise ValueError("keys or prefix")
    return open_alerts.update(resolved_at=timezone.now(), resolved_by=user)


def alert_resolve(*, alert: BackupAlert, user: Any) -> BackupAlert:
    """An operator marks an alert as dealt with."""
    BackupAlert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=user
    )
    alert.refresh_from_db()
    return alert


def alerts_open() -> list[BackupAlert]:
    return list(
        BackupAlert.objects.using("platform")
        .filter(resolved_at__isnull=True)
        .order_by("-raised_at")[:50]
    )


# --- text and e-mail ------------------------------------------------------------------------


def _what(params: dict[str, Any]) -> str:
    label = BackupRun.Kind(params["run_kind"]).label if params.get("run_kind") else _("Backup")
    return f"{label} {params['shop']}" if params.get("shop") else str(label)


def alert_text(alert: BackupAlert) -> str:
    """The alert's message in the active language."""
    p = alert.params
    what = _what(p)
    kind = alert.kind
    if kind == BackupAlert.Kind.FAILURE:
        return _("%(what)s failed: %(error)s") % {"what": what, "error": p.get("error", "")}
    if kind == BackupAlert.Kind.TARGET_DOWN and p.get("run_kind") == BackupRun.Kind.VERIFY:
        return _("Verification could not read %(targets)s: %(error)s") % {
            "targets": ", ".join(p.get("targets", [])),
            "error": p.get("error", ""),
        }
    if kind == BackupAlert.Kind.TARGET_DOWN:
        return _("%(what)s finished without its copy at %(targets)s (degraded): %(error)s") % {
            "what": what,
            "targets": ", ".join(p.get("targets", [])),
            "error": p.get("error", ""),
        }
    if kind == BackupAlert.Kind.SIZE_DEVIATION:
        return _(
            "%(what)s is %(size)s, %(percent)s%% off the previous comparable backup (%(previous)s)."
        ) % {
            "what": what,
            "size": filesizeformat(p.get("size", 0)),
            "previous": filesizeformat(p.get("previous", 0)),
            "percent": p.get("percent"),
        }
    if kind == BackupAlert.Kind.ARCHIVE_FAILURE:
        return _(
            "WAL archiving failed %(new)s more time(s) (%(total)s in all; last failed "
            "segment %(wal)s)."
        ) % {"new": p.get("new"), "total": p.get("total"), "wal": p.get("wal") or "?"}
    if kind == BackupAlert.Kind.STALE:
        if p.get("since"):
            return _("No successful %(what)s since %(since)s (expected every %(hours)s hours).") % {
                "what": what,
                "since": p["since"],
                "hours": p.get("hours"),
            }
        return _("No successful %(what)s yet (expected every %(hours)s hours).") % {
            "what": what,
            "hours": p.get("hours"),
        }
    if kind == BackupAlert.Kind.CORRUPT:
        return _("Verification found a damaged backup at %(where)s: %(error)s") % {
            "where": p.get("where", "?"),
            "error": p.get("error", ""),
        }
    if kind == BackupAlert.Kind.DRILL_FAILED:
        return _("The restore drill failed: %(error)s") % {"error": p.get("error", "")}
    return str(p)


def alert_email(alert_id: Any) -> None:
    """E-mail a newly raised alert to every active platform admin (in their language)."""
    from django.core.mail import send_mail

    from tenants.models import User

    alert = BackupAlert.objects.filter(pk=alert_id, emailed_at__isnull=True).first()
    if alert is None:
        return
    admins = User.objects.filter(role=User.Role.PLATFORM_ADMIN, is_active=True).exclude(email="")
    url = f"{settings.SITE_URL.rstrip('/')}/platform/backups/"
    sent = 0
    for admin in admins:
        with translation.override(admin.language or settings.LANGUAGE_CODE):
            subject = _("[Zargar] Backup alert: %(title)s") % {"title": alert.get_kind_display()}
            body = "\n\n".join([alert_text(alert), _("Backups: %(url)s") % {"url": url}])
        try:
            send_mail(subject, body, None, [admin.email])
            sent += 1
        except Exception:  # noqa: BLE001 - the in-app alert stays; mail is best effort
            log.exception("backup alert %s: e-mail to %s failed", alert.pk, admin.pk)
    if sent:
        BackupAlert.objects.filter(pk=alert.pk).update(emailed_at=timezone.now())


# --- conditions -----------------------------------------------------------------------------


def alerts_for_run_finished(run: BackupRun) -> None:
    """Called once when a run reaches its final state."""
    scope = _scope(run)
    base = {"run_kind": run.kind, "shop": run.tenant_slug}
    if run.kind == BackupRun.Kind.TENANT_RESTORE:
        # Degraded: the rows were restored but some files were not (the error says so).
        if run.state in (BackupRun.State.FAILED, BackupRun.State.DEGRADED):
            alert_raise(
                kind=BackupAlert.Kind.FAILURE,
                key=f"failure:{run.kind}:{run.pk}",
                params={**base, "error": run.error[:500]},
                run=run,
            )
        return
    if run.state == BackupRun.State.FAILED:
        kind = (
            BackupAlert.Kind.DRILL_FAILED
            if run.kind == BackupRun.Kind.DRILL
            else BackupAlert.Kind.FAILURE
        )
        alert_raise(
            kind=kind,
            key=f"failure:{run.kind}:{scope}",
            params={**base, "error": run.error[:500]},
            run=run,
        )
        return
    if run.kind in (BackupRun.Kind.VERIFY, BackupRun.Kind.DRILL, BackupRun.Kind.EXPIRE):
        # It ran (verification raises its own corrupt:... alerts for what it found).
        alerts_resolve(keys=[f"failure:{run.kind}:{scope}", f"stale:{run.kind}:{scope}"])
        return
    resolved = [f"failure:{run.kind}:{scope}", f"stale:{run.kind}:{scope}"]
    if run.kind == BackupRun.Kind.FULL:  # a full backup is also the freshest diff
        resolved.append(f"stale:{BackupRun.Kind.DIFF}:{scope}")
    if run.state == BackupRun.State.DEGRADED:
        down = sorted(n for n, t in run.targets.items() if t.get("state") != "ok")
        errors = "; ".join(str(run.targets[n].get("error", ""))[:200] for n in down)
        alert_raise(
            kind=BackupAlert.Kind.TARGET_DOWN,
            key=f"target_down:{run.kind}:{scope}",
            params={**base, "targets": down, "error": errors},
            run=run,
        )
    else:
        resolved.append(f"target_down:{run.kind}:{scope}")
    alerts_resolve(keys=resolved)
    if run.kind in SIZE_CHECKED:
        size_deviation_check(run)


def size_deviation_check(run: BackupRun) -> BackupAlert | None:
    """Compare the run's size with the previous good run of the same kind (and shop)."""
    if not run.size_bytes:
        return None
    previous = BackupRun.objects.filter(
        kind=run.kind, state__in=GOOD, size_bytes__gt=0, started_at__lt=run.started_at
    ).exclude(pk=run.pk)
    if run.kind == BackupRun.Kind.TENANT_EXPORT:
        previous = previous.filter(tenant_id=run.tenant_id)
    prev = previous.order_by("-started_at").first()
    if prev is None:
        return None
    change = (run.size_bytes - prev.size_bytes) / prev.size_bytes
    if abs(change) <= settings.BACKUP_SIZE_DEVIATION:
        return None
    alert, _created = alert_raise(
        kind=BackupAlert.Kind.SIZE_DEVIATION,
        key=f"size:{run.kind}:{_scope(run)}:{run.pk}",
        params={
            "run_kind": run.kind,
            "shop": run.tenant_slug,
            "size": run.size_bytes,
            "previous": prev.size_bytes,
            "previous_run": str(prev.pk),
            "percent": f"{change * 100:+.0f}",
        },
        run=run,
    )
    return alert


def _watermark(name: str) -> BackupWatermark | None:
    return BackupWatermark.objects.filter(name=name).first()


_ARCHIVER_SQL = (
    "SELECT failed_count, last_failed_wal, last_failed_time, last_archived_time, "
    "stats_reset FROM pg_stat_archiver"
)


def archiver_stats() -> tuple[Any, ...]:
    """pg_stat_archiver of the cluster whose WAL is archived: the application's database,
    or BACKUP_ARCHIVER_CONNINFO when set (a libpq conninfo of that cluster's primary)."""
    conninfo = settings.BACKUP_ARCHIVER_CONNINFO
    if not conninfo:
        with connection.cursor() as cursor:
            cursor.execute(_ARCHIVER_SQL)
            return cursor.fetchone()
    import psycopg

    with psycopg.connect(conninfo, connect_timeout=10, autocommit=True) as conn:
        return conn.execute(_ARCHIVER_SQL).fetchone()


def archiver_check() -> BackupAlert | None:
    """Raise an alert when pg_stat_archiver.failed_count went up since the last look
    (a statistics reset starts the count again); resolve it once archiving succeeds
    again after the last failure."""
    failed, wal, failed_at, archived_at, reset = archiver_stats()
    reset_iso = reset.isoformat() if reset else ""
    mark = _watermark("archiver")
    seen = (
        mark.value.get("failed_count", 0)
        if mark and mark.value.get("stats_reset", "") == reset_iso
        else 0
    )
    first_look = mark is None
    BackupWatermark.objects.update_or_create(
        name="archiver", defaults={"value": {"failed_count": failed, "stats_reset": reset_iso}}
    )
    failing_now = failed_at is not None and (archived_at is None or failed_at > archived_at)
    if (failed > seen and not first_look) or (first_look and failing_now):
        alert, _created = alert_raise(
            kind=BackupAlert.Kind.ARCHIVE_FAILURE,
            key="archive",
            params={
                "new": failed - seen if not first_look else failed,
                "total": failed,
                "wal": wal or "",
            },
        )
        return alert
    if not failing_now:
        alerts_resolve(keys=["archive"])
    return None


def _stale_intervals() -> dict[str, float]:
    """Hours within which a good backup of each kind is expected (schedule + grace)."""
    return {k: float(v) for k, v in settings.BACKUP_STALE_HOURS.items()}


def _cluster_backups_enabled() -> bool:
    return Path(settings.BACKUP_PGBACKREST_CONFIG).exists()


def stale_check(*, now: Any = None) -> list[BackupAlert]:
    """Raise `stale` alerts for every kind (and every active shop's export) without a
    good run within its interval; resolve the ones that are fine again."""
    from tenants.models import Tenant

    now = now or timezone.now()
    hours = _stale_intervals()
    raised: list[BackupAlert] = []

    def last_good(kinds: tuple[str, ...], **filters: Any) -> Any:
        run = (
            BackupRun.objects.filter(kind__in=kinds, state__in=GOOD, **filters)
            .order_by("-finished_at")
            .only("finished_at")
            .first()
        )
        return run.finished_at if run else None

    def judge(
        kind: str, scope: str, last: Any, since_floor: Any, shop: str = "", tenant: Any = None
    ) -> None:
        key = f"stale:{kind}:{scope}"
        limit = timedelta(hours=hours[kind])
        reference = last or since_floor
        if reference is not None and now - reference <= limit:
            alerts_resolve(keys=[key])
            return
        alert, _created = alert_raise(
            kind=BackupAlert.Kind.STALE,
            key=key,
            tenant=tenant,
            params={
                "run_kind": kind,
                "shop": shop,
                "hours": f"{hours[kind]:g}",
                "since": last.isoformat(timespec="minutes") if last else "",
            },
        )
        raised.append(alert)

    if _cluster_backups_enabled():
        full = BackupRun.Kind.FULL
        diff = BackupRun.Kind.DIFF
        if full in hours:
            judge(full, "cluster", last_good((full,)), None)
        if diff in hours:  # a full backup is also a (fresher) differential
            judge(diff, "cluster", last_good((full, diff)), None)
        for kind in (BackupRun.Kind.VERIFY, BackupRun.Kind.DRILL):
            if kind in hours:
                judge(kind, "cluster", last_good((kind,)), None)
    dump = BackupRun.Kind.DUMP  # pg_dump to the targets: no pgBackRest needed
    if dump in hours:
        judge(dump, "cluster", last_good((dump,)), None)
    export = BackupRun.Kind.TENANT_EXPORT
    if export in hours:
        active = Tenant.objects.filter(status=Tenant.Status.ACTIVE)
        for tenant in active.iterator():
            judge(
                export,
                str(tenant.pk),
                last_good((export,), tenant_id=tenant.pk),
                tenant.created_at,
                shop=tenant.slug,
                tenant=tenant,
            )
        # Shops no longer active need no export.
        BackupAlert.objects.filter(
            Q(key__startswith=f"stale:{export}:"),
            resolved_at__isnull=True,
        ).exclude(tenant__in=active).update(resolved_at=now)
    return raised


def alerts_check() -> dict[str, int]:
    """The periodic look (task backups.watch): archiving and staleness."""
    archive = archiver_check()
    stale = stale_check()
    return {"archive": int(archive is not None), "stale": len(stale)}
