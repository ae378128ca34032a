"""Per-tenant exports (tenants/exports.py) and the purge's use of them: an export holds
one shop's rows of every tenant table and nobody else's, users without passwords, a
manifest whose counts and hashes are right; a purge deletes nothing unless the final
export was written and verified."""

import csv
import hashlib
import io
import json
import stat
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from psycopg import sql

from accounting.ledger_schema import LEDGER_TABLES_UNUSED
from tenants import platform_services
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.exports import (
    MANIFEST,
    TENANT_MEMBER,
    USERS_MEMBER,
    TenantExportError,
    tenant_export_verify,
    tenant_export_write,
)
from tenants.models import Branch, Tenant, User

from .conftest import PLATFORM_DB

pytestmark = PLATFORM_DB


@pytest.fixture
def export_root(tmp_path: Path, settings) -> Path:  # noqa: ANN001
    root = tmp_path / "exports"
    settings.TENANT_EXPORT_ROOT = root
    return root


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive if m.isfile()}


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode(), newline="")))


def _primary_key(table: str) -> str:
    """The primary key column (ours are `id`; django-ledger's are `uuid`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
            [table])
        (column,) = cursor.fetchall()
    return column[0]


def _ids(shop, tables: list[str]) -> dict[str, tuple[str, set[str]]]:  # noqa: ANN001
    """The primary key and ids of `shop`'s rows in every tenant table (read in its own
    scope)."""
    result = {}
    with tenant_context(shop.tenant), connection.cursor() as cursor:
        for table in tables:
            pk = _primary_key(table)
            cursor.execute(sql.SQL("SELECT {}::text FROM {}").format(
                sql.Identifier(pk), sql.Identifier(table)))
            result[table] = (pk, {row[0] for row in cursor.fetchall()})
    return result


def _schedule(admin, shop) -> Tenant:  # noqa: ANN001
    return platform_services.tenant_schedule_deletion(actor=admin, tenant=shop.tenant,
                                                      confirm_slug=shop.tenant.slug)


def test_export_holds_every_tenant_table_of_one_shop_only(
    export_root, shop_a, shop_b, tenant_table_names
) -> None:
    result = tenant_export_write(tenant=shop_a.tenant, destination_dir=export_root)
    assert result.path.parent == export_root and result.path.name.endswith(".tar.gz")
    members = _members(result.path)
    manifest = json.loads(members[MANIFEST])

    rls_tables = set(manifest["tables"])
    # Every tenant table except the global ones with a tenant_id (users, auth events,
    # flag overrides/changes), which are not under RLS.
    assert rls_tables == set(tenant_table_names) - {
        "tenants_user", "tenants_authevent", "tenants_flagoverride", "tenants_flagchange"}
    ids_a, ids_b = _ids(shop_a, sorted(rls_tables)), _ids(shop_b, sorted(rls_tables))
    for table in rls_tables:
        rows = _rows(members[f"tables/{table}.csv"])
        pk, ids = ids_a[table]
        exported = {row[pk] for row in rows}
        if table in LEDGER_TABLES_UNUSED:  # django-ledger tables we never write
            assert exported == ids == set(), table
            continue
        assert ids, f"shop_world() left {table} empty: the test proves nothing"
        assert exported == ids, table
        assert not exported & ids_b[table][1], table
        assert {row["tenant_id"] for row in rows} == {str(shop_a.tenant.pk)}, table

    # Parents come before the tables that reference them.
    order = manifest["tables"]
    assert order.index("tenants_branch") < order.index("tenants_terminal")
    assert order.index("inventory_item") < order.index("inventory_stockmovement")

    (tenant_row,) = _rows(members[TENANT_MEMBER])
    assert tenant_row["id"] == str(shop_a.tenant.pk) and tenant_row["slug"] == shop_a.tenant.slug
    users = _rows(members[USERS_MEMBER])
    assert {u["email"] for u in users} == set(
        User.objects.filter(tenant=shop_a.tenant).values_list("email", flat=True))
    assert shop_b.owner.email not in {u["email"] for u in users}
    assert "password" not in users[0]
    assert b"pbkdf2" not in members[USERS_MEMBER] and b"argon2" not in members[USERS_MEMBER]


def test_manifest_counts_and_hashes_and_archive_checksum(export_root, shop_a, shop_b) -> None:
    result = tenant_export_write(tenant=shop_a.tenant, destination_dir=export_root)
    members = _members(result.path)
    manifest = json.loads(members[MANIFEST])
    assert manifest == result.manifest
    assert manifest["format_version"] == 2 and manifest["encrypted"] is False
    assert manifest["tenant"] == {"id": str(shop_a.tenant.pk), "slug": shop_a.tenant.slug,
                                  "name": shop_a.tenant.name}
    assert manifest["created_at"]
    assert set(manifest["members"]) == {n for n in members if not n.startswith("media/")} - {
        MANIFEST}
    for name, entry in manifest["members"].items():
        assert entry["sha256"] == hashlib.sha256(members[name]).hexdigest(), name
        assert entry["rows"] == len(_rows(members[name])), name
    with tenant_context(shop_a.tenant):
        assert manifest["members"]["tables/tenants_branch.csv"]["rows"] == Branch.objects.count()
    assert manifest["members"][USERS_MEMBER]["rows"] == 3
    assert manifest["members"][TENANT_MEMBER]["rows"] == 1

    digest = hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert result.sha256 == digest
    assert result.sha256_path.read_text() == f"{digest}  {result.path.name}\n"
    for path in (result.path, result.sha256_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in export_root.iterdir()) == sorted(
        [result.path.name, result.sha256_path.name])  # no temporary files left
    assert tenant_export_verify(result.path) == manifest


def test_verify_rejects_a_tampered_archive(export_root, shop_a) -> None:
    result = tenant_export_write(tenant=shop_a.tenant, destination_dir=export_root)
    data = bytearray(result.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    result.path.write_bytes(bytes(data))
    with pytest.raises(TenantExportError):
        tenant_export_verify(result.path)
    # A consistent archive checksum does not help when a member differs from the manifest.
    result.sha256_path.write_text(
        f"{hashlib.sha256(bytes(data)).hexdigest()}  {result.path.name}\n")
    with pytest.raises(TenantExportError):
        tenant_export_verify(result.path)


def test_purge_with_a_failing_export_deletes_nothing(admin, export_root, shop_a, monkeypatch
                                                     ) -> None:
    _schedule(admin, shop_a)

    def broken(*, tenant):  # noqa: ANN001, ANN202
        raise OSError("disk full")

    monkeypatch.setattr(platform_services, "tenant_final_export", broken)
    with pytest.raises(BusinessRuleError):
        platform_services.tenant_purge(tenant=shop_a.tenant, force=True)
    assert Tenant.objects.filter(pk=shop_a.tenant.pk).exists()
    assert User.objects.filter(tenant=shop_a.tenant).count() == 3
    with tenant_context(shop_a.tenant):
        assert Branch.objects.count() == 2


def test_purge_refuses_when_the_export_does_not_verify(admin, export_root, shop_a, monkeypatch
                                                      ) -> None:
    _schedule(admin, shop_a)
    real = platform_services.tenant_final_export

    def tampered(*, tenant):  # noqa: ANN001, ANN202
        path = real(tenant=tenant)
        path.with_name(path.name + ".sha256").write_text(f"{'0' * 64}  {path.name}\n")
        return path

    monkeypatch.setattr(platform_services, "tenant_final_export", tampered)
    with pytest.raises(BusinessRuleError):
        platform_services.tenant_purge(tenant=shop_a.tenant, force=True)
    assert Tenant.objects.filter(pk=shop_a.tenant.pk).exists()
    with tenant_context(shop_a.tenant):
        assert Branch.objects.count() == 2


def test_purge_refuses_when_rows_changed_after_the_export(admin, export_root, shop_a,
                                                          monkeypatch) -> None:
    _schedule(admin, shop_a)
    real = platform_services.tenant_final_export

    def then_a_write(*, tenant):  # noqa: ANN001, ANN202
        path = real(tenant=tenant)
        with tenant_context(tenant):
            Branch.objects.create(name="Late", code="LATE")
        return path

    monkeypatch.setattr(platform_services, "tenant_final_export", then_a_write)
    with pytest.raises(BusinessRuleError):
        platform_services.tenant_purge(tenant=shop_a.tenant, force=True)
    with tenant_context(shop_a.tenant):
        assert Branch.objects.count() == 3
    assert all(default_storage.exists(n) for n in _file_names(shop_a))  # files kept too


def test_successful_purge_keeps_the_export_and_only_removes_that_shop(
    admin, export_root, shop_a, shop_b
) -> None:
    _schedule(admin, shop_a)
    with tenant_context(shop_b.tenant):
        b_branches = Branch.objects.count()
    path = platform_services.tenant_purge(tenant=shop_a.tenant, force=True)

    assert path.parent == export_root and path.exists()
    manifest = tenant_export_verify(path)
    assert manifest["tenant"]["id"] == str(shop_a.tenant.pk)
    assert manifest["members"]["tables/tenants_branch.csv"]["rows"] == 2

    assert not Tenant.objects.filter(pk=shop_a.tenant.pk).exists()
    assert not User.objects.filter(email=shop_a.owner.email).exists()
    with tenant_context(shop_a.tenant), connection.cursor() as cursor:
        for table in manifest["tables"]:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            assert cursor.fetchone()[0] == 0, table
    with tenant_context(shop_b.tenant):
        assert Branch.objects.count() == b_branches
    assert User.objects.filter(tenant=shop_b.tenant).count() == 3


def _file_names(shop) -> list[str]:  # noqa: ANN001
    return sorted([shop.extra["item_photo"].image.name, shop.extra["repair_photo"].image.name])


def test_the_export_holds_the_shops_files_and_verify_checks_them(export_root, shop_a, shop_b
                                                                 ) -> None:
    result = tenant_export_write(tenant=shop_a.tenant, destination_dir=export_root)
    members = _members(result.path)
    names = _file_names(shop_a)
    assert sorted(n.removeprefix("media/") for n in members if n.startswith("media/")) == names
    for name in names:
        with default_storage.open(name, "rb") as f:
            body = f.read()
        assert members[f"media/{name}"] == body
        assert result.manifest["media"]["files"][name] == {
            "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    assert not any(str(shop_b.tenant.pk) in n for n in members)
    assert tenant_export_verify(result.path) == result.manifest

    # A file changed inside the archive (with a matching archive checksum) is caught.
    _rewrite(result.path, {f"media/{names[0]}": b"not the photo"})
    with pytest.raises(TenantExportError, match="media members do not match"):
        tenant_export_verify(result.path)


def test_an_export_of_format_1_without_files_still_verifies(export_root, shop_a) -> None:
    result = tenant_export_write(tenant=shop_a.tenant, destination_dir=export_root)
    manifest = dict(result.manifest, format_version=1)
    del manifest["media"]
    _rewrite(result.path, {MANIFEST: json.dumps(manifest).encode()}, drop_prefix="media/")
    assert tenant_export_verify(result.path)["format_version"] == 1


def _rewrite(path: Path, replace: dict[str, bytes], *, drop_prefix: str | None = None) -> None:
    """The archive again with some members' bodies replaced (and its checksum file)."""
    members = _members(path)
    members.update(replace)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, body in members.items():
            if drop_prefix and name.startswith(drop_prefix):
                continue
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    path.write_bytes(out.getvalue())
    path.with_name(path.name + ".sha256").write_text(
        f"{hashlib.sha256(out.getvalue()).hexdigest()}  {path.name}\n")


def test_a_purge_deletes_the_shops_files_after_its_rows_and_keeps_them_in_the_export(
    admin, export_root, shop_a, shop_b
) -> None:
    names_a, names_b = _file_names(shop_a), _file_names(shop_b)
    # A file no row references any more (a replaced photo) is in the shop's folder too.
    orphan = default_storage.save(f"items/{shop_a.tenant.pk}/old.jpg", ContentFile(b"old"))
    assert all(default_storage.exists(n) for n in [*names_a, *names_b, orphan])
    _schedule(admin, shop_a)
    path = platform_services.tenant_purge(tenant=shop_a.tenant, force=True)

    assert not any(default_storage.exists(n) for n in [*names_a, orphan])
    assert all(default_storage.exists(n) for n in names_b)  # the other shop's stay
    members = _members(path)
    assert sorted(n.removeprefix("media/") for n in members if n.startswith("media/")) == names_a
