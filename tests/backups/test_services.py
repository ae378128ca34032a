"""Encrypted shop exports to several targets and shop restores (replace, merge): the
restored shop equals its export, every other shop is untouched (fingerprints), no
sequence moves, and an export never lands in another shop."""

from pathlib import Path

import pytest
from django.db import connection

from backups import services
from backups.crypto import ExportAuthenticationError
from backups.fingerprints import tenant_fingerprint
from backups.models import BackupRun
from backups.targets import target_get
from crm.models import Customer
from tenants.context import tenant_context
from tests.factories import customer_make, shop

from .conftest import s3_client, s3_spec


@pytest.fixture
def shops(db):  # noqa: ANN001, ANN201
    return shop("Shop A"), shop("Shop B")


def fingerprint(s) -> dict[str, str]:  # noqa: ANN001
    with tenant_context(s.tenant):
        return tenant_fingerprint()


def sequences() -> dict[str, int | None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences")
        return dict(cursor.fetchall())


def change_shop(s) -> dict[str, object]:  # noqa: ANN001
    """Edit, delete and add rows of shop `s` (what a restore must undo or keep)."""
    referrer, customer = s.extra["referrer"], s.extra["customer"]
    with tenant_context(s.tenant):
        Customer.objects.filter(pk=referrer.pk).update(first_name="Edited")
        Customer.objects.filter(pk=customer.pk).update(notes="changed after export")
        with connection.cursor() as cursor:  # a child-free row deleted outright
            cursor.execute("DELETE FROM crm_customersearchtoken WHERE customer_id = %s",
                           [referrer.pk])
    added = customer_make(s, first_name="New", last_name="Later", phone="09129999999")
    return {"added": added}


def test_export_reaches_every_target_encrypted_and_verified(shops, two_targets) -> None:  # noqa: ANN001
    a, _b = shops
    run = services.tenant_export_create(tenant=a.tenant, reason="test")

    assert run.state == BackupRun.State.COMPLETED, run.error
    assert set(run.targets) == {"local", "cloud"}
    assert all(t["state"] == "ok" for t in run.targets.values())
    assert run.key_id == "k1" and len(run.sha256) == 64 and run.size_bytes > 0
    assert run.raw_bytes > run.size_bytes  # zstd did its work
    assert run.details["rows"]["tables/crm_customer.csv"] == 2

    for name in ("local", "cloud"):
        blob = target_get(name).open(run.file_name).read()
        assert b"Sara" not in blob and a.tenant.slug.encode() in blob  # slug in the header only
        manifest = services.export_verify(target_get(name).open(run.file_name))
        assert manifest["tenant"]["id"] == str(a.tenant.pk)
        assert manifest["members"]["tables/crm_customer.csv"]["rows"] == 2
    # Nothing left in scratch, nothing unfinished at the targets.
    assert not any(Path(services._scratch_dir()).iterdir())
    assert target_get("local").unfinished() == [] and target_get("cloud").unfinished() == []


def test_replace_restores_the_shop_as_exported_and_touches_nobody_else(shops) -> None:  # noqa: ANN001
    a, b = shops
    run = services.tenant_export_create(tenant=a.tenant)
    at_export = fingerprint(a)
    change_shop(a)
    assert fingerprint(a) != at_export
    b_before, seq_before = fingerprint(b), sequences()

    restore = services.tenant_restore_start(export=run, tenant=a.tenant, mode="replace",
                                            initiator=None, confirm_slug=a.tenant.slug)
    restore = services.tenant_restore_run(run=restore)

    assert restore.state == BackupRun.State.COMPLETED, restore.error
    assert fingerprint(a) == at_export
    assert fingerprint(b) == b_before
    assert sequences() == seq_before
    assert restore.details["deleted"]["crm_customer"] == 3
    assert restore.details["inserted"]["crm_customer"] == 2


def test_merge_adds_only_missing_rows(shops) -> None:  # noqa: ANN001
    a, b = shops
    run = services.tenant_export_create(tenant=a.tenant)
    changed = change_shop(a)
    b_before, seq_before = fingerprint(b), sequences()

    restore = services.tenant_restore_start(export=run, tenant=a.tenant, mode="merge",
                                            initiator=None, confirm_slug=a.tenant.slug)
    restore = services.tenant_restore_run(run=restore)

    assert restore.state == BackupRun.State.COMPLETED, restore.error
    with tenant_context(a.tenant):
        # Edited rows keep their edits, the row added later stays, the deleted ones return.
        assert Customer.objects.get(pk=a.extra["referrer"].pk).first_name == "Edited"
        assert Customer.objects.filter(pk=changed["added"].pk).exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM crm_customersearchtoken WHERE customer_id = %s",
                           [a.extra["referrer"].pk])
            assert cursor.fetchone()[0] > 0
    assert restore.details["inserted"]["crm_customersearchtoken"] > 0
    assert restore.details["inserted"]["crm_customer"] == 0
    assert fingerprint(b) == b_before
    assert sequences() == seq_before


