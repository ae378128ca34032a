"""Per-tenant exports: one shop's data as CSV files in a gzip-compressed tar archive.

What an export holds (format version 1):

- `tables/<table>.csv`: every tenant table (a `tenant_id` column and row-level
  security; found in the catalog, so new modules' tables are included without
  changes here), parents before the tables that reference them;
- `shop/tenants_tenant.csv`: the shop's own row; `shop/tenants_user.csv`: its users,
  WITHOUT the password column;
- `media/<storage name>` (format 2): the shop's uploaded files that its rows
  reference (item and repair photos, the receipt logo; backups/media.py decides
  which), each one member; the manifest's `media` section lists their sizes and
  SHA-256 and the names the storage did not have;
- `manifest.json`: format version, the shop (id, slug, name), when the export was
  made, and for every member its row count and SHA-256.

Every CSV is `COPY (SELECT ...) TO STDOUT WITH (FORMAT csv, HEADER)` streamed in
blocks (never a whole table in memory) into a temporary file, then added to the
tar stream. All of it is read in ONE transaction, REPEATABLE READ READ ONLY, as the
application role inside tenant_context(tenant): row-level security limits every
table to the shop, and every table is read from the same snapshot. The export
refuses to run on a connection that bypasses RLS (superuser or BYPASSRLS), where
"the shop's rows" would silently become "everybody's rows".

The archive's own SHA-256 is written next to it (`<archive>.sha256`, sha256sum
format). Files are created 0600 in settings.TENANT_EXPORT_ROOT.

NOT ENCRYPTED: this first version writes plain (compressed) CSV to local disk.
Authenticated chunked encryption and S3 targets come with the backups issue;
until then protect TENANT_EXPORT_ROOT like the database itself (docs/operations.md).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from .context import tenant_context

if TYPE_CHECKING:
    from .models import Tenant

FORMAT_VERSION = 2
READABLE_VERSIONS = frozenset({1, 2})  # 1: before the shop's files were included
# A whole file is one member: photos and logos are small (uploads are capped).
_MEDIA_PART = 1 << 40
MANIFEST = "manifest.json"
TENANT_MEMBER = "shop/tenants_tenant.csv"
USERS_MEMBER = "shop/tenants_user.csv"
# Columns of tenants_user never exported.
USER_EXCLUDED_COLUMNS = frozenset({"password"})
_BLOCK = 1024 * 1024


class TenantExportError(RuntimeError):
    """An export could not be written, or an archive does not match its manifest."""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sha256: str
    sha256_path: Path
    manifest: dict[str, Any] = field(repr=False)


# --- catalog ---------------------------------------------------------------------------


def tenant_tables() -> tuple[set[str], dict[str, set[str]]]:
    """Tenant tables (a tenant_id column and RLS on) and, for each, the tenant tables it
    references with a foreign key."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'
                 AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p') AND c.relrowsecurity
            """
        )
        tables = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            """
            SELECT child.relname, parent.relname FROM pg_constraint k
            JOIN pg_class child ON child.oid = k.conrelid
            JOIN pg_class parent ON parent.oid = k.confrelid
            WHERE k.contype = 'f' AND child.relname <> parent.relname
            """
        )
        references: dict[str, set[str]] = {t: set() for t in tables}
        for child, parent in cursor.fetchall():
            if child in tables and parent in tables:
                references[child].add(parent)
    return tables, references


def tenant_tables_in_delete_order() -> list[str]:
    """Tenant tables, children before the tables they reference."""
    tables, references = tenant_tables()
    order: list[str] = []
    remaining = set(tables)
    while remaining:
        free = sorted(t for t in remaining if not any(t in references[o] for o in remaining))
        if not free:  # a cycle: let the database refuse loudly rather than guess
            free = sorted(remaining)
        order.extend(free)
        remaining -= set(free)
    return order


def tenant_tables_in_dependency_order() -> list[str]:
    """Tenant tables, parents before the tables that reference them (restore order)."""
    return list(reversed(tenant_tables_in_delete_order()))


def _user_columns() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            WHERE c.relname = 'tenants_user' AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """
        )
        return [row[0] for row in cursor.fetchall() if row[0] not in USER_EXCLUDED_COLUMNS]


# --- writing ---------------------------------------------------------------------------


