"""Backup services: encrypted shop exports to every target, shop restores (replace or
merge), and the BackupRun state machine.

Export pipeline (one pass, never a whole table in memory):
    COPY per table (one REPEATABLE READ snapshot), straight into a tar stream in
    parts of at most 8 MiB (backups/archive.py; no temporary file per table)
      -> [background thread] zstd -> AES-256-GCM chunks (backups/crypto.py)
      -> a 0600 scratch file, SHA-256 of the ciphertext
      -> every target (backups/targets.py), each copy read back and its SHA-256 checked.
A target that fails makes the run `degraded` (the others still get their copy); no
target at all makes it `failed`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import queue
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import zstandard
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.exports import (
    MANIFEST,
    TENANT_MEMBER,
    USERS_MEMBER,
    _HashingWriter,
    tenant_tables_in_delete_order,
    tenant_tables_in_dependency_order,
)
from tenants.models import Tenant, User

from . import archive, crypto, media
from .archive import ArchiveFormatError, archive_members, export_archive_write
from .models import BackupRun
from .targets import Target, TargetError, stream_sha256, target_get, targets_configured

log = logging.getLogger(__name__)

EXPORT_SUFFIX = ".tar.zst.zgrx"
_PROGRESS_TTL = 24 * 3600
_NAMES_KEPT = 50  # file names kept in a run's details (the manifest has them all)


class BackupError(BusinessRuleError):
    """A backup or restore was refused or could not finish; the message says why."""


# --- the run record ---------------------------------------------------------------------


def _progress_key(run_id: Any) -> str:
    return f"backups:progress:{run_id}"


def backup_progress_set(run: BackupRun, percent: int, phase: str = "") -> None:
    """Progress of a running job, kept in the cache: the export's own transaction is
    read-only and the page must see progress before anything is committed."""
    cache.set(
        _progress_key(run.pk),
        {"percent": max(0, min(100, int(percent))), "phase": phase},
        _PROGRESS_TTL,
    )


def backup_progress_get(run: BackupRun) -> dict[str, Any]:
    if not run.is_running:
        return {
            "percent": 100 if run.state != BackupRun.State.FAILED else run.progress,
            "phase": "",
        }
    return cache.get(_progress_key(run.pk)) or {"percent": run.progress, "phase": ""}


def backup_run_start(
    *,
    kind: str,
    tenant: Tenant | None = None,
    initiator: User | None = None,
    reason: str = "",
    source: BackupRun | None = None,
    mode: str = "",
    task_id: str = "",
) -> BackupRun:
    """Record a run as started (committed at once, outside any caller's transaction
    effects on the data)."""
    return BackupRun.objects.create(
        kind=kind,
        tenant=tenant,
        tenant_slug=tenant.slug if tenant else "",
        initiator=initiator,
        reason=reason[:300],
        source=source,
        mode=mode,
        task_id=task_id,
    )


def backup_run_finish(*, run: BackupRun, state: str, error: str = "", **fields: Any) -> BackupRun:
    """started -> completed | degraded | failed, once. A run already finished is left
    as it is (a redelivered task, or the reconciler racing a slow worker)."""
    if state not in BackupRun.FINISHED:
        raise ValueError(f"not a final state: {state}")
    now = timezone.now()
    values = {
        "state": state,
        "finished_at": now,
        "error": error[:4000],
        "progress": 100 if state != BackupRun.State.FAILED else run.progress,
        **fields,
    }
    updated = BackupRun.objects.filter(pk=run.pk, state=BackupRun.State.STARTED).update(**values)
    run.refresh_from_db()
    if updated:
        cache.delete(_progress_key(run.pk))
        try:
            from .alerts import alerts_for_run_finished

            alerts_for_run_finished(run)
        except Exception:  # an alert that cannot be raised must not lose the run's state
            log.exception("backup run %s: raising alerts failed", run.pk)
    return run


# --- export -----------------------------------------------------------------------------


class _BackgroundWriter(io.RawIOBase):
    """Hands what is written to a thread that writes it to `raw` (zstd, encryption and
    hashing there, while this thread keeps reading COPY output: zstd, hashlib and AES
    release the GIL on large buffers). A write of BLOCK bytes or more is queued as it
    is (the caller hands it over and never changes it: the archive writer's parts);
    smaller ones are gathered into blocks. At most DEPTH blocks are queued."""

    BLOCK = 1024 * 1024
    DEPTH = 4

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._buffer = bytearray()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=self.DEPTH)
        self._error: BaseException | None = None
        self.bytes_in = 0
        self._thread = threading.Thread(target=self._drain, name="export-writer", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while (block := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._raw.write(block)
                except BaseException as exc:  # noqa: BLE001 - re-raised in the writer
                    self._error = exc

    def writable(self) -> bool:
        return True

    def _flush_buffer(self) -> None:
        if self._buffer:
            block, self._buffer = self._buffer, bytearray()
            self._queue.put(block)

    def write(self, data: Any) -> int:
        if self._error is not None:
            raise self._error
        n = len(data)
        self.bytes_in += n
        if n >= self.BLOCK:
            self._flush_buffer()
            self._queue.put(data)
        else:
            self._buffer += data
            if len(self._buffer) >= self.BLOCK:
                self._flush_buffer()
        return n

    def finish(self) -> None:
        """Flush, wait for the thread, and raise what it met."""
        self._flush_buffer()
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def _scratch_dir() -> Path:
    path = Path(settings.BACKUP_SCRATCH_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def export_file_write(
    *,
    tenant: Tenant,
    out: IO[bytes],
    keyring: crypto.Keyring | None = None,
    on_member: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Write `tenant`'s encrypted export into `out`. Returns the manifest plus
    `raw_bytes` (tar size), `size_bytes`, `sha256` (of the file) and `key_id`.

    This thread runs the snapshot and the COPYs (backups/archive.py); a background
    thread compresses, seals and hashes (each byte hashed once: every member's
    plaintext for the manifest, the file's ciphertext for the copies' check)."""
    keyring = keyring or crypto.keyring_load()
    hashing = _HashingWriter(out)
    created = timezone.now()
    meta = {
        "tenant": {"id": str(tenant.pk), "slug": tenant.slug},
        "created_at": created.isoformat(),
        "compression": "zstd",
        "content": "tar",
    }
    encrypting = crypto.EncryptingWriter(hashing, keyring=keyring, meta=meta)
    compressor = zstandard.ZstdCompressor(level=settings.BACKUP_ZSTD_LEVEL)
    with compressor.stream_writer(encrypting, closefd=False) as compressing:
        background = _BackgroundWriter(compressing)
        try:
            manifest = export_archive_write(
                tenant=tenant,
                out=background,
                extra_manifest={"encrypted": True},
                on_member=on_member,
                part_size=archive.PART_SIZE,
            )
        finally:
            background.finish()
    encrypting.close()
    return {
        "manifest": manifest,
        "raw_bytes": background.bytes_in,
        "size_bytes": encrypting.bytes_out,
        "sha256": hashing.hash.hexdigest(),
        "key_id": keyring.current_id,
    }


def _export_key(tenant: Tenant, run: BackupRun) -> str:
    stamp = run.started_at.strftime("%Y%m%dT%H%M%SZ")
    return f"tenants/{tenant.pk}/{tenant.slug}-{stamp}-{str(run.pk)[:8]}{EXPORT_SUFFIX}"


def copies_store(
    *, run: BackupRun, partial: Path, key: str, sha256: str, size: int, targets: list[Target]
) -> tuple[dict[str, dict[str, Any]], str]:
    """Store the file `partial` as `key` on every target and read each copy back
    (SHA-256 and size must match). Returns the result per target and the run's state:
    completed (all), degraded (some) or failed (none). Upload progress: 50-100 %."""
    results: dict[str, dict[str, Any]] = {}
    for i, target in enumerate(targets):
        base = 50 + 50 * i // max(1, len(targets))
        span = 50 // max(1, len(targets))

        def progress(sent: int, base: int = base, span: int = span) -> None:
            backup_progress_set(run, base + span * sent // max(1, size), "upload")

        try:
            location = target.put(partial, key, progress=progress)
            copy_sha, copy_size = stream_sha256(target.open(key))
            if copy_sha != sha256 or copy_size != size:
                raise TargetError(
                    f"{target.name}: the stored copy does not match "
                    f"(SHA-256 {copy_sha[:12]}..., {copy_size} bytes)"
                )
            results[target.name] = {"state": "ok", "location": location, "key": key}
        except (TargetError, OSError) as exc:
            log.warning("backup target %s failed for run %s: %s", target.name, run.pk, exc)
            results[target.name] = {"state": "failed", "key": key, "error": str(exc)}
    ok = [n for n, r in results.items() if r["state"] == "ok"]
    state = (
        BackupRun.State.COMPLETED
        if len(ok) == len(targets) and ok
        else BackupRun.State.DEGRADED
        if ok
        else BackupRun.State.FAILED
    )
    return results, state


def tenant_export_run(*, run: BackupRun, targets: list[Target] | None = None) -> BackupRun:
    """Do the export that `run` (kind tenant_export, state started) stands for.

    Every target gets the file and is read back; the run ends completed (all),
    degraded (some) or failed (none, or the export itself failed)."""
    if not run.is_running:
        return run
    tenant = run.tenant
    if tenant is None:
        return backup_run_finish(
            run=run, state=BackupRun.State.FAILED, error="The shop no longer exists."
        )
    targets = targets_configured() if targets is None else targets
    key = _export_key(tenant, run)
    partial = _scratch_dir() / f".{run.pk}.partial"
    try:
        backup_progress_set(run, 1, "export")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            written = export_file_write(
                tenant=tenant,
                out=out,
                on_member=lambda _m, done, total: backup_progress_set(
                    run, 1 + 49 * done // total, "export"
                ),
            )
            out.flush()
            os.fsync(out.fileno())
        results, state = copies_store(
            run=run,
            partial=partial,
            key=key,
            sha256=written["sha256"],
            size=written["size_bytes"],
            targets=targets,
        )
        ok = [n for n, r in results.items() if r["state"] == "ok"]
        counts = {m: v["rows"] for m, v in written["manifest"]["members"].items()}
        files = written["manifest"]["media"]
        return backup_run_finish(
            run=run,
            state=state,
            error="" if ok else _("No target accepted the export."),
            file_name=key,
            size_bytes=written["size_bytes"],
            raw_bytes=written["raw_bytes"],
            sha256=written["sha256"],
            key_id=written["key_id"],
            targets=results,
            details={
                "rows": counts,
                "tables": written["manifest"]["tables"],
                "media": {
                    "files": len(files["files"]),
                    "bytes": sum(f["bytes"] for f in files["files"].values()),
                    "missing": files["missing"][:_NAMES_KEPT],
                    "missing_count": len(files["missing"]),
                    "refused": files["refused"][:_NAMES_KEPT],
                },
            },
        )
    except Exception as exc:
        log.exception("tenant export %s failed", run.pk)
        return backup_run_finish(run=run, state=BackupRun.State.FAILED, error=str(exc))
    finally:
        partial.unlink(missing_ok=True)


def tenant_export_create(
    *,
    tenant: Tenant,
    initiator: User | None = None,
    reason: str = "",
    targets: list[Target] | None = None,
) -> BackupRun:
    """Export `tenant` now, in this process (tasks and tests); returns the finished run."""
    run = backup_run_start(
        kind=BackupRun.Kind.TENANT_EXPORT, tenant=tenant, initiator=initiator, reason=reason
    )
    return tenant_export_run(run=run, targets=targets)


# --- reading an export ------------------------------------------------------------------


def export_open(run: BackupRun, *, target_name: str | None = None) -> IO[bytes]:
    """A readable stream of the export file of `run` from `target_name` or the first
    target holding a good copy."""
    if run.kind != BackupRun.Kind.TENANT_EXPORT or run.state not in (
        BackupRun.State.COMPLETED,
        BackupRun.State.DEGRADED,
    ):
        raise BackupError(_("Only a finished shop export can be restored."))
    names = (
        [target_name]
        if target_name
        else [n for n, r in run.targets.items() if r.get("state") == "ok"]
    )
    errors = []
    for name in names:
        info = run.targets.get(name)
        if not info or info.get("state") != "ok":
            continue
        try:
            return target_get(name).open(info["key"])
        except TargetError as exc:
            errors.append(str(exc))
    raise BackupError(
        _("No target can return this export: %(errors)s")
        % {"errors": "; ".join(errors) or _("none holds a copy")}
    )


class _HashingReader(io.RawIOBase):
    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.hash = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.hash.update(data)
        return n


def export_members(
    raw: IO[bytes], *, keyring: crypto.Keyring | None = None
) -> tuple[dict[str, Any], Any]:
    """The encryption header and a generator of (member name, readable stream) in
    archive order (a member's parts joined: backups/archive.py); the streams are
    authenticated chunk by chunk (see crypto.py)."""
    import tarfile

    reader = crypto.DecryptingReader(raw, keyring=keyring)
    header = reader.header
    if header.get("compression") != "zstd" or header.get("content") != "tar":
        raise crypto.ExportAuthenticationError("Unknown export content.")
    plain = zstandard.ZstdDecompressor().stream_reader(io.BufferedReader(reader, 1024 * 1024))

    def members() -> Any:
        try:
            yield from archive_members(plain)
        except ArchiveFormatError as exc:
            raise crypto.ExportAuthenticationError(str(exc)) from exc
        except (tarfile.TarError, zstandard.ZstdError) as exc:
            raise crypto.ExportAuthenticationError(f"The export is damaged: {exc}") from exc

    return header, members()


def export_verify(raw: IO[bytes], *, keyring: crypto.Keyring | None = None) -> dict[str, Any]:
    """Read a whole export: every chunk authenticated, every member's SHA-256 and row
    count equal to its manifest. Returns the manifest; raises
    crypto.ExportAuthenticationError (or ExportKeyError) otherwise."""
    header, members = export_members(raw, keyring=keyring)
    seen: dict[str, dict[str, Any]] = {}
    files: dict[str, dict[str, Any]] = {}
    manifest = None
    try:
        for name, stream in members:
            if name == MANIFEST:
                manifest = json.loads(stream.read())
                continue
            if name.startswith(media.MEDIA_PREFIX):
                files[name.removeprefix(media.MEDIA_PREFIX)] = media.stream_digest(stream)
                continue
            hashing = _HashingReader(stream)
            text = io.TextIOWrapper(io.BufferedReader(hashing), encoding="utf-8", newline="")
            rows = sum(1 for _ in csv.reader(text)) - 1
            seen[name] = {"rows": rows, "sha256": hashing.hash.hexdigest()}
    finally:
        raw.close()
    if manifest is None or seen != manifest.get("members"):
        raise crypto.ExportAuthenticationError("The export's members do not match its manifest.")
    if manifest.get("tenant", {}).get("id") != header.get("tenant", {}).get("id"):
        raise crypto.ExportAuthenticationError("The export's header and manifest disagree.")
    if problem := media.media_section_check(manifest, files):
        raise crypto.ExportAuthenticationError(f"The export's files: {problem}.")
    return manifest


# --- restore ----------------------------------------------------------------------------


def _columns(table: str) -> tuple[list[str], list[str], set[str]]:
    """(all columns, columns that take a value on insert, primary key columns)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname, a.attgenerated = '' AS insertable,
                   EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid
                           AND i.indisprimary AND a.attnum = ANY(i.indkey))
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            WHERE c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """,
            [table],
        )
        rows = cursor.fetchall()
    return [r[0] for r in rows], [r[0] for r in rows if r[1]], {r[0] for r in rows if r[2]}


def _stage_member(table: str, stream: IO[bytes]) -> tuple[int, str]:
    """COPY one table's CSV member into a temporary staging table (dropped at commit);
    returns (rows, sha256 of the member)."""
    digest = hashlib.sha256()
    header_line = stream.readline()
    digest.update(header_line)
    columns = next(csv.reader([header_line.decode("utf-8")]))
    existing, _insertable, _pk = _columns(table)
    unknown = set(columns) - set(existing)
    if unknown:
        raise BackupError(
            _(
                "The export does not match the current database (table "
                "%(table)s has no column %(columns)s)."
            )
            % {"table": table, "columns": ", ".join(sorted(unknown))}
        )
    stage = sql.Identifier(f"_restore_{table}")
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DROP").format(
                stage, sql.Identifier(table)
            )
        )
        statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
            stage, sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with cursor.cursor.copy(statement) as copy:
            while block := stream.read(1024 * 1024):
                digest.update(block)
                copy.write(block)
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(stage))
        rows = cursor.fetchone()[0]
    return rows, digest.hexdigest()


