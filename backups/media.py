"""A shop's uploaded files (item and repair photos, the receipt logo) in its export,
and back into the storage at a restore.

Which files: the names in the file columns of the shop's rows, read as the
application role in the shop's scope (row-level security decides the rows, hence
the files), and only names in the shop's own folders. Every upload_to function of a
tenant model writes `<kind>/<tenant id>/<random>.<ext>` (inventory.models
item_photo_path, repairs.models repair_photo_path, pos.models receipt_logo_path);
FILE_COLUMNS says which kind each column holds. A name anywhere else (another shop's
folder, `..`, an absolute path) is never read at export time (it is listed as
"refused" in the manifest) and a member with such a name refuses the whole restore.

In the archive each file is `media/<storage name>`, after the tables and before the
manifest, read from default_storage in parts of at most the archive's part size (a
file larger than a part is several consecutive entries of one name, like a big table:
backups/archive.py). The manifest's `media` section lists every file with its size
and SHA-256, and the names the rows reference that the storage did not have
(`missing`): a missing file does not fail the export.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, models
from psycopg import sql

MEDIA_PREFIX = "media/"
READ_CHUNK = 1024 * 1024

# Every file column of a tenant table -> the folder its upload_to writes under.
# tests/backups/test_media.py fails when a tenant model gains a file field that is
# not listed here. None: Zargar never sets that column (django-ledger's pictures: no
# page writes them); any name found there is refused, never exported.
FILE_COLUMNS: dict[tuple[str, str], str | None] = {
    ("inventory_itemphoto", "image"): "items",
    ("repairs_repairphoto", "image"): "repairs",
    ("pos_possettings", "receipt_logo"): "logos",
    ("django_ledger_customermodel", "picture"): None,
    ("django_ledger_entitymodel", "picture"): None,
    ("django_ledger_vendormodel", "picture"): None,
}
KINDS = frozenset(k for k in FILE_COLUMNS.values() if k)
# The last part of a name: what upload_to writes (hex + extension), or what the
# storage makes of it when the name was taken (`_` + 7 letters or digits).
_FILE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9]+)?")


class MediaConfigurationError(RuntimeError):
    """A tenant table has a file column FILE_COLUMNS does not know."""


def file_columns_discovered(tenant_tables: Iterable[str]) -> set[tuple[str, str]]:
    """(table, column) of every FileField of a model stored in one of `tenant_tables`."""
    tables = set(tenant_tables)
    found: set[tuple[str, str]] = set()
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                found.add((model._meta.db_table, field.column))
    return found


def name_is_the_shops(name: str, *, tenant_id: Any, kinds: Iterable[str] = KINDS) -> bool:
    """True when `name` is `<kind>/<tenant id>/<file>`, kind one of `kinds`, and nothing
    else (no `..`, no absolute path, no backslash, no further folder)."""
    parts = name.split("/")
    return (
        len(parts) == 3
        and parts[0] in set(kinds)
        and parts[1] == str(tenant_id)
        and _FILE_PART.fullmatch(parts[2]) is not None
        and ".." not in parts[2]
    )


def referenced_names(*, tenant_id: Any, tables: Iterable[str]) -> tuple[list[str], list[str]]:
    """(names to back up, names refused) referenced by the rows the current scope sees
    in the file columns of `tables`; each list sorted, without duplicates. Call inside
    tenant_context: row-level security limits the rows to the shop's."""
    tables = list(tables)
    unknown = file_columns_discovered(tables) - set(FILE_COLUMNS)
    if unknown:
        raise MediaConfigurationError(
            "File columns without a folder in backups.media.FILE_COLUMNS: "
            + ", ".join(f"{t}.{c}" for t, c in sorted(unknown))
        )
    wanted: set[str] = set()
    refused: set[str] = set()
    with connection.cursor() as cursor:
        for (table, column), kind in sorted(FILE_COLUMNS.items()):
            if table not in tables:
                continue
            cursor.execute(
                sql.SQL("SELECT DISTINCT {c} FROM {t} WHERE {c} <> ''").format(
                    c=sql.Identifier(column), t=sql.Identifier(table)
                )
            )
            for (name,) in cursor.fetchall():
                if kind and name_is_the_shops(name, tenant_id=tenant_id, kinds=[kind]):
                    wanted.add(name)
                else:
                    refused.add(name)
    return sorted(wanted), sorted(refused - wanted)


