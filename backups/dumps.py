"""The daily portable copy of the whole database (task `backups.cluster_dump`).

`pg_dump -Fc -Z0` as `zargar_backup` (BYPASSRLS, SELECT only: every shop's rows),
streamed through zstd and the exports' authenticated chunked encryption
(backups/crypto.py, the same keyring) into a scratch file, then stored on every
target and read back (SHA-256), like a shop export. It restores anywhere with
`pg_restore` after `manage.py backup_dump_open` (decrypt + decompress), without
pgBackRest: the secondary copy for when the physical backups cannot be used.

A target that fails makes the run `degraded`; none, or pg_dump failing, `failed`.
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path
from typing import IO, Any

import zstandard
from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tenants.roles import BACKUP

from . import crypto
from .models import BackupRun
from .pgbackrest import _pg_bindir
from .services import (
    _HashingWriter,
    _scratch_dir,
    backup_progress_set,
    backup_run_finish,
    copies_store,
)
from .targets import Target, targets_configured

log = logging.getLogger(__name__)
SUFFIX = ".dump.zst.enc"
BLOCK = 1024 * 1024


def dump_conninfo() -> tuple[str, str]:
    """(conninfo without the password, password) of the database to dump as the backup
    role: BACKUP_DATABASE_URL, else the default database's host, port and name with
    `zargar_backup` and ZARGAR_DB_BACKUP_PASSWORD."""
    if settings.BACKUP_DATABASE_URL:
        params = conninfo_to_dict(settings.BACKUP_DATABASE_URL)
    else:
        db = connections["default"].settings_dict
        params = {"host": db["HOST"] or "127.0.0.1", "port": str(db["PORT"] or 5432),
                  "dbname": db["NAME"], "user": BACKUP,
                  "password": os.environ.get("ZARGAR_DB_BACKUP_PASSWORD", "")}
    password = str(params.pop("password", "") or "")
    return make_conninfo(**params), password


def dump_file_write(*, out: IO[bytes], keyring: crypto.Keyring | None = None) -> dict[str, Any]:
    """pg_dump of the whole database into `out` (zstd, then sealed). Returns
    `raw_bytes` (pg_dump's output), `size_bytes`, `sha256` (of the file), `key_id`."""
    keyring = keyring or crypto.keyring_load()
    conninfo, password = dump_conninfo()
    hashing = _HashingWriter(out)
    meta = {"created_at": timezone.now().isoformat(), "compression": "zstd",
            "content": "pg_dump -Fc"}
    encrypting = crypto.EncryptingWriter(hashing, keyring=keyring, meta=meta)
    compressor = zstandard.ZstdCompressor(level=settings.BACKUP_ZSTD_LEVEL)
    env = {**os.environ, "PGPASSWORD": password}  # never on the command line
    raw = 0
    with subprocess.Popen([str(_pg_bindir() / "pg_dump"), "-Fc", "-Z0", "-d", conninfo],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as dump:
        with compressor.stream_writer(encrypting, closefd=False) as compressing:
            while block := dump.stdout.read(BLOCK):
                compressing.write(block)
                raw += len(block)
        errors = dump.stderr.read().decode(errors="replace")
        code = dump.wait()
    if code != 0:
        raise RuntimeError(f"pg_dump exited with {code}: {errors.strip()[:2000]}")
    encrypting.close()
    return {"raw_bytes": raw, "size_bytes": encrypting.bytes_out,
            "sha256": hashing.hash.hexdigest(), "key_id": keyring.current_id}


def dump_open(raw: IO[bytes], out: IO[bytes], *, keyring: crypto.Keyring | None = None) -> int:
    """Decrypt (authenticated) and decompress a stored dump into `out`, a file
    `pg_restore` reads. Returns its size."""
    reader = crypto.DecryptingReader(raw, keyring=keyring)
    written = 0
    with zstandard.ZstdDecompressor().stream_reader(reader) as plain:
        while block := plain.read(BLOCK):
            out.write(block)
            written += len(block)
    return written


def cluster_dump_run(*, run: BackupRun, targets: list[Target] | None = None) -> BackupRun:
    """Do the dump that `run` (kind dump, started) stands for; store it on every target
    and read each copy back."""
    if not run.is_running:
        return run
    targets = targets_configured() if targets is None else targets
    key = f"cluster/{run.started_at:%Y%m%dT%H%M%SZ}-{str(run.pk)[:8]}{SUFFIX}"
    partial = Path(_scratch_dir()) / f".{run.pk}.dump.partial"
    try:
        backup_progress_set(run, 1, "dump")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            written = dump_file_write(out=out)
            out.flush()
            os.fsync(out.fileno())
        results, state = copies_store(run=run, partial=partial, key=key,
                                      sha256=written["sha256"], size=written["size_bytes"],
                                      targets=targets)
        ok = [name for name, result in results.items() if result["state"] == "ok"]
        return backup_run_finish(
            run=run, state=state, error="" if ok else _("No target accepted the dump."),
            file_name=key, size_bytes=written["size_bytes"], raw_bytes=written["raw_bytes"],
            sha256=written["sha256"], key_id=written["key_id"], targets=results)
    except Exception as exc:
        log.exception("database dump %s failed", run.pk)
        return backup_run_finish(run=run, state=BackupRun.State.FAILED, error=str(exc))
    finally:
        partial.unlink(missing_ok=True)
