"""The shop export's plaintext: a tar stream written straight from COPY, and its reader.

Writing (export_archive_write): one REPEATABLE READ READ ONLY transaction, as the
application role inside tenant_context(tenant) (row-level security limits every
table to the shop; a role that bypasses RLS is refused), `COPY (SELECT ...) TO
STDOUT (csv, header)` per table in dependency order. COPY output is gathered in
memory parts of at most PART_SIZE bytes and each part goes into the tar stream as
soon as it is full: no temporary file, no second read, never more than a part (plus
the writer's queue) in memory.

Tar needs a member's size before its data, and COPY does not tell it in advance, so
a member larger than PART_SIZE is stored as consecutive tar entries of the SAME
name, each holding the next part of the file (a member that fits in one part, which
is every small table, is one ordinary entry). `archive_members()` joins them back;
with GNU tar, `tar -xOf export.tar tables/x.csv > x.csv` does the same. The manifest
(`manifest.json`, last) gives every member's row count and the SHA-256 of the whole
joined file, as before.

After the tables come the shop's uploaded files, `media/<storage name>` (split into
parts the same way), listed with their size and SHA-256 in the manifest's `media`
section (backups/media.py); exports made before have neither.
"""

from __future__ import annotations

import hashlib
import io
import json
import select
import tarfile
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone
from psycopg import errors as psycopg_errors
from psycopg import pq, sql

from tenants.exports import (
    FORMAT_VERSION,
    MANIFEST,
    TenantExportError,
    shop_snapshot,
)

from . import media

if TYPE_CHECKING:
    from tenants.models import Tenant

PART_SIZE = 8 * 1024 * 1024
_BLOCK = tarfile.BLOCKSIZE
_RECORD = tarfile.RECORDSIZE
_PAD = bytes(_RECORD)


class ArchiveFormatError(RuntimeError):
    """The tar stream is not what export_archive_write writes."""


class TarStreamWriter:
    """Writes tar entries to `out` (anything with write()), sizes known per entry.

    Each write() call hands over one buffer (header, data or padding) that the caller
    no longer changes: with backups.services' background writer that buffer is queued,
    not copied."""

    def __init__(self, out: Any, *, mtime: float) -> None:
        self._out = out
        self._mtime = int(mtime)
        self.bytes_out = 0

    def _write(self, data: Any) -> None:
        if len(data):
            self._out.write(data)
            self.bytes_out += len(data)

    def entry(self, name: str, data: Any) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), self._mtime, 0o600
        self._write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
        self._write(data)
        remainder = len(data) % _BLOCK
        if remainder:
            self._write(_PAD[: _BLOCK - remainder])

    def close(self) -> None:
        """The end-of-archive marker (two zero blocks), padded to a whole record."""
        self._write(_PAD[: 2 * _BLOCK])
        remainder = self.bytes_out % _RECORD
        if remainder:
            self._write(_PAD[: _RECORD - remainder])


def _copy_result(raw: Any, nbytes: int) -> int:
    """After COPY output ended (get_copy_data gave `nbytes` < 0): read the statement's
    own result, then nothing, as psycopg itself would; return the row count or raise
    the statement's error."""
    pgconn = raw.connection.pgconn
    results = []
    while (result := pgconn.get_result()) is not None:
        results.append(result)
    ok = pq.ExecStatus.COMMAND_OK
    failed = next((r for r in results if r.status != ok), None)
    if failed is not None:
        raise psycopg_errors.error_from_result(failed, encoding=raw.connection.info.encoding)
    if nbytes != -1 or len(results) != 1:
        raise TenantExportError(f"COPY ended unexpectedly: {pgconn.get_error_message()!r}")
    rows = results[0].command_tuples
    if rows is None or rows < 0:
        raise TenantExportError("COPY reported no row count")
    return rows


def _copy_member(
    tar: TarStreamWriter, name: str, query: sql.Composable, part_size: int
) -> tuple[int, str]:
    """`COPY (query) TO STDOUT (csv, header)` into the tar stream as `name`, in parts
    of at most part_size bytes; returns (rows, SHA-256 of the whole file).

    libpq hands COPY output over one row at a time, and psycopg's `for row in copy`
    costs a generator round trip per row (about twice the client CPU of the loop
    below: docs/performance.md). So psycopg starts the COPY (and reports a refused
    statement as usual), then rows are drained from its libpq wrapper (the documented
    low-level interface, psycopg.pq.PGconn) while libpq has them buffered, waiting on
    the socket only when it has none."""
    digest = hashlib.sha256()
    statement = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(query)
    buffer = bytearray()
    size = parts = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor under Django's wrapper
        pgconn = raw.connection.pgconn
        with raw.copy(statement):
            get = pgconn.get_copy_data
            while True:
                nbytes, row = get(1)  # never blocks; 0: nothing buffered yet
                if nbytes > 0:
                    buffer += row
                    size += nbytes
                    if size >= part_size:
                        part, buffer, size = buffer, bytearray(), 0
                        digest.update(part)
                        tar.entry(name, part)
                        parts += 1
                elif nbytes == 0:
                    select.select([pgconn.socket], [], [])
                    pgconn.consume_input()
                else:
                    break
            rows = _copy_result(raw, nbytes)
    if buffer or not parts:
        digest.update(buffer)
        tar.entry(name, buffer)
    return rows, digest.hexdigest()


