"""backups.dumps: the daily portable copy of the whole database (pg_dump, zstd,
encrypted) on every target, opened again for pg_restore."""

import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from backups import services
from backups.crypto import ExportAuthenticationError
from backups.dumps import cluster_dump_run, dump_open
from backups.models import BackupRun
from backups.pgbackrest import _pg_bindir
from backups.targets import target_get
from tests.factories import shop

from .conftest import s3_spec


@pytest.fixture
def committed_shop(transactional_db):  # noqa: ANN001, ANN201
    """pg_dump is another connection: it sees committed rows only."""
    return shop("Dump Shop")


def _pg_restore(*args: str) -> str:
    return subprocess.run([str(_pg_bindir() / "pg_restore"), *args], check=True,
                          capture_output=True, text=True, timeout=120).stdout


def test_the_copy_holds_every_shops_rows_on_every_target_and_opens_for_pg_restore(
        committed_shop, backup_settings, moto_endpoint, bucket, tmp_path: Path) -> None:  # noqa: ANN001
    s = committed_shop
    backup_settings.BACKUP_TARGETS = [
        *backup_settings.BACKUP_TARGETS, s3_spec("cloud", moto_endpoint, bucket),
        s3_spec("down", "http://127.0.0.1:9", "nowhere")]  # nothing listens on port 9

    run = cluster_dump_run(run=services.backup_run_start(kind=BackupRun.Kind.DUMP))

    assert run.state == BackupRun.State.DEGRADED, run.error
    assert run.targets["local"]["state"] == "ok" and run.targets["cloud"]["state"] == "ok"
    assert run.targets["down"]["state"] == "failed"
    assert run.size_bytes and run.raw_bytes and len(run.sha256) == 64
    stored = target_get("cloud").open(run.targets["cloud"]["key"]).read()
    assert s.tenant.slug.encode() not in stored  # sealed, not a readable dump
    out = tmp_path / "copy.dump"
    call_command("backup_dump_open", str(run.pk), str(out), "--target", "cloud")
    listing = _pg_restore("--list", str(out))
    assert "TABLE DATA public tenants_tenant" in listing
    assert "TABLE DATA public crm_customer" in listing
    # Rows under RLS are there: the backup role bypasses it.
    customers = _pg_restore("--data-only", "--table", "crm_customer", "--file", "-", str(out))
    assert str(s.extra["customer"].pk) in customers
    assert s.tenant.slug in _pg_restore("--data-only", "--table", "tenants_tenant",
                                        "--file", "-", str(out))


def test_a_tampered_copy_fails_authentication(committed_shop, tmp_path: Path) -> None:  # noqa: ANN001
    run = cluster_dump_run(run=services.backup_run_start(kind=BackupRun.Kind.DUMP))
    assert run.state == BackupRun.State.COMPLETED, run.error
    data = bytearray(target_get("local").open(run.targets["local"]["key"]).read())
    data[len(data) // 2] ^= 0x01
    damaged = tmp_path / "damaged"
    damaged.write_bytes(bytes(data))
    with pytest.raises(ExportAuthenticationError), damaged.open("rb") as raw, \
            (tmp_path / "out.dump").open("wb") as out:
        dump_open(raw, out)
