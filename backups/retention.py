"""Retention of shop export copies at each target (task `backups.expire`, daily).

At every configured target: copies older than the target's retention are deleted,
except the newest KEEP good copies of each shop there, whatever their age (a shop
whose exports stopped, or a target that was down for weeks, still has its last
ones). Retention: BACKUP_EXPORT_RETENTION_DAYS and BACKUP_EXPORT_KEEP, or the target's
own BACKUP_TARGET_<NAME>_RETENTION_DAYS / _KEEP.

The export runs are the books: only copies a finished export run recorded are ever
deleted (nothing else at a target is touched), and a deleted copy is marked
"expired" in its run (restores and verification only use "ok" copies). A copy is
marked before it is deleted, and marked "ok" again if the target refuses, so no
restore can pick a copy that is going away.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import BackupRun
from .targets import Target, targets_configured

log = logging.getLogger(__name__)

OK, CORRUPT, EXPIRING, EXPIRED = "ok", "corrupt", "expiring", "expired"


def target_retention(target: Target) -> tuple[int, int]:
    """(days, keep) for `target`: its own, or the defaults from settings."""
    days = target.retention_days
    keep = target.keep
    return (settings.BACKUP_EXPORT_RETENTION_DAYS if days is None else days,
            settings.BACKUP_EXPORT_KEEP if keep is None else keep)


def _mark(run: BackupRun, target_name: str, key: str, *, expect: str, state: str,
          **extra: Any) -> bool:
    """Set the copy's state in its run (row locked), if it is still `expect`."""
    with transaction.atomic():
        locked = BackupRun.objects.select_for_update().get(pk=run.pk)
        info = locked.targets.get(target_name)
        if not info or info.get("key") != key or info.get("state") != expect:
            return False
        locked.targets[target_name] = {**info, "state": state, **extra}
        locked.save(update_fields=["targets"])
    return True


def export_copies_expire(*, now: datetime | None = None,
                         targets: list[Target] | None = None) -> dict[str, Any]:
    """Delete the export copies past retention at every target. Returns
    {"deleted": [{run, shop, target, key}], "kept": n, "errors": [{target, key, error}],
    "targets": {name: {"state": "ok" | "failed", "expired": n, "kept": n, "error"?}}}.
    A target that refuses is skipped for now (the next day retries)."""
    now = now or timezone.now()
    targets = targets_configured() if targets is None else targets
    runs = list(BackupRun.objects.filter(
        kind=BackupRun.Kind.TENANT_EXPORT,
        state__in=(BackupRun.State.COMPLETED, BackupRun.State.DEGRADED),
    ).only("pk", "tenant_id", "tenant_slug", "started_at", "targets").order_by("-started_at"))
    deleted: list[dict[str, str]] = []
    errors: list[dict[str, str]] = []
    kept = 0
    summary: dict[str, dict[str, Any]] = {}
    for target in targets:
        before = (len(deleted), kept, len(errors))
        days, keep = target_retention(target)
        cutoff = now - timedelta(days=days)
        good = Counter()  # good copies kept so far, per shop (newest first)
        for run in runs:
            info = run.targets.get(target.name)
            if not info or info.get("state") not in (OK, CORRUPT, EXPIRING) or not info.get("key"):
                continue
            key, state = info["key"], info["state"]
            shop = str(run.tenant_id or run.tenant_slug)
            if state == OK and good[shop] < keep:
                good[shop] += 1
                kept += 1
                continue
            # (A copy left "expiring" by a worker that died was chosen already.)
            if state != EXPIRING:
                if run.started_at >= cutoff:
                    kept += 1
                    continue
                if not _mark(run, target.name, key, expect=state, state=EXPIRING):
                    continue  # changed meanwhile (verification, another expire): leave it
            try:
                target.delete(key)
            except Exception as exc:  # noqa: BLE001 - a target down now: retried tomorrow
                log.warning("export retention: %s could not delete %s: %s", target.name, key, exc)
                if state != EXPIRING:
                    _mark(run, target.name, key, expect=EXPIRING, state=state)
                errors.append({"target": target.name, "key": key, "error": str(exc)[:300]})
                continue
            _mark(run, target.name, key, expect=EXPIRING, state=EXPIRED,
                  expired_at=now.isoformat())
            deleted.append({"run": str(run.pk), "shop": run.tenant_slug,
                            "target": target.name, "key": key})
        refused = errors[before[2]:]
        summary[target.name] = {"state": "failed" if refused else "ok",
                                "expired": len(deleted) - before[0], "kept": kept - before[1],
                                **({"error": refused[0]["error"]} if refused else {})}
    return {"deleted": deleted, "kept": kept, "errors": errors, "targets": summary}


def export_retention_run(*, run: BackupRun) -> BackupRun:
    """Do the export retention that `run` (kind expire, state started) stands for:
    completed, or degraded when a target refused a deletion."""
    from .services import backup_run_finish

    if not run.is_running:
        return run
    try:
        result = export_copies_expire()
    except Exception as exc:
        log.exception("export retention %s failed", run.pk)
        return backup_run_finish(run=run, state=BackupRun.State.FAILED, error=str(exc))
    error = "; ".join(f"{e['target']}: {e['error']}" for e in result["errors"])[:4000]
    return backup_run_finish(
        run=run, state=BackupRun.State.DEGRADED if result["errors"] else BackupRun.State.COMPLETED,
        error=error, targets=result["targets"],
        details={"exports": True, "expired": result["deleted"], "kept": result["kept"],
                 "errors": result["errors"]})