# --- export ------------------------------------------------------------------------------


def media_members_write(
    tar: Any, names: list[str], *, part_size: int, on_file: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Write each file of `names` from default_storage into the tar stream as
    `media/<name>`, read in chunks, in parts of at most part_size bytes. Returns the
    manifest's media section: {"files": {name: {"bytes", "sha256"}}, "missing": [...]}.
    A file the storage does not have is listed as missing; any other error is raised."""
    files: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for done, name in enumerate(names, start=1):
        if on_file is not None:
            on_file(done)
        try:
            handle = default_storage.open(name, "rb")
        except FileNotFoundError:
            missing.append(name)
            continue
        with handle:
            try:  # some storages (S3) only find out at the first read
                first = handle.read(READ_CHUNK)
            except FileNotFoundError:
                missing.append(name)
                continue
            files[name] = _file_member(tar, MEDIA_PREFIX + name, first, handle, part_size)
    return {"files": files, "missing": missing}


def _file_member(
    tar: Any, member: str, first: bytes, handle: IO[bytes], part_size: int
) -> dict[str, Any]:
    digest = hashlib.sha256()
    buffer = bytearray(first)
    total = parts = 0
    while True:
        # Each full part goes out as its own bytearray: the writer may keep it queued.
        while len(buffer) >= part_size:
            part, buffer = buffer[:part_size], buffer[part_size:]
            digest.update(part)
            total += len(part)
            tar.entry(member, part)
            parts += 1
        chunk = handle.read(READ_CHUNK)
        if not chunk:
            break
        buffer += chunk
    if buffer or not parts:
        digest.update(buffer)
        total += len(buffer)
        tar.entry(member, buffer)
    return {"bytes": total, "sha256": digest.hexdigest()}


def tenant_files_delete(tenant_id: Any) -> list[str]:
    """Delete every file in the shop's folders (`<kind>/<tenant id>/`) from
    default_storage, referenced by a row or not (a replaced photo's old file too).
    Returns the names deleted. For the purge, once its deletes are committed."""
    deleted: list[str] = []
    for kind in sorted(KINDS):
        folder = f"{kind}/{tenant_id}"
        try:
            _folders, names = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        for name in sorted(names):
            default_storage.delete(f"{folder}/{name}")
            deleted.append(f"{folder}/{name}")
    return deleted


# --- checks and restore --------------------------------------------------------------------


def stream_digest(stream: IO[bytes], out: IO[bytes] | None = None) -> dict[str, Any]:
    """{"bytes", "sha256"} of a stream read to its end (copied into `out` if given)."""
    digest = hashlib.sha256()
    total = 0
    while block := stream.read(READ_CHUNK):
        digest.update(block)
        total += len(block)
        if out is not None:
            out.write(block)
    return {"bytes": total, "sha256": digest.hexdigest()}


def media_section_check(manifest: dict[str, Any], seen: dict[str, dict[str, Any]]) -> str:
    """What is wrong between the media members read (`seen`: name -> bytes, sha256) and
    the manifest's media section, or "" when they agree (an export without media has
    no section and no media member)."""
    section = manifest.get("media")
    if section is None:
        return "" if not seen else "media members without a media section in the manifest"
    if seen != section.get("files"):
        return "the media members do not match the manifest"
    tenant_id = manifest.get("tenant", {}).get("id")
    listed = [*section.get("files", {}), *section.get("missing", [])]
    if any(not name_is_the_shops(name, tenant_id=tenant_id) for name in listed):
        return "the manifest lists a file outside the shop's folders"
    if set(section.get("files", {})) & set(section.get("missing", [])):
        return "a file is listed both as present and as missing"
    return ""


def file_restore(*, name: str, source: Path, sha256: str) -> str:
    """Put the file `source` into default_storage as `name` unless the storage already
    holds the same bytes. Returns "written" or "unchanged"."""
    storage = default_storage
    if storage.exists(name):
        with storage.open(name, "rb") as current:
            if stream_digest(current)["sha256"] == sha256:
                return "unchanged"
        storage.delete(name)
    with source.open("rb") as content:
        saved = storage.save(name, File(content, name=name))
    if saved != name:  # someone wrote that name meanwhile: keep theirs, drop ours
        storage.delete(saved)
        raise OSError(f"the storage saved {name} as {saved}")
    return "written"
