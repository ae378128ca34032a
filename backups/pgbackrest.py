"""Whole-cluster backups and point-in-time recovery with pgBackRest.

scripts/services.sh writes the configuration (stanza `zargar`, a local repository
beside the cluster, WAL archived by PostgreSQL's archive_command with async push) and
creates the stanza. This module runs the tool as the cluster's user and reads its
JSON output; it never polls pg_wal itself.

- `cluster_backup(kind, repo=N)`: full / diff / incr into one repository (pgBackRest
  backs up to one repository per run and turns the first incr or diff of a repository
  into a full); each repository's retention (`repoN-retention-*`) expires old sets
  after each backup. `repos()` lists the configured repositories: repo1 on local disk,
  repo2 and repo3 on S3-compatible storage when configured (R2 and B2 in production,
  moto servers behind stunnel4 in tests), each with its own cipher and retention.
  WAL is pushed to every repository by archive-push; a repository that cannot be
  reached fails the push (PostgreSQL retries; pg_stat_archiver.failed_count rises)
  while the others still receive the segment (archive-async=y).
- `cluster_restore_to(...)`: restore a backup set into a NEW data directory, replaying
  WAL up to a time (never over the live cluster), and start it on its own port with
  archiving off, so the side cluster never writes into the repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
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


def _environ() -> dict[str, str]:
    # The config file is the only source of options: PGBACKREST_* variables of the
    # worker's environment (which pgBackRest would read too) are left out.
    return {k: v for k, v in os.environ.items() if not k.startswith("PGBACKREST_")}


def pgbackrest(*args: str, timeout: int = 3600) -> str:
    argv = _as_cluster_user(["pgbackrest", f"--config={settings.BACKUP_PGBACKREST_CONFIG}",
                             f"--stanza={STANZA}", *args])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          env=_environ())
    if done.returncode != 0:
        raise PgBackRestError(
            f"pgbackrest {args[0]} failed ({done.returncode}): "
            f"{(done.stderr or done.stdout).strip()[-2000:]}")
    return done.stdout


def enabled() -> bool:
    """Cluster backups are configured (scripts/services.sh wrote pgbackrest.conf)."""
    return Path(settings.BACKUP_PGBACKREST_CONFIG).exists()


_REPO_OPTION = re.compile(r"^\s*repo(\d+)-([a-z0-9-]+)\s*=\s*(.*?)\s*$")


def repos() -> list[int]:
    """The repositories configured in pgbackrest.conf (repo1, repo2, ...), in order."""
    found = {int(m.group(1)) for line in
             Path(settings.BACKUP_PGBACKREST_CONFIG).read_text().splitlines()
             if (m := _REPO_OPTION.match(line))}
    return sorted(found) or [1]


def repo_describe(repo: int) -> str:
    """Where a repository is, for people (no secrets): a path or s3://bucket/path."""
    options = {m.group(2): m.group(3) for line in
               Path(settings.BACKUP_PGBACKREST_CONFIG).read_text().splitlines()
               if (m := _REPO_OPTION.match(line)) and int(m.group(1)) == repo}
    if options.get("type", "posix") == "s3":
        return (f"s3://{options.get('s3-bucket', '?')}{options.get('path', '')} "
                f"at {options.get('s3-endpoint', '?')}")
    return options.get("path", "")


def cluster_info(repo: int | None = None) -> dict[str, Any]:
    """`pgbackrest info` as JSON (of one repository, else of all); a repository that
    cannot be reached is listed in `repo` with a non-zero status code."""
    args = ["info", "--output=json"] + ([f"--repo={repo}"] if repo else [])
    data = json.loads(pgbackrest(*args, timeout=600))
    return data[0] if data else {}


def cluster_backup(kind: str, *, repo: int = 1) -> dict[str, Any]:
    """Take a backup (full/diff/incr) into repository `repo`; returns the new set from
    `info` (its "type" says what pgBackRest made of `kind`)."""
    if kind not in ("full", "diff", "incr"):
        raise ValueError(kind)
    pgbackrest("backup", f"--type={kind}", f"--repo={repo}")
    backups = [b for b in cluster_info(repo).get("backup", [])
               if b.get("database", {}).get("repo-key", repo) == repo]
    if not backups:
        raise PgBackRestError(f"pgbackrest backup to repo{repo} ended but info lists no backup")
    return backups[-1]


def cluster_backup_repos(kind: str) -> dict[int, dict[str, Any] | PgBackRestError]:
    """Back up into every repository, one after the other; a repository that fails
    (e.g. its storage is down) does not stop the others. Returns {repo: set or error}."""
    results: dict[int, dict[str, Any] | PgBackRestError] = {}
    for repo in repos():
        try:
            results[repo] = cluster_backup(kind, repo=repo)
        except PgBackRestError as exc:
            results[repo] = exc
    return results


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
        if self.socket_dir.parent != self.path.parent:  # a short one under /tmp
            shutil.rmtree(self.socket_dir, ignore_errors=True)


# A Unix socket's path has at most 107 bytes: a side cluster under a deep directory
# puts its socket in a short temporary directory instead.
_SOCKET_PATH_MAX = 100


def cluster_restore_to(*, target_time: datetime | None = None, backup_set: str | None = None,
                       repo: int | None = None, wait: float = 120) -> SideCluster:
    """Restore into a new directory (point in time `target_time`, else the end of the
    archived WAL), start it promoted on a free port; the caller stops it. `repo` takes
    the backup set from that repository (e.g. 2: a cloud copy) instead of the first one
    holding what is asked for; WAL comes from the repositories of the config file."""
    drills = Path(settings.BACKUP_PGBACKREST_CONFIG).parent / "drills"
    work = drills / f"restore-{os.getpid()}-{time.monotonic_ns()}"
    data, sock = work / "pg", work / "run"
    port = _free_port()
    data.mkdir(parents=True, mode=0o700)
    if len(str(sock / f".s.PGSQL.{port}")) > _SOCKET_PATH_MAX:
        sock = Path(tempfile.mkdtemp(prefix="zargar-side-"))  # 0700, short
    else:
        sock.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(work, "postgres", "postgres")
        for p in (data, sock):
            shutil.chown(p, "postgres", "postgres")
    side = SideCluster(path=data, port=port, socket_dir=sock)
    # Its own spool path: the live cluster's async push queue
    # lives in the shared spool path, which a restore would otherwise clear.
    args = ["restore", f"--pg1-path={data}", "--archive-mode=off",
            f"--spool-path={work / 'spool'}"]
    if target_time is not None:
        args += ["--type=time", f"--target={target_time.isoformat(sep=' ')}",
                 "--target-action=promote"]
    if backup_set:
        args.append(f"--set={backup_set}")
    if repo is not None:
        args.append(f"--repo={repo}")
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
