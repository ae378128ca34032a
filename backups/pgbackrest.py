"""Whole-cluster backups and point-in-time recovery with pgBackRest.

scripts/services.sh writes the configuration (stanza `zargar`, a local repository
beside the cluster, WAL archived by PostgreSQL's archive_command with async push) and
creates the stanza. This module runs the tool as the cluster's user and reads its
JSON output; it never polls pg_wal itself.

- `cluster_backup(kind)`: full / diff / incr (pgBackRest turns the first incr or diff
  into a full); retention (`repo1-retention-*`) expires old sets after each backup.
- `cluster_restore_to(...)`: restore a backup set into a NEW data directory, replaying
  WAL up to a time (never over the live cluster), and start it on its own port with
  archiving off, so the side cluster never writes into the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

STANZA = "zargar"


class PgBackRestError(RuntimeError):
    pass


def _as_cluster_user(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:  # PostgreSQL (and so its files) belong to `postgres`
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def pgbackrest(*args: str, timeout: int = 3600) -> str:
    argv = _as_cluster_user(["pgbackrest", f"--config={settings.BACKUP_PGBACKREST_CONFIG}",
                             f"--stanza={STANZA}", *args])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise PgBackRestError(
            f"pgbackrest {args[0]} failed ({done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-2000:]}")
    return done.stdout


def enabled() -> bool:
    """Cluster backups are configured (scripts/services.sh wrote pgbackrest.conf)."""
    return Path(settings.BACKUP_PGBACKREST_CONFIG).exists()


def cluster_info() -> dict[str, Any]:
    data = json.loads(pgbackrest("info", "--output=json"))
    return data[0] if data else {}


def cluster_backup(kind: str) -> dict[str, Any]:
    """Take a backup (full/diff/incr); returns the new set from `info`."""
    if kind not in ("full", "diff", "incr"):
        raise ValueError(kind)
    pgbackrest("backup", f"--type={kind}")
    backups = cluster_info().get("backup", [])
    if not backups:
        raise PgBackRestError("pgbackrest backup ended but info lists no backup")
    return backups[-1]


def cluster_check() -> None:
    """Switch WAL and wait until the segment is archived (`pgbackrest check`)."""
    pgbackrest("check", timeout=300)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        raise PgBackRestError("PostgreSQL server binaries not found")
    return found[-1].parent


@dataclass
class SideCluster:
    """A restored cluster on its own data directory, port and socket."""

    path: Path
    port: int
    socket_dir: Path

    def conninfo(self, dbname: str) -> str:
        return f"host={self.socket_dir} port={self.port} user=postgres dbname={dbname}"

    def stop(self) -> None:
        if (self.path / "postmaster.pid").exists():
            subprocess.run(_as_cluster_user([str(_pg_bindir() / "pg_ctl"), "-D", str(self.path),
                                             "stop", "-m", "immediate", "-w"]),
                           capture_output=True, timeout=60)
        shutil.rmtree(self.path.parent, ignore_errors=True)


def cluster_restore_to(*, target_time: datetime | None = None, backup_set: str | None = None,
                       wait: float = 120) -> SideCluster:
    """Restore into a new directory (point in time `target_time`, else the end of the
    archived WAL), start it promoted on a free port; the caller stops it."""
    drills = Path(settings.BACKUP_PGBACKREST_CONFIG).parent / "drills"
    work = drills / f"restore-{os.getpid()}-{time.monotonic_ns()}"
    data, sock = work / "pg", work / "run"
    for p in (data, sock):
        p.mkdir(parents=True, mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(work, "postgres", "postgres")
        for p in (data, sock):
            shutil.chown(p, "postgres", "postgres")
    side = SideCluster(path=data, port=_free_port(), socket_dir=sock)
    # Its own spool path: the live cluster's async push queue
    # lives in the shared spool path, which a restore would otherwise clear.
    args = ["restore", f"--pg1-path={data}", "--archive-mode=off",
            f"--spool-path={work / 'spool'}"]
    if target_time is not None:
        args += ["--type=time", f"--target={target_time.isoformat(sep=' ')}",
                 "--target-action=promote"]
    if backup_set:
        args.append(f"--set={backup_set}")
    try:
        pgbackrest(*args)
        options = (f"-p {side.port} -c listen_addresses='' -c unix_socket_directories='{sock}' "
                   "-c archive_mode=off -c shared_buffers=32MB")
        started = subprocess.run(
            _as_cluster_user([str(_pg_bindir() / "pg_ctl"), "-D", str(data), "-o", options,
                              "-l", str(work / "server.log"), "-w", "-t", str(int(wait)),
                              "start"]),
            capture_output=True, text=True, timeout=wait + 10)
        if started.returncode != 0:
            log = (work / "server.log").read_text(errors="replace")[-2000:]
            raise PgBackRestError(f"the restored cluster did not start: {log}")
        _wait_promoted(side, wait)
    except BaseException:
        side.stop()
        raise
    return side


def _wait_promoted(side: SideCluster, wait: float) -> None:
    import psycopg

    deadline = time.monotonic() + wait
    while True:
        try:
            with psycopg.connect(side.conninfo("postgres"), connect_timeout=2) as conn:
                if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    return
        except psycopg.OperationalError:
            pass
        if time.monotonic() > deadline:
            raise PgBackRestError("the restored cluster did not finish recovery in time")
        time.sleep(0.2)