def test_an_export_of_one_shop_cannot_be_restored_into_another(shops) -> None:  # noqa: ANN001
    a, b = shops
    run = services.tenant_export_create(tenant=a.tenant)
    b_before = fingerprint(b)
    with pytest.raises(services.BackupError):
        services.tenant_restore_start(export=run, tenant=b.tenant, mode="replace",
                                      initiator=None, confirm_slug=b.tenant.slug)
    # Even past the service's check, the file itself refuses (header names shop A).
    with pytest.raises(services.BackupError, match="another shop"):
        services.tenant_restore_apply(tenant=b.tenant, mode="replace",
                                      raw=target_get("local").open(run.file_name))
    assert fingerprint(b) == b_before


def test_restore_needs_the_typed_slug(shops) -> None:  # noqa: ANN001
    a, _b = shops
    run = services.tenant_export_create(tenant=a.tenant)
    with pytest.raises(services.BackupError, match="slug"):
        services.tenant_restore_start(export=run, tenant=a.tenant, mode="merge",
                                      initiator=None, confirm_slug="shop")
    assert not BackupRun.objects.filter(kind=BackupRun.Kind.TENANT_RESTORE).exists()


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_tampered_or_truncated_export_fails_and_changes_nothing(shops, damage: str) -> None:  # noqa: ANN001
    a, _b = shops
    run = services.tenant_export_create(tenant=a.tenant)
    change_shop(a)
    before = fingerprint(a)
    path = Path(target_get("local").location(run.file_name))
    blob = bytearray(path.read_bytes())
    if damage == "flip":
        blob[len(blob) * 2 // 3] ^= 0x40
    else:
        del blob[len(blob) - 100:]
    path.write_bytes(bytes(blob))

    with pytest.raises(ExportAuthenticationError):
        services.export_verify(target_get("local").open(run.file_name))
    restore = services.tenant_restore_start(export=run, tenant=a.tenant, mode="replace",
                                            initiator=None, confirm_slug=a.tenant.slug)
    restore = services.tenant_restore_run(run=restore)
    assert restore.state == BackupRun.State.FAILED
    assert "altered" in restore.error or "truncated" in restore.error or "damaged" in restore.error
    assert fingerprint(a) == before


def test_one_target_down_gives_a_degraded_run(shops, backup_settings, moto_endpoint, bucket) -> None:  # noqa: ANN001
    a, _b = shops
    down = s3_spec("down", "http://127.0.0.1:9", "nowhere")  # nothing listens on port 9
    backup_settings.BACKUP_TARGETS = [*backup_settings.BACKUP_TARGETS,
                                      s3_spec("cloud", moto_endpoint, bucket), down]
    run = services.tenant_export_create(tenant=a.tenant)

    assert run.state == BackupRun.State.DEGRADED
    assert run.targets["local"]["state"] == "ok" and run.targets["cloud"]["state"] == "ok"
    assert run.targets["down"]["state"] == "failed" and run.targets["down"]["error"]
    objects = s3_client(moto_endpoint).list_objects_v2(Bucket=bucket)["Contents"]
    assert [o["Key"] for o in objects] == [f"zargar/{run.file_name}"]
    # The degraded run still restores from a good copy.
    manifest = services.export_verify(services.export_open(run))
    assert manifest["tenant"]["slug"] == a.tenant.slug


def test_no_target_reachable_fails_the_run(shops, backup_settings) -> None:  # noqa: ANN001
    a, _b = shops
    backup_settings.BACKUP_TARGETS = [s3_spec("down", "http://127.0.0.1:9", "nowhere")]
    run = services.tenant_export_create(tenant=a.tenant)
    assert run.state == BackupRun.State.FAILED
    assert run.finished_at is not None and run.error


def test_a_rotated_key_still_opens_old_exports(shops, backup_settings) -> None:  # noqa: ANN001
    from backups.crypto import backup_key_generate

    a, _b = shops
    old_run = services.tenant_export_create(tenant=a.tenant)
    old_key = backup_settings.BACKUP_ENCRYPTION_KEY
    backup_settings.BACKUP_ENCRYPTION_KEY = backup_key_generate("k2")
    backup_settings.BACKUP_ENCRYPTION_OLD_KEYS = [old_key]
    new_run = services.tenant_export_create(tenant=a.tenant)
    assert (old_run.key_id, new_run.key_id) == ("k1", "k2")
    for run in (old_run, new_run):
        assert services.export_verify(services.export_open(run))["tenant"]["id"] == str(
            a.tenant.pk)
