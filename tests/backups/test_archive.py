"""The export's tar stream (backups/archive.py): COPY output goes straight into the
tar in parts, a big member is several consecutive entries of one name, and every
reader joins them back; exports written before (one entry per member) still read."""

import io
import tarfile

import pytest
import zstandard

from backups import archive, crypto, services
from backups.models import BackupRun
from backups.targets import target_get
from tenants.exports import tenant_archive_write
from tests.factories import shop

from .test_services import change_shop, fingerprint


def plain_entries(raw) -> list[tuple[str, int]]:  # noqa: ANN001
    """(name, size) of every tar entry of an export file, in order."""
    reader = crypto.DecryptingReader(raw)
    plain = zstandard.ZstdDecompressor().stream_reader(io.BufferedReader(reader))
    with tarfile.open(fileobj=plain, mode="r|") as tar:
        return [(info.name, info.size) for info in tar]


def encrypted(tenant, tar_bytes: bytes) -> io.BytesIO:  # noqa: ANN001
    """`tar_bytes` sealed the way export_file_write seals its stream."""
    out = io.BytesIO()
    meta = {"tenant": {"id": str(tenant.pk), "slug": tenant.slug}, "compression": "zstd",
            "content": "tar"}
    sealing = crypto.EncryptingWriter(out, keyring=crypto.keyring_load(), meta=meta)
    with zstandard.ZstdCompressor().stream_writer(sealing, closefd=False) as z:
        z.write(tar_bytes)
    sealing.close()
    out.seek(0)
    return out


@pytest.fixture
def shops(db):  # noqa: ANN001, ANN201
    return shop("Shop A"), shop("Shop B")


def test_big_members_are_split_into_parts_and_joined_back(shops, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(archive, "PART_SIZE", 200)
    a, b = shops
    run = services.tenant_export_create(tenant=a.tenant)
    assert run.state == BackupRun.State.COMPLETED, run.error
    entries = plain_entries(target_get("local").open(run.file_name))

    names = [name for name, _size in entries]
    assert names[-1] == "manifest.json"
    # Parts of one member are consecutive; each but the last holds >= PART_SIZE bytes.
    split = {n for n in names if names.count(n) > 1}
    assert "tables/crm_customer.csv" in split
    for name in split:
        first = names.index(name)
        assert names[first:first + names.count(name)] == [name] * names.count(name)
        sizes = [size for entry, size in entries if entry == name]
        assert all(size >= 200 for size in sizes[:-1]) and 0 < sizes[-1]
    manifest = services.export_verify(target_get("local").open(run.file_name))
    assert manifest["part_size"] == 200
    assert manifest["members"]["tables/crm_customer.csv"]["rows"] == 2

    # And the joined members restore the shop exactly.
    at_export, b_before = fingerprint(a), fingerprint(b)
    change_shop(a)
    restore = services.tenant_restore_start(export=run, tenant=a.tenant, mode="replace",
                                            initiator=None, confirm_slug=a.tenant.slug)
    restore = services.tenant_restore_run(run=restore)
    assert restore.state == BackupRun.State.COMPLETED, restore.error
    assert fingerprint(a) == at_export and fingerprint(b) == b_before


def test_archive_members_joins_parts_and_skips_unread_data(db) -> None:  # noqa: ANN001
    out = io.BytesIO()
    tar = archive.TarStreamWriter(out, mtime=0)
    tar.entry("a.csv", b"x" * 700)
    tar.entry("a.csv", b"y" * 5)
    tar.entry("b.csv", b"")
    tar.entry("c.csv", b"z" * 513)
    tar.entry("c.csv", b"w")
    tar.close()
    assert len(out.getvalue()) % tarfile.RECORDSIZE == 0
    out.seek(0)
    read = {}
    for name, stream in archive.archive_members(out):
        # "a.csv" read whole, "c.csv" left unread (the reader skips it).
        read[name] = stream.read() if name != "c.csv" else None
    assert read == {"a.csv": b"x" * 700 + b"y" * 5, "b.csv": b"", "c.csv": None}


def test_a_member_name_appearing_twice_apart_is_refused(shops) -> None:  # noqa: ANN001
    a, _b = shops
    out = io.BytesIO()
    tar = archive.TarStreamWriter(out, mtime=0)
    for name in ("tables/x.csv", "tables/y.csv", "tables/x.csv"):
        tar.entry(name, b"id\n")
    tar.close()
    with pytest.raises(crypto.ExportAuthenticationError, match="twice"):
        services.export_verify(encrypted(a.tenant, out.getvalue()))


def test_an_export_written_before_parts_still_verifies_and_restores(shops, tmp_path) -> None:  # noqa: ANN001
    """The previous writer: tarfile with one entry per member (tenants/exports.py)."""
    a, b = shops
    plain = io.BytesIO()
    manifest = tenant_archive_write(tenant=a.tenant, out=plain, mode="w|", scratch_dir=tmp_path,
                                    extra_manifest={"encrypted": True})
    old = encrypted(a.tenant, plain.getvalue())
    assert services.export_verify(io.BytesIO(old.getvalue()))["members"] == manifest["members"]

    at_export, b_before = fingerprint(a), fingerprint(b)
    change_shop(a)
    services.tenant_restore_apply(tenant=a.tenant, raw=old, mode="replace")
    assert fingerprint(a) == at_export and fingerprint(b) == b_before


def test_a_copy_failing_midway_raises_its_error_and_the_connection_goes_on(db) -> None:  # noqa: ANN001
    """The drain loop reads the statement's own result: an error after rows were
    already sent (here row 3,000 of 5,000) is raised, not taken as the end."""
    from django.db import connection, transaction
    from psycopg import errors, sql

    out = io.BytesIO()
    tar = archive.TarStreamWriter(out, mtime=0)
    query = sql.SQL("SELECT g, 1 / (g - 3000) FROM generate_series(1, 5000) g")
    with pytest.raises(errors.DivisionByZero), transaction.atomic():
        archive._copy_member(tar, "x.csv", query, 1024)
    assert out.tell() > 0  # parts were written before the error
    rows, digest = archive._copy_member(tar, "y.csv", sql.SQL("SELECT 1 AS one"), 1024)
    assert rows == 1 and len(digest) == 64
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