def tenant_restore_apply(
    *,
    tenant: Tenant,
    raw: IO[bytes],
    mode: str,
    keyring: crypto.Keyring | None = None,
    on_table: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Restore `tenant`'s rows from an export stream, in ONE transaction in the shop's
    scope (as the application role: row-level security limits every statement).

    - The export must be the same shop's (header and every row's tenant_id).
    - replace: the shop's rows in every tenant table are deleted, then the export's
      inserted; merge: only rows whose primary key is missing are inserted.
    - Nothing else: other shops' rows, users, the shop's own record and sequences are
      never touched (ids come from the export; no sequence is advanced).
    - Files (`media/<name>` members, backups/media.py): a member outside the shop's
      folders refuses the whole restore; each is kept in a scratch folder until the
      tables are committed, then written to the storage under its name when the
      restored rows reference it and the storage lacks it or holds other bytes.
      Names no restored row references are skipped. An export without files (made
      before they were added) restores its tables only.
    Returns {"deleted": {table: n}, "inserted": {table: n}, "files": {...}}; a file
    that cannot be written is listed in "files" (the committed rows stay)."""
    if mode not in (BackupRun.Mode.REPLACE, BackupRun.Mode.MERGE):
        raise BackupError(_("Unknown restore mode."))
    header, members = export_members(raw, keyring=keyring)
    if header.get("tenant", {}).get("id") != str(tenant.pk):
        raw.close()
        raise BackupError(
            _(
                "This export belongs to another shop (%(slug)s): it cannot be "
                "restored into %(target)s."
            )
            % {"slug": header.get("tenant", {}).get("slug", "?"), "target": tenant.slug}
        )
    deleted: dict[str, int] = {}
    inserted: dict[str, int] = {}
    seen: dict[str, dict[str, Any]] = {}
    files_seen: dict[str, dict[str, Any]] = {}
    spooled: dict[str, Path] = {}
    manifest: dict[str, Any] | None = None
    spool = tempfile.TemporaryDirectory(dir=_scratch_dir(), prefix=".restore-")
    try:
        with transaction.atomic(), tenant_context(tenant):
            current_tables = tenant_tables_in_dependency_order()
            staged: list[str] = []
            for name, stream in members:
                if name == MANIFEST:
                    manifest = json.loads(stream.read())
                    continue
                if name.startswith(media.MEDIA_PREFIX):
                    file_name = name.removeprefix(media.MEDIA_PREFIX)
                    if not media.name_is_the_shops(file_name, tenant_id=tenant.pk):
                        raise BackupError(
                            _(
                                "The export holds a file outside the shop's "
                                "folders (%(name)s): nothing was restored."
                            )
                            % {"name": file_name[:200]}
                        )
                    path = Path(spool.name) / str(len(spooled))
                    with path.open("xb") as out:
                        files_seen[file_name] = media.stream_digest(stream, out)
                    spooled[file_name] = path
                    continue
                if name in (TENANT_MEMBER, USERS_MEMBER):
                    seen[name] = {"rows": None, "sha256": stream_sha256(stream)[0]}
                    continue
                table = name.removeprefix("tables/").removesuffix(".csv")
                if table not in current_tables:
                    raise BackupError(
                        _("The export holds table %(table)s, which this database does not have.")
                        % {"table": table}
                    )
                rows, digest = _stage_member(table, stream)
                seen[name] = {"rows": rows, "sha256": digest}
                staged.append(table)
            if manifest is None:
                raise crypto.ExportAuthenticationError("The export has no manifest.")
            expected = manifest.get("members", {})
            for name, got in seen.items():
                want = expected.get(name, {})
                if got["sha256"] != want.get("sha256") or (
                    got["rows"] is not None and got["rows"] != want.get("rows")
                ):
                    raise crypto.ExportAuthenticationError(
                        f"Member {name} does not match the export's manifest."
                    )
            if set(seen) != set(expected):
                raise crypto.ExportAuthenticationError("Members missing from the export.")
            if problem := media.media_section_check(manifest, files_seen):
                raise crypto.ExportAuthenticationError(f"The export's files: {problem}.")

            with connection.cursor() as cursor:
                for table in staged:
                    cursor.execute(
                        sql.SQL(
                            "SELECT count(*) FROM {} WHERE tenant_id IS DISTINCT FROM {}"
                        ).format(sql.Identifier(f"_restore_{table}"), sql.Literal(str(tenant.pk)))
                    )
                    if cursor.fetchone()[0]:
                        raise BackupError(
                            _(
                                "The export holds rows of another shop (table "
                                "%(table)s): nothing was restored."
                            )
                            % {"table": table}
                        )
                if mode == BackupRun.Mode.REPLACE:
                    for table in tenant_tables_in_delete_order():
                        cursor.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
                        deleted[table] = cursor.rowcount
                total = len(staged)
                order = [t for t in current_tables if t in staged]
                for done, table in enumerate(order, start=1):
                    _all, insertable, pk = _columns(table)
                    cols = sql.SQL(", ").join(map(sql.Identifier, insertable))
                    stage = sql.Identifier(f"_restore_{table}")
                    target = sql.Identifier(table)
                    if mode == BackupRun.Mode.REPLACE:
                        statement = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
                            target, cols, cols, stage
                        )
                    else:
                        match = sql.SQL(" AND ").join(
                            sql.SQL("t.{c} = s.{c}").format(c=sql.Identifier(c)) for c in sorted(pk)
                        )
                        statement = sql.SQL(
                            "INSERT INTO {target} ({cols}) SELECT {scols} FROM {stage} s "
                            "WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE {match}) "
                            "ON CONFLICT DO NOTHING"
                        ).format(
                            target=target,
                            cols=cols,
                            stage=stage,
                            match=match,
                            scols=sql.SQL(", ").join(
                                sql.SQL("s.{}").format(sql.Identifier(c)) for c in insertable
                            ),
                        )
                    cursor.execute(statement)
                    inserted[table] = cursor.rowcount
                    if on_table is not None:
                        on_table(done, total)
                # Deferred foreign keys are checked here, inside the savepoint, so a
                # violation is reported as the restore's failure.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                # Dropped now rather than at commit: inside a caller's transaction
                # (a test, a script) a second restore would find them.
                for table in staged:
                    cursor.execute(
                        sql.SQL("DROP TABLE {}").format(sql.Identifier(f"_restore_{table}"))
                    )
            # The files the shop's rows reference now: the only names written back.
            referenced, _refused = media.referenced_names(
                tenant_id=tenant.pk, tables=current_tables
            )
        # The rows are committed (or, inside a caller's transaction, released to it).
        files = _files_restore(
            files_seen=files_seen,
            spooled=spooled,
            referenced=set(referenced),
            missing=(manifest.get("media") or {}).get("missing", []),
        )
    finally:
        raw.close()
        spool.cleanup()
    return {"deleted": deleted, "inserted": inserted, "files": files}


def _files_restore(
    *,
    files_seen: dict[str, dict[str, Any]],
    spooled: dict[str, Path],
    referenced: set[str],
    missing: list[str],
) -> dict[str, Any]:
    """Write the export's files that the restored rows reference (backups/media.py
    file_restore: only when missing or different); one failure does not stop the
    others. The result goes into the restore run's details."""
    written = unchanged = 0
    failed: list[dict[str, str]] = []
    for name in sorted(set(spooled) & referenced):
        try:
            outcome = media.file_restore(
                name=name, source=spooled[name], sha256=files_seen[name]["sha256"]
            )
        except Exception as exc:  # noqa: BLE001 - recorded; the run says what failed
            log.warning("restore: file %s could not be written: %s", name, exc)
            failed.append({"name": name, "error": str(exc)[:300]})
            continue
        if outcome == "written":
            written += 1
        else:
            unchanged += 1
    skipped = sorted(set(spooled) - referenced)
    return {
        "written": written,
        "unchanged": unchanged,
        "skipped": skipped[:_NAMES_KEPT],
        "skipped_count": len(skipped),
        "failed": failed[:_NAMES_KEPT],
        "failed_count": len(failed),
        "missing": missing[:_NAMES_KEPT],
        "missing_count": len(missing),
    }


