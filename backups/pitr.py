"""One shop back to a point in time, the others untouched.

The cluster is restored by pgBackRest to a side instance at that time
(backups/pgbackrest.py::cluster_restore_to: its own data directory, port and socket,
never the live cluster); the shop's export is written from there by the usual
pipeline (`manage.py backup_export_file` run against the side instance as the
application role, so row-level security holds there too); that export is applied to
the live database by tenant_restore_apply, replace or merge, in one transaction in
the shop's scope. The side instance and the file are removed afterwards.
"""

import datetime
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.errors import BusinessRuleError
from tenants.models import Tenant, User

from . import pgbackrest
from .models import BackupRun
from .services import (
    BackupError,
    _scratch_dir,
    backup_progress_set,
    backup_run_finish,
    backup_run_start,
    restore_outcome,
    tenant_restore_apply,
)

log = logging.getLogger(__name__)


def restorable_since() -> datetime.datetime | None:
    """The earliest moment a point-in-time restore can reach: the end of the oldest
    cluster backup still in the repository (None when there is none)."""
    try:
        backups = pgbackrest.cluster_info().get("backup", [])
    except pgbackrest.PgBackRestError:
        return None
    if not backups:
        return None
    stop = backups[0]["timestamp"]["stop"]
    return datetime.datetime.fromtimestamp(stop, tz=datetime.UTC)


def tenant_pitr_start(
    *,
    tenant: Tenant,
    target_time: datetime.datetime,
    mode: str,
    initiator: User | None,
    reason: str = "",
    confirm_slug: str = "",
) -> BackupRun:
    """Check a point-in-time restore request and record it as started.

    Rules: the time is in the past and not before the oldest cluster backup; the mode
    is replace or merge; a reason; the operator typed the shop's slug."""
    if mode not in (BackupRun.Mode.REPLACE, BackupRun.Mode.MERGE):
        raise BackupError(_("Choose replace or merge."))
    if target_time >= timezone.now():
        raise BackupError(_("Choose a moment in the past."))
    since = restorable_since()
    if since is None or target_time <= since:
        raise BackupError(
            _(
                "No cluster backup reaches that far back: choose a moment "
                "after the oldest backup's end."
            )
        )
    if not (reason or "").strip():
        raise BackupError(_("Say why the shop is restored."))
    if confirm_slug.strip() != tenant.slug:
        raise BackupError(_("Type the shop's slug exactly to confirm the restore."))
    run = backup_run_start(
        kind=BackupRun.Kind.TENANT_RESTORE,
        tenant=tenant,
        initiator=initiator,
        reason=reason,
        mode=mode,
    )
    run.details = {"target_time": target_time.isoformat()}
    run.save(update_fields=["details"])
    return run


def _side_database_url(side: pgbackrest.SideCluster) -> str:
    """The application role on the side instance's socket (the restored cluster's
    pg_hba trusts its socket, which only the cluster's owner can reach)."""
    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]  # the test database under pytest
    return (
        f"postgres://{quote(db['USER'])}@/{quote(name)}"
        f"?host={quote(str(side.socket_dir))}&port={side.port}"
    )


def tenant_pitr_apply(
    *, tenant: Tenant, side: pgbackrest.SideCluster, mode: str, on_table: Any = None
) -> dict[str, Any]:
    """Export `tenant` from the side instance and apply it to the live database."""
    with tempfile.TemporaryDirectory(dir=_scratch_dir()) as scratch:
        path = Path(scratch) / "export.zargar"
        # The same keyring as this process (it reads the file back right after).
        env = {
            **os.environ,
            "DATABASE_URL": _side_database_url(side),
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "config.settings.dev"
            ),
            "BACKUP_ENCRYPTION_KEY": settings.BACKUP_ENCRYPTION_KEY,
            "BACKUP_ENCRYPTION_OLD_KEYS": ",".join(settings.BACKUP_ENCRYPTION_OLD_KEYS),
        }
        done = subprocess.run(
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "backup_export_file",
                "--tenant",
                str(tenant.pk),
                "--out",
                str(path),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(
                _("The shop could not be read from the restored cluster: %(error)s")
                % {"error": done.stderr.strip()[-500:]}
            )
        exported = json.loads(done.stdout.strip().splitlines()[-1])
        with path.open("rb") as raw:
            result = tenant_restore_apply(tenant=tenant, raw=raw, mode=mode, on_table=on_table)
    return {**result, "export_sha256": exported["sha256"], "export_rows": exported["rows"]}


def tenant_pitr_run(*, run: BackupRun) -> BackupRun:
    """Do the point-in-time restore that `run` stands for (started by tenant_pitr_start)."""
    if not run.is_running:
        return run
    side = None
    try:
        if run.tenant is None:
            raise BackupError(_("The shop no longer exists."))
        target = datetime.datetime.fromisoformat(run.details["target_time"])
        backup_progress_set(run, 5, "restore the cluster")
        side = pgbackrest.cluster_restore_to(target_time=target)
        backup_progress_set(run, 50, "restore")
        result = tenant_pitr_apply(
            tenant=run.tenant,
            side=side,
            mode=run.mode,
            on_table=lambda done, total: backup_progress_set(
                run, 50 + 45 * done // total, "restore"
            ),
        )
        state, error = restore_outcome(result)
        return backup_run_finish(
            run=run, state=state, error=error, details={**run.details, **result}
        )
    except BusinessRuleError as exc:
        return backup_run_finish(run=run, state=BackupRun.State.FAILED, error=exc.message)
    except Exception as exc:
        log.exception("point-in-time restore %s failed", run.pk)
        return backup_run_finish(run=run, state=BackupRun.State.FAILED, error=str(exc))
    finally:
        if side is not None:
            side.stop()