class _HashingWriter(io.RawIOBase):
    """A write-only file object that hashes what passes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.hash = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        data = bytes(data)
        self.hash.update(data)
        self._raw.write(data)
        return len(data)


def _check_rls_applies() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        row = cursor.fetchone()
    if row is None or row[0]:
        raise TenantExportError(
            "Refusing to export: the connection's role bypasses row-level security, so "
            "the export would not be limited to one tenant. Export as the application role."
        )


def _copy_to(query: sql.Composable, out: IO[bytes]) -> tuple[int, str]:
    """Stream `COPY (query) TO STDOUT (csv, header)` into `out`; return (rows, sha256)."""
    digest = hashlib.sha256()
    statement = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(query)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor under Django's wrapper
        with raw.copy(statement) as copy:
            for block in copy:
                digest.update(block)
                out.write(block)
        rows = raw.rowcount
    if rows is None or rows < 0:
        raise TenantExportError(f"COPY reported no row count for {query!r}")
    return rows, digest.hexdigest()


def _add_member(archive: tarfile.TarFile, name: str, source: IO[bytes], mtime: float) -> None:
    size = source.seek(0, os.SEEK_END)
    source.seek(0)
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    archive.addfile(info, source)


def tenant_export_queries(tenant: Tenant, tables: list[str]
                          ) -> list[tuple[str, sql.Composable]]:
    """The members of a shop's export and the query of each, in order: the shop's row,
    its users (without secrets: `_user_columns`), then every tenant table (under the
    shop's RLS scope, which the caller has set). Shared by the purge's archive and the
    backups' streaming export (backups/archive.py)."""
    return [
        (TENANT_MEMBER, sql.SQL("SELECT * FROM tenants_tenant WHERE id = {}")
         .format(sql.Literal(str(tenant.pk)))),
        (USERS_MEMBER, sql.SQL("SELECT {} FROM tenants_user WHERE tenant_id = {} ORDER BY id")
         .format(sql.SQL(", ").join(map(sql.Identifier, _user_columns())),
                 sql.Literal(str(tenant.pk)))),
        *((f"tables/{table}.csv", sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
          for table in tables),
    ]


@dataclass
class ShopSnapshot:
    """What a shop export reads in its one snapshot (shop_snapshot)."""

    tables: list[str]  # the tenant tables, parents first
    queries: list[tuple[str, sql.Composable]]  # each member and its query
    files: list[str]  # the stored files the rows reference, in the shop's folders
    refused: list[str]  # names the rows reference outside the shop's folders


@contextmanager
def shop_snapshot(tenant: Tenant, *, files: bool = True) -> Iterator[ShopSnapshot]:
    """The block in which a shop's export reads its rows: one REPEATABLE READ READ ONLY
    transaction when entered outside a transaction, as the application role in the
    shop's scope (refused on a connection that bypasses RLS). Gives the tables, each
    member's query and, unless `files=False`, the files the rows of this snapshot
    reference (backups.media): read those after the block (a stored file is never
    rewritten under its name, and the snapshot need not stay open). Shared by the
    purge's archive (below) and the backups' streaming export (backups/archive.py)."""
    from backups import media

    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with tenant_context(tenant):
            _check_rls_applies()
            tables = tenant_tables_in_dependency_order()
            names, refused = (media.referenced_names(tenant_id=tenant.pk, tables=tables)
                              if files else ([], []))
            yield ShopSnapshot(tables=tables, queries=tenant_export_queries(tenant, tables),
                               files=names, refused=refused)


def tenant_archive_write(*, tenant: Tenant, out: IO[bytes], mode: str = "w|gz",
                         scratch_dir: Path, extra_manifest: dict[str, Any] | None = None,
                         on_member: Any = None, files: bool = True) -> dict[str, Any]:
    """Stream `tenant`'s archive (tar, `mode` "w|gz" or "w|" for a plain tar that the
    caller compresses itself) into `out`; return the manifest.

    One REPEATABLE READ READ ONLY transaction when called outside a transaction,
    read as the application role inside tenant_context(tenant). `on_member(name,
    done, total)` is called after each member (progress). `files=False`: the tables
    only, as format 1 was (no media members, no media section)."""
    from backups import media

    created = timezone.now()
    members: dict[str, dict[str, Any]] = {}
    with tarfile.open(fileobj=out, mode=mode) as archive:
        with shop_snapshot(tenant, files=files) as snap:
            for done, (member, query) in enumerate(snap.queries, start=1):
                with tempfile.TemporaryFile(dir=scratch_dir) as tmp:
                    rows, digest = _copy_to(query, tmp)
                    _add_member(archive, member, tmp, created.timestamp())
                members[member] = {"rows": rows, "sha256": digest}
                if on_member is not None:
                    on_member(member, done, len(snap.queries))
        written = media.media_members_write(_TarEntries(archive, created.timestamp()),
                                              snap.files, part_size=_MEDIA_PART)
        manifest = {
            "format_version": FORMAT_VERSION,
            "tenant": {"id": str(tenant.pk), "slug": tenant.slug, "name": tenant.name},
            "created_at": created.isoformat(),
            "encrypted": False,
            "tables": snap.tables,
            "members": members,
            **({"media": {**written, "refused": snap.refused}} if files else {}),
            **(extra_manifest or {}),
        }
        body = json.dumps(manifest, indent=2, sort_keys=True).encode()
        _add_member(archive, MANIFEST, io.BytesIO(body), created.timestamp())
    return manifest


class _TarEntries:
    """What backups.media writes files through (`entry(name, bytes)`), on a tarfile."""

    def __init__(self, archive: tarfile.TarFile, mtime: float) -> None:
        self.archive, self.mtime = archive, mtime

    def entry(self, name: str, data: bytes | bytearray) -> None:
        _add_member(self.archive, name, io.BytesIO(bytes(data)), self.mtime)


def tenant_export_write(*, tenant: Tenant, destination_dir: Path | str | None = None
                        ) -> ExportResult:
    """Write `tenant`'s export to destination_dir (default settings.TENANT_EXPORT_ROOT).

    Returns the archive's path, its SHA-256 and the manifest. On any error nothing
    is left behind but the exception."""
    destination = Path(str(destination_dir or settings.TENANT_EXPORT_ROOT))
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{tenant.slug}-{tenant.pk}-{stamp}.tar.gz"
    path = destination / name
    partial = destination / f".{name}.partial"
    sha_path = destination / f"{name}.sha256"
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw_out:
            hashing = _HashingWriter(raw_out)
            manifest = tenant_archive_write(tenant=tenant, out=hashing, scratch_dir=destination)
            raw_out.flush()
            os.fsync(raw_out.fileno())
        archive_sha = hashing.hash.hexdigest()
        os.replace(partial, path)
        fd = os.open(sha_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(f"{archive_sha}  {name}\n")
    except BaseException:
        for leftover in (partial, path, sha_path):
            leftover.unlink(missing_ok=True)
        raise
    return ExportResult(path=path, sha256=archive_sha, sha256_path=sha_path, manifest=manifest)


# --- reading and verifying -------------------------------------------------------------


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def tenant_export_verify(path: Path | str) -> dict[str, Any]:
    """Re-read an archive: its SHA-256 against `<archive>.sha256`, every member's SHA-256
    and row count against the manifest, and no member missing or extra.

    Returns the manifest; raises TenantExportError on any mismatch."""
    path = Path(path)
    sha_path = path.with_name(path.name + ".sha256")
    try:
        expected_archive = sha_path.read_text().split()[0]
    except (OSError, IndexError) as exc:
        raise TenantExportError(f"{sha_path}: missing or empty checksum file") from exc
    if _file_sha256(path) != expected_archive:
        raise TenantExportError(f"{path}: archive SHA-256 does not match {sha_path.name}")

    from backups.media import MEDIA_PREFIX, media_section_check, stream_digest

    manifest: dict[str, Any] | None = None
    seen: dict[str, dict[str, Any]] = {}
    files: dict[str, dict[str, Any]] = {}
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            for info in archive:
                if not info.isfile():
                    raise TenantExportError(f"{path}: unexpected member {info.name}")
                source = archive.extractfile(info)
                assert source is not None
                if info.name == MANIFEST:
                    manifest = json.loads(source.read())
                    continue
                if info.name.startswith(MEDIA_PREFIX):
                    name = info.name.removeprefix(MEDIA_PREFIX)
                    if name in files:
                        raise TenantExportError(f"{path}: {info.name} twice")
                    files[name] = stream_digest(source)
                    continue
                digest = hashlib.sha256()
                for block in iter(lambda: source.read(_BLOCK), b""):  # noqa: B023
                    digest.update(block)
                source.seek(0)
                text = io.TextIOWrapper(source, encoding="utf-8", newline="")
                rows = sum(1 for _ in csv.reader(text)) - 1  # minus the header
                seen[info.name] = {"rows": rows, "sha256": digest.hexdigest()}
    except (tarfile.TarError, OSError, ValueError) as exc:
        raise TenantExportError(f"{path}: unreadable archive ({exc})") from exc
    if manifest is None:
        raise TenantExportError(f"{path}: no {MANIFEST}")
    if manifest.get("format_version") not in READABLE_VERSIONS:
        raise TenantExportError(f"{path}: unknown format {manifest.get('format_version')!r}")
    if seen != manifest.get("members"):
        raise TenantExportError(f"{path}: members do not match the manifest")
    problem = media_section_check(manifest, files)
    if problem:
        raise TenantExportError(f"{path}: {problem}")
    return manifest


def tenant_export_check_counts(*, tenant: Tenant, manifest: dict[str, Any]) -> None:
    """Compare the manifest with the database now: the same tenant, the same tenant
    tables and the same row count in each. Call inside tenant_context(tenant) (the
    purge's transaction, right before it deletes). Raises TenantExportError."""
    from .models import User

    if manifest.get("tenant", {}).get("id") != str(tenant.pk):
        raise TenantExportError("The export belongs to another tenant.")
    tables = tenant_tables_in_dependency_order()
    members = manifest.get("members", {})
    expected = {f"tables/{t}.csv" for t in tables} | {TENANT_MEMBER, USERS_MEMBER}
    if set(members) != expected:
        raise TenantExportError("The export does not cover the current tenant tables.")
    mismatches = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            count = cursor.fetchone()[0]
            if count != members[f"tables/{table}.csv"]["rows"]:
                exported = members[f"tables/{table}.csv"]["rows"]
                mismatches.append(f"{table}: {count} now, {exported} exported")
    users = User.objects.filter(tenant=tenant).count()
    if users != members[USERS_MEMBER]["rows"]:
        mismatches.append(f"tenants_user: {users} now, {members[USERS_MEMBER]['rows']} exported")
    if members[TENANT_MEMBER]["rows"] != 1:
        mismatches.append("tenants_tenant: the shop's row is missing")
    if mismatches:
        raise TenantExportError("Rows changed since the export: " + "; ".join(mismatches))