def restore_outcome(result: dict[str, Any]) -> tuple[str, str]:
    """The restore run's final state and error for tenant_restore_apply's result: the
    rows were committed, so files that could not be written make it degraded (restoring
    the same export again, merge, writes what is still missing)."""
    files = result.get("files") or {}
    if not files.get("failed_count"):
        return BackupRun.State.COMPLETED, ""
    names = ", ".join(f["name"] for f in files["failed"][:5])
    return BackupRun.State.DEGRADED, _(
        "The shop's rows were restored, but %(count)s of its files could not be written "
        "back to the storage (%(names)s). Restore the same export again with merge to "
        "write them."
    ) % {"count": files["failed_count"], "names": names}


def tenant_restore_run(*, run: BackupRun, target_name: str | None = None) -> BackupRun:
    """Do the restore that `run` (kind tenant_restore, state started) stands for."""
    if not run.is_running:
        return run
    try:
        if run.tenant is None or run.source is None:
            raise BackupError(_("The shop or the export no longer exists."))
        backup_progress_set(run, 5, "restore")
        result = tenant_restore_apply(
            tenant=run.tenant,
            raw=export_open(run.source, target_name=target_name),
            mode=run.mode,
            on_table=lambda done, total: backup_progress_set(
                run, 5 + 90 * done // total, "restore"
            ),
        )
        state, error = restore_outcome(result)
        return backup_run_finish(
            run=run, state=state, error=error, details={**(run.details or {}), **result}
        )
    except BusinessRuleError as exc:
        return backup_run_finish(run=run, state=BackupRun.State.FAILED, error=exc.message)
    except Exception as exc:
        log.exception("tenant restore %s failed", run.pk)
        return backup_run_finish(run=run, state=BackupRun.State.FAILED, error=str(exc))


