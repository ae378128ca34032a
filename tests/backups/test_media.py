"""A shop's uploaded files in its export (backups/media.py): item photos, repair photos
and the receipt logo go into the encrypted export after the tables, verify checks them,
and a restore (replace or merge) writes them back to the storage byte for byte; never
another shop's file, never a name outside the shop's folders."""

import io
import json

import pytest
import zstandard
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from PIL import Image

from backups import archive, crypto, media, services
from backups.models import BackupAlert, BackupRun
from backups.targets import target_get
from inventory.models import ItemPhoto
from pos import services as pos_services
from pos.models import PosSettings
from tenants.context import tenant_context
from tenants.exports import tenant_archive_write, tenant_tables_in_dependency_order
from tests.factories import shop

from .test_archive import encrypted
from .test_services import fingerprint


def png(colour: tuple[int, int, int], size: tuple[int, int] = (60, 20)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # noqa: ANN001, ANN201
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def shops(db):  # noqa: ANN001, ANN201
    """Two shops, each with an item photo and a repair photo (tests/factories.py) and a
    receipt logo of its own."""
    a, b = shop("Shop A"), shop("Shop B")
    for s, colour in ((a, (200, 150, 0)), (b, (0, 90, 200))):
        pos_services.pos_settings_update(
            tenant=s.tenant, actor=s.owner, receipt_logo=SimpleUploadedFile("logo.png", png(colour))
        )
        with tenant_context(s.tenant):
            s.extra["logo"] = PosSettings.objects.get().receipt_logo.name
    return a, b


def file_names(s) -> list[str]:  # noqa: ANN001
    return sorted(
        [s.extra["item_photo"].image.name, s.extra["repair_photo"].image.name, s.extra["logo"]]
    )


def contents(names: list[str]) -> dict[str, bytes]:
    out = {}
    for name in names:
        with default_storage.open(name, "rb") as f:
            out[name] = f.read()
    return out


def plain_tar(raw) -> bytes:  # noqa: ANN001
    reader = crypto.DecryptingReader(raw)
    return zstandard.ZstdDecompressor().stream_reader(io.BufferedReader(reader)).read()


def rewritten(tenant, tar_bytes: bytes, change) -> io.BytesIO:  # noqa: ANN001
    """The export's tar with every member passed through change(name, data) ->
    (name, data), sealed again with the current key (an attacker holding the key, or a
    bug: what the restore must still refuse)."""
    out = io.BytesIO()
    tar = archive.TarStreamWriter(out, mtime=0)
    for name, stream in archive.archive_members(io.BytesIO(tar_bytes)):
        new_name, data = change(name, stream.read())
        tar.entry(new_name, data)
    tar.close()
    return encrypted(tenant, out.getvalue())


def restore(run: BackupRun, s, mode: str) -> BackupRun:  # noqa: ANN001
    started = services.tenant_restore_start(
        export=run, tenant=s.tenant, mode=mode, initiator=None, confirm_slug=s.tenant.slug
    )
    return services.tenant_restore_run(run=started)


@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_the_shops_files_are_exported_and_a_restore_writes_them_back(
    shops, mode, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setattr(archive, "PART_SIZE", 100)  # every file is several tar entries
    a, b = shops
    names, b_names = file_names(a), file_names(b)
    at_export, b_files = contents(names), contents(b_names)
    run = services.tenant_export_create(tenant=a.tenant)
    assert run.state == BackupRun.State.COMPLETED, run.error

    manifest = services.export_verify(target_get("local").open(run.file_name))
    listed = manifest["media"]["files"]
    assert sorted(listed) == names and manifest["media"]["missing"] == []
    for name in names:
        assert listed[name]["bytes"] == len(at_export[name])
    entries = {
        name
        for name, _data in archive.archive_members(
            io.BytesIO(plain_tar(target_get("local").open(run.file_name)))
        )
    }
    assert {f"media/{n}" for n in names} <= entries
    # Shop B's files are not in A's export.
    assert not [e for e in entries if str(b.tenant.pk) in e]
    assert run.details["media"] == {
        "files": 3,
        "bytes": sum(map(len, at_export.values())),
        "missing": [],
        "missing_count": 0,
        "refused": [],
    }

    # The volume is lost (two files gone), one file was damaged.
    default_storage.delete(names[0])
    default_storage.delete(names[1])
    with default_storage.open(names[2], "wb") as f:
        f.write(b"not the logo")
    a_rows = fingerprint(a)

    done = restore(run, a, mode)

    assert done.state == BackupRun.State.COMPLETED, done.error
    assert contents(names) == at_export
    assert contents(b_names) == b_files
    assert fingerprint(a) == a_rows
    assert done.details["files"]["written"] == 3 and done.details["files"]["failed"] == []
    # Again (merge: a second replace inside this test's one transaction would meet the
    # first one's constraints set immediate): nothing left to write.
    again = restore(run, a, "merge")
    assert again.details["files"]["written"] == 0 and again.details["files"]["unchanged"] == 3


def test_a_missing_file_is_listed_and_the_export_still_succeeds(shops) -> None:  # noqa: ANN001
    a, _b = shops
    gone = a.extra["repair_photo"].image.name
    default_storage.delete(gone)

    run = services.tenant_export_create(tenant=a.tenant)

    assert run.state == BackupRun.State.COMPLETED, run.error
    manifest = services.export_verify(target_get("local").open(run.file_name))
    assert manifest["media"]["missing"] == [gone]
    assert gone not in manifest["media"]["files"] and len(manifest["media"]["files"]) == 2
    assert run.details["media"]["missing"] == [gone]
    run.live = services.backup_progress_get(run)  # what the platform's list shows
    html = render_to_string("backups/backup_list.html#runs", {"runs": [run]})
    assert "Files missing from the storage: 1" in html and gone in html
    done = restore(run, a, "replace")
    assert done.state == BackupRun.State.COMPLETED, done.error
    assert done.details["files"]["missing"] == [gone]
    assert done.details["files"]["unchanged"] == 2
    assert not default_storage.exists(gone)


def test_a_tampered_media_member_fails_verify_and_restores_nothing(shops) -> None:  # noqa: ANN001
    a, _b = shops
    names = file_names(a)
    run = services.tenant_export_create(tenant=a.tenant)
    tar_bytes = plain_tar(target_get("local").open(run.file_name))
    logo = f"media/{a.extra['logo']}"

    def flip(name: str, data: bytes) -> tuple[str, bytes]:
        return name, (data[:-1] + bytes([data[-1] ^ 1])) if name == logo else data

    with pytest.raises(crypto.ExportAuthenticationError, match="files"):
        services.export_verify(rewritten(a.tenant, tar_bytes, flip))

    for name in names:
        default_storage.delete(name)
    rows = fingerprint(a)
    with pytest.raises(crypto.ExportAuthenticationError):
        services.tenant_restore_apply(
            tenant=a.tenant, mode="replace", raw=rewritten(a.tenant, tar_bytes, flip)
        )
    assert fingerprint(a) == rows
    assert not any(default_storage.exists(n) for n in names)


@pytest.mark.parametrize("where", ["other-shop", "dot-dot"])
def test_a_member_outside_the_shops_folders_refuses_the_restore(shops, where) -> None:  # noqa: ANN001
    """Even with hashes and manifest made to agree, a file named into shop B's folder
    (or with `..`) is refused and nothing is written or restored."""
    a, b = shops
    run = services.tenant_export_create(tenant=a.tenant)
    tar_bytes = plain_tar(target_get("local").open(run.file_name))
    victim = b.extra["logo"]
    original = a.extra["logo"]
    forged = (
        victim
        if where == "other-shop"
        else original.replace(f"/{a.tenant.pk}/", f"/{a.tenant.pk}/../{b.tenant.pk}/")
    )
    b_before = contents([victim])

    def rename(name: str, data: bytes) -> tuple[str, bytes]:
        if name == f"media/{original}":
            return f"media/{forged}", b"evil"
        if name == "manifest.json":
            manifest = json.loads(data)
            files = manifest["media"]["files"]
            del files[original]
            files[forged] = media.stream_digest(io.BytesIO(b"evil"))
            return name, json.dumps(manifest).encode()
        return name, data

    rows = fingerprint(a)
    with pytest.raises(services.BackupError, match="outside the shop's folders"):
        services.tenant_restore_apply(
            tenant=a.tenant, mode="replace", raw=rewritten(a.tenant, tar_bytes, rename)
        )
    assert contents([victim]) == b_before
    assert fingerprint(a) == rows


def test_an_export_without_files_still_restores(shops, tmp_path) -> None:  # noqa: ANN001
    """The format before files: no media members, no media section in the manifest."""
    a, b = shops
    plain = io.BytesIO()
    manifest = tenant_archive_write(
        tenant=a.tenant,
        out=plain,
        mode="w|",
        scratch_dir=tmp_path,
        extra_manifest={"encrypted": True},
        files=False,
    )
    assert "media" not in manifest
    old = encrypted(a.tenant, plain.getvalue())
    assert "media" not in services.export_verify(io.BytesIO(old.getvalue()))
    names = file_names(a)
    for name in names:
        default_storage.delete(name)
    at_export, b_before = fingerprint(a), fingerprint(b)

    result = services.tenant_restore_apply(tenant=a.tenant, raw=old, mode="replace")

    assert fingerprint(a) == at_export and fingerprint(b) == b_before
    assert result["files"]["written"] == 0 and result["files"]["failed"] == []
    assert not any(default_storage.exists(n) for n in names)  # nothing to bring back


def test_a_row_naming_another_shops_file_does_not_export_that_file(shops) -> None:  # noqa: ANN001
    a, b = shops
    victim = b.extra["item_photo"].image.name
    with tenant_context(a.tenant):
        ItemPhoto.objects.filter(pk=a.extra["item_photo"].pk).update(image=victim)

    run = services.tenant_export_create(tenant=a.tenant)

    assert run.state == BackupRun.State.COMPLETED, run.error
    manifest = services.export_verify(target_get("local").open(run.file_name))
    assert victim not in manifest["media"]["files"]
    assert manifest["media"]["refused"] == [victim]
    assert run.details["media"]["refused"] == [victim]


def test_a_file_that_cannot_be_written_makes_the_restore_degraded(shops, monkeypatch) -> None:  # noqa: ANN001
    a, _b = shops
    names = file_names(a)
    run = services.tenant_export_create(tenant=a.tenant)
    for name in names:
        default_storage.delete(name)
    real = media.file_restore

    def failing(*, name: str, **kwargs) -> str:  # noqa: ANN003
        if name == a.extra["logo"]:
            raise OSError("disk full")
        return real(name=name, **kwargs)

    monkeypatch.setattr(media, "file_restore", failing)
    done = restore(run, a, "merge")

    assert done.state == BackupRun.State.DEGRADED
    assert "could not be written" in done.error and a.extra["logo"] in done.error
    assert done.details["files"]["written"] == 2
    assert done.details["files"]["failed"] == [{"name": a.extra["logo"], "error": "disk full"}]
    assert BackupAlert.objects.filter(run=done, resolved_at__isnull=True).exists()
    # Once the storage works again, the same restore writes what is missing.
    monkeypatch.setattr(media, "file_restore", real)
    again = restore(run, a, "merge")
    assert again.state == BackupRun.State.COMPLETED
    assert again.details["files"]["written"] == 1 and again.details["files"]["unchanged"] == 2


def test_every_file_column_of_a_tenant_table_is_declared(db) -> None:  # noqa: ANN001
    with tenant_context(shop().tenant):
        tables = tenant_tables_in_dependency_order()
    assert media.file_columns_discovered(tables) == set(media.FILE_COLUMNS)


def test_names_outside_the_shops_folders_are_not_the_shops() -> None:
    tid = "0b3a2c1e-0000-4000-8000-000000000001"
    ok = f"items/{tid}/3f2a9c.png"
    assert media.name_is_the_shops(ok, tenant_id=tid)
    assert media.name_is_the_shops(f"logos/{tid}/3f2a9c_AbC1234.webp", tenant_id=tid)
    for bad in (
        "items/0b3a2c1e-0000-4000-8000-000000000002/3f2a9c.png",
        f"secrets/{tid}/3f2a9c.png",
        f"/items/{tid}/3f2a9c.png",
        f"items/{tid}/../x.png",
        f"items/{tid}/..",
        f"items/{tid}/sub/x.png",
        f"items/{tid}/x\\..\\y.png",
        f"items/{tid}/",
        f"items/{tid}/.env",
    ):
        assert not media.name_is_the_shops(bad, tenant_id=tid), bad
    assert not media.name_is_the_shops(ok, tenant_id=tid, kinds=["logos"])
