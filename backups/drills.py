"""Restore drills (task `backups.drill`, monthly) and retention (`backups.expire`,
daily, per pgBackRest repository), recorded as BackupRun rows like every other job.

A drill restores the cluster from the pgBackRest repository into a side data directory
(never over the live cluster: backups/pgbackrest.py::cluster_restore_to), starts it,
reads it, stops it and deletes it. It records:
- `rpo_s`: seconds `pgbackrest check` took to get the WAL holding the latest change
  into the repository (what a crash at that moment would have lost at most, given
  that archiving keeps working; `archive_timeout` bounds it when writes are few);
- `rto_s`: seconds from starting the restore to a promoted, queryable side cluster.
The PITR test (tests/backups/test_pitr.py) runs the same function to a chosen time T
and compares per-table fingerprints.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import pgbackrest
from .models import BackupRun

log = logging.getLogger(__name__)
_LOCK_RETRIES, _LOCK_WAIT = 30, 2.0


def _side_probe(side: pgbackrest.SideCluster) -> dict[str, Any]:
    """What the restored cluster holds, read as the application database's owner."""
    import psycopg
    from django.db import connection

    dbname = connection.settings_dict["NAME"]
    with psycopg.connect(side.conninfo(dbname), autocommit=True) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        shops = conn.execute("SELECT count(*) FROM tenants_tenant").fetchone()[0]
    return {"tables": tables, "shops": shops}


def backup_drill_run(*, run: BackupRun, target_time: datetime | None = None,
                     backup_set: str | None = None,
                     inspect: Callable[[pgbackrest.SideCluster], Any] | None = None
                     ) -> BackupRun:
    """Do the drill `run` (kind drill, state started) stands for: archive the latest
    WAL, restore to `target_time` (else to the end of the archive) on a side directory,
    probe it (and call `inspect(side)` while it runs), stop it; record RTO and RPO."""
    from .services import backup_progress_set, backup_run_finish

    if not run.is_running:
        return run
    details: dict[str, Any] = {"target_time": target_time.isoformat() if target_time else "",
                               "backup_set": backup_set or ""}
    try:
        backup_progress_set(run, 5, "check")
        started = time.monotonic()
        pgbackrest.cluster_check()
        details["rpo_s"] = round(time.monotonic() - started, 2)
        backup_progress_set(run, 20, "restore")
        started = time.monotonic()
        side = pgbackrest.cluster_restore_to(target_time=target_time, backup_set=backup_set)
        try:
            details["rto_s"] = round(time.monotonic() - started, 2)
            details["side_dir"] = str(side.path.parent)
            backup_progress_set(run, 80, "probe")
            details["probe"] = _side_probe(side)
            if inspect is not None:
                inspect(side)
        finally:
            side.stop()
    except Exception as exc:
        log.exception("restore drill %s failed", run.pk)
        return backup_run_finish(run=run, state=BackupRun.State.FAILED, error=str(exc),
                                 details=details)
    return backup_run_finish(run=run, state=BackupRun.State.COMPLETED, details=details)


def _expire(repo: int) -> None:
    for attempt in range(_LOCK_RETRIES):
        try:
            pgbackrest.pgbackrest("expire", f"--repo={repo}")
            return
        except pgbackrest.PgBackRestError as exc:
            # A backup holds the repository's lock (it expires by itself at its
            # end): wait for it rather than fail the day's expire.
            if "lock" not in str(exc) or attempt == _LOCK_RETRIES - 1:
                raise
            time.sleep(_LOCK_WAIT)


def backup_expire_run(*, run: BackupRun) -> BackupRun:
    """`pgbackrest expire --repo=N` for every repository, each by its own retention
    (repoN-retention-*). Each repository is a target of the run: one that cannot be
    reached leaves the run degraded (the others are expired all the same)."""
    from .services import backup_run_finish

    if not run.is_running:
        return run
    targets: dict[str, dict[str, Any]] = {}
    expired: list[str] = []
    kept = 0
    try:
        repos = pgbackrest.repos()
    except Exception as exc:
        log.exception("expire %s failed", run.pk)
        return backup_run_finish(run=run, state=BackupRun.State.FAILED, error=str(exc))
    for repo in repos:
        name = f"repo{repo}"
        try:
            before = {b["label"] for b in pgbackrest.cluster_info(repo).get("backup", [])}
            _expire(repo)
            after = {b["label"] for b in pgbackrest.cluster_info(repo).get("backup", [])}
        except pgbackrest.PgBackRestError as exc:
            targets[name] = {"state": "failed", "error": str(exc)[-1000:]}
            continue
        targets[name] = {"state": "ok", "expired": sorted(before - after), "kept": len(after)}
        expired += [f"{name}:{label}" for label in sorted(before - after)]
        kept += len(after)
    failed = [n for n, t in targets.items() if t["state"] != "ok"]
    errors = "; ".join(f"{n}: {targets[n]['error'][-300:]}" for n in failed)
    if len(failed) == len(targets):
        return backup_run_finish(run=run, state=BackupRun.State.FAILED, error=errors,
                                 targets=targets)
    return backup_run_finish(
        run=run, state=BackupRun.State.DEGRADED if failed else BackupRun.State.COMPLETED,
        error=errors, targets=targets, details={"expired": expired, "kept": kept})