def tenant_restore_start(
    *,
    export: BackupRun,
    tenant: Tenant,
    mode: str,
    initiator: User | None,
    reason: str = "",
    confirm_slug: str = "",
) -> BackupRun:
    """Check a restore request and record it as started (the task does the work).

    Rules: the export is a finished export of this very shop; the mode is replace or
    merge; the operator typed the shop's slug to confirm."""
    if export.kind != BackupRun.Kind.TENANT_EXPORT or export.state not in (
        BackupRun.State.COMPLETED,
        BackupRun.State.DEGRADED,
    ):
        raise BackupError(_("Only a finished shop export can be restored."))
    if export.tenant_id != tenant.pk:
        raise BackupError(
            _("This export belongs to another shop: it cannot be restored into %(slug)s.")
            % {"slug": tenant.slug}
        )
    if mode not in (BackupRun.Mode.REPLACE, BackupRun.Mode.MERGE):
        raise BackupError(_("Choose replace or merge."))
    if confirm_slug.strip() != tenant.slug:
        raise BackupError(_("Type the shop's slug exactly to confirm the restore."))
    return backup_run_start(
        kind=BackupRun.Kind.TENANT_RESTORE,
        tenant=tenant,
        initiator=initiator,
        reason=reason,
        source=export,
        mode=mode,
    )
