"""Verification of what we keep (task `backups.verify`, hourly):

- each pgBackRest repository (repo1 local, repo2/repo3 in S3-compatible storage):
  `pgbackrest verify --output=text --verbose --repo=N`. Its exit code
  is 0 even when a file is damaged, so the result is read from its OUTPUT:

      stanza: zargar
      status: error
        archiveId: 15-1, total WAL checked: 162, total valid WAL: 161
          missing: 0, checksum invalid: 1, size invalid: 0, other: 0
        backup: 20261206-171353F, status: invalid, total files checked: 2530, total valid files: 2529
          missing: 0, checksum invalid: 1, size invalid: 0, other: 0

  (pgBackRest 2.45; without --verbose the valid entries and zero counts are left out,
  and with the default --output=none nothing at all is printed.)
- every copy of the shop exports of the last BACKUP_VERIFY_EXPORT_DAYS days, at every
  target: its SHA-256 and size read back and compared with the run's record. A copy
  that does not match is marked `corrupt` on the run (restores then use another copy).

Each problem raises a `corrupt` alert; the run is completed (all good), degraded
(something damaged) or failed (verification itself could not run).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from . import pgbackrest
from .alerts import alert_raise, alerts_resolve
from .models import BackupAlert, BackupRun
from .targets import TargetError, stream_sha256, target_get

log = logging.getLogger(__name__)

_COUNTS = ("missing", "checksum invalid", "size invalid", "other")
_PAIR = re.compile(r"\s*([^:,]+):\s*([^,]*)")


def _pairs(line: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, v in _PAIR.findall(line)}


def pgbackrest_verify_parse(text: str) -> dict[str, Any]:
    """Read `pgbackrest verify --output=text [--verbose]` into
    {"stanza", "status", "archives": [...], "backups": [...], "problems": [str]}.
    Anything not understood counts as a problem: never a silent "ok"."""
    result: dict[str, Any] = {"stanza": None, "status": None, "archives": [], "backups": [],
                              "problems": []}
    current: dict[str, Any] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        pairs = _pairs(line)
        if line.startswith("stanza:"):
            result["stanza"] = pairs.get("stanza")
        elif line.startswith("status:"):
            result["status"] = pairs.get("status")
        elif line.startswith("archiveId:"):
            current = {"archive_id": pairs.get("archiveId"),
                       "checked": int(pairs.get("total WAL checked", 0) or 0),
                       "valid": int(pairs.get("total valid WAL", 0) or 0)}
            result["archives"].append(current)
        elif line.startswith("backup:"):
            current = {"label": pairs.get("backup"), "status": pairs.get("status"),
                       "checked": int(pairs.get("total files checked", 0) or 0),
                       "valid": int(pairs.get("total valid files", 0) or 0)}
            result["backups"].append(current)
        elif current is not None and set(pairs) <= set(_COUNTS) and pairs:
            for name, value in pairs.items():
                current[name] = int(value or 0)
        else:
            result["problems"].append(f"unexpected line: {line[:200]}")
    if result["status"] != "ok":
        result["problems"].append(f"status: {result['status'] or 'missing'}")
    for archive in result["archives"]:
        bad = {k: archive.get(k, 0) for k in _COUNTS if archive.get(k, 0)}
        if bad or archive["valid"] < archive["checked"]:
            result["problems"].append(
                f"WAL {archive['archive_id']}: {archive['checked'] - archive['valid']} of "
                f"{archive['checked']} invalid {bad}")
    for backup in result["backups"]:
        bad = {k: backup.get(k, 0) for k in _COUNTS if backup.get(k, 0)}
        if backup["status"] != "valid" or bad or backup["valid"] < backup["checked"]:
            result["problems"].append(
                f"backup {backup['label']}: {backup['status']}, "
                f"{backup['checked'] - backup['valid']} of {backup['checked']} files bad {bad}")
    return result


def cluster_verify(repo: int = 1) -> dict[str, Any]:
    """Run pgbackrest verify on one repository and read its output."""
    return pgbackrest_verify_parse(pgbackrest.pgbackrest(
        "verify", "--output=text", "--verbose", f"--repo={repo}"))


# How info reports storage it cannot talk to (not damage: that is a Checksum/Format/
# CryptoError): connection refused or timed out, or an HTTP error (e.g. 403).
_UNREACHABLE = re.compile(r"HostConnectError|ProtocolError|unable to connect|timeout|timed out",
                          re.IGNORECASE)


def _repo_unreachable(repo: int) -> str:
    """The error of a repository that cannot be read at all (info status 99, "other",
    with a connection or HTTP error), else ""."""
    try:
        info = pgbackrest.cluster_info(repo)
    except pgbackrest.PgBackRestError as exc:
        return str(exc)
    for entry in info.get("repo", []):
        message = entry.get("status", {}).get("message", "")
        if (entry.get("key") == repo and entry.get("status", {}).get("code") == 99
                and _UNREACHABLE.search(message)):
            return message
    return ""


def cluster_verify_repos(run: BackupRun) -> tuple[dict[str, Any], list[str]]:
    """Verify every pgBackRest repository, one after the other. A damaged repository
    raises `corrupt:pgbackrest:repoN`; one that cannot be read (its storage is down)
    raises `target_down:verify:repoN`; each resolves when that repository verifies
    clean again. Returns (details, problems)."""
    from .services import backup_progress_set

    repos = pgbackrest.repos()
    summary: dict[str, Any] = {"status": "ok", "problems": [], "backups": 0, "wal_checked": 0,
                               "repos": {}}
    problems: list[str] = []
    for i, repo in enumerate(repos):
        name = f"repo{repo}"
        backup_progress_set(run, 10 + 40 * i // len(repos), f"pgbackrest verify {name}")
        try:
            found = cluster_verify(repo)
            if found["problems"]:
                # verify says only "No usable backup.info file" (exit code 0) when the
                # storage cannot be reached at all; info tells that apart from damage.
                unreachable = _repo_unreachable(repo)
                if unreachable:
                    raise pgbackrest.PgBackRestError(unreachable)
        except pgbackrest.PgBackRestError as exc:
            error = str(exc)[-500:]
            summary["repos"][name] = {"status": "unreachable", "error": error}
            summary["status"] = "error"
            problems.append(f"{name}: verify could not run: {error}")
            alert_raise(kind=BackupAlert.Kind.TARGET_DOWN, key=f"target_down:verify:{name}",
                        params={"run_kind": BackupRun.Kind.VERIFY, "targets": [name],
                                "error": error}, run=run)
            continue
        alerts_resolve(keys=[f"target_down:verify:{name}"])
        summary["repos"][name] = {
            "status": found["status"], "problems": found["problems"],
            "backups": len(found["backups"]),
            "wal_checked": sum(a["checked"] for a in found["archives"])}
        summary["backups"] += len(found["backups"])
        summary["wal_checked"] += summary["repos"][name]["wal_checked"]
        if found["problems"]:
            summary["status"] = "error"
            summary["problems"] += [f"{name}: {p}" for p in found["problems"]]
            problems += [f"{name}: {p}" for p in found["problems"]]
            alert_raise(kind=BackupAlert.Kind.CORRUPT, key=f"corrupt:pgbackrest:{name}",
                        params={"where": f"pgBackRest {name} ({pgbackrest.repo_describe(repo)})",
                                "error": "; ".join(found["problems"])[:500]},
                        run=run)
        else:
            alerts_resolve(keys=[f"corrupt:pgbackrest:{name}"])
    return summary, problems


def exports_verify(*, days: int | None = None) -> dict[str, Any]:
    """Re-read every copy of recent shop exports and compare SHA-256 and size with the
    run's record. Returns {"checked": n, "bad": [{"run", "target", "error"}]}."""
    days = settings.BACKUP_VERIFY_EXPORT_DAYS if days is None else days
    since = timezone.now() - timedelta(days=days)
    runs = BackupRun.objects.filter(
        kind=BackupRun.Kind.TENANT_EXPORT, finished_at__gte=since,
        state__in=(BackupRun.State.COMPLETED, BackupRun.State.DEGRADED)).order_by("started_at")
    checked, bad = 0, []
    for run in runs.iterator():
        for name, info in list(run.targets.items()):
            if info.get("state") != "ok":
                continue
            checked += 1
            error = ""
            corrupt = False
            try:
                digest, size = stream_sha256(target_get(name).open(info["key"]))
                if digest != run.sha256 or size != run.size_bytes:
                    corrupt = True
                    error = (f"SHA-256 {digest[:16]}... / {size} bytes, expected "
                             f"{run.sha256[:16]}... / {run.size_bytes} bytes")
            except (TargetError, OSError) as exc:
                error = f"unreadable: {exc}"
            if not error:
                continue
            where = f"{name}:{info.get('key', '')}"
            bad.append({"run": str(run.pk), "target": name, "error": error})
            if corrupt:  # restores must not pick this copy any more
                run.targets[name] = {**info, "state": "corrupt", "error": error}
                BackupRun.objects.filter(pk=run.pk).update(targets=run.targets)
            alert_raise(kind=BackupAlert.Kind.CORRUPT, key=f"corrupt:export:{run.pk}:{name}",
                        params={"where": where, "error": error[:500], "run_kind": run.kind,
                                "shop": run.tenant_slug},
                        run=run)
    return {"checked": checked, "bad": bad}


def backup_verify_run(*, run: BackupRun, cluster: bool | None = None) -> BackupRun:
    """Do the verification `run` (kind verify, state started) stands for."""
    from .services import backup_progress_set, backup_run_finish

    if not run.is_running:
        return run
    cluster = Path(settings.BACKUP_PGBACKREST_CONFIG).exists() if cluster is None else cluster
    details: dict[str, Any] = {}
    problems: list[str] = []
    try:
        if cluster:
            details["pgbackrest"], found = cluster_verify_repos(run)
            problems += found
        backup_progress_set(run, 50, "exports")
        exports = exports_verify()
        details["exports"] = exports
        problems += [f"{b['target']} {b['run']}: {b['error']}" for b in exports["bad"]]
    except Exception as exc:
        log.exception("verification %s failed", run.pk)
        return backup_run_finish(run=run, state=BackupRun.State.FAILED, error=str(exc),
                                 details=details)
    return backup_run_finish(
        run=run, state=BackupRun.State.DEGRADED if problems else BackupRun.State.COMPLETED,
        error="; ".join(problems)[:4000], details=details)