def export_archive_write(
    *,
    tenant: Tenant,
    out: Any,
    extra_manifest: dict[str, Any] | None = None,
    on_member: Callable[[str, int, int], None] | None = None,
    part_size: int = PART_SIZE,
) -> dict[str, Any]:
    """Stream `tenant`'s export archive (an uncompressed tar) into `out`; return the
    manifest. Members: shop/tenants_tenant.csv, shop/tenants_user.csv (no password
    column), tables/<table>.csv for every tenant table, media/<storage name> for every
    file the shop's rows reference (backups/media.py), manifest.json.

    The tables and the list of files come from one REPEATABLE READ READ ONLY
    transaction when called outside a transaction; the files are read from the
    storage after it. `on_member(name, done, total)` is called after each table and
    file (progress)."""
    created = timezone.now()
    members: dict[str, dict[str, Any]] = {}
    tar = TarStreamWriter(out, mtime=created.timestamp())
    with shop_snapshot(tenant) as snap:
        total = len(snap.queries) + len(snap.files)
        for done, (member, query) in enumerate(snap.queries, start=1):
            rows, digest = _copy_member(tar, member, query, part_size)
            members[member] = {"rows": rows, "sha256": digest}
            if on_member is not None:
                on_member(member, done, total)
    files = media.media_members_write(
        tar,
        snap.files,
        part_size=part_size,
        on_file=None
        if on_member is None
        else (lambda done: on_member(media.MEDIA_PREFIX, len(snap.queries) + done, total)),
    )
    manifest = {
        "format_version": FORMAT_VERSION,
        "tenant": {"id": str(tenant.pk), "slug": tenant.slug, "name": tenant.name},
        "created_at": created.isoformat(),
        "encrypted": False,
        "tables": snap.tables,
        "members": members,
        "part_size": part_size,
        "media": {**files, "refused": snap.refused},
        **(extra_manifest or {}),
    }
    tar.entry(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
    tar.close()
    return manifest


# --- reading ----------------------------------------------------------------------------


_END = object()


class _JoinedMember(io.RawIOBase):
    """One member: its first tar entry and every directly following entry of the same
    name, read as one stream. After it is exhausted, `following` is the next entry
    of another name (or _END)."""

    def __init__(
        self, archive: tarfile.TarFile, entries: Iterator[tarfile.TarInfo], first: tarfile.TarInfo
    ) -> None:
        self.name = first.name
        self._archive = archive
        self._entries = entries
        self._current = self._open(first)
        self.following: Any = None

    def _open(self, info: tarfile.TarInfo) -> IO[bytes]:
        if not info.isfile():
            raise ArchiveFormatError(f"Unexpected member {info.name} in the export.")
        stream = self._archive.extractfile(info)
        assert stream is not None
        return stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self.following is None:
            n = self._current.readinto(buffer)
            if n:
                return n
            info = next(self._entries, None)
            if info is None or info.name != self.name:
                self.following = _END if info is None else info
                break
            self._current = self._open(info)
        return 0

    def drain(self) -> Any:
        """Skip what the reader left; return the next entry of another name (or _END)."""
        sink = bytearray(1024 * 1024)
        while self.readinto(sink):
            pass
        return self.following


def archive_members(plain: IO[bytes]) -> Iterator[tuple[str, IO[bytes]]]:
    """(member name, readable stream) in archive order, the parts of each member joined;
    a stream is valid until the next member is asked for. Raises tarfile.TarError on
    a damaged stream, ArchiveFormatError on anything but regular files."""
    seen: set[str] = set()
    with tarfile.open(fileobj=plain, mode="r|") as archive:
        entries = iter(archive)
        info = next(entries, None)
        while info is not None:
            if info.name in seen:  # parts of a member are only ever consecutive
                raise ArchiveFormatError(f"Member {info.name} appears twice in the export.")
            seen.add(info.name)
            member = _JoinedMember(archive, entries, info)
            yield info.name, io.BufferedReader(member, 1024 * 1024)
            following = member.drain()
            info = None if following is _END else following
