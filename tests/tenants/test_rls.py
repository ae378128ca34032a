"""The promise of the product: no shop ever sees another shop's data, enforced by PostgreSQL.

Every test here runs as the application role (tests/conftest.py), like the app.
"""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError, ProgrammingError

from accounting.ledger_schema import LEDGER_TABLES_UNUSED
from tenants.context import TenantContextMissing, tenant_context
from tenants.db import PLATFORM_POLICY, POLICY
from tenants.models import Branch, Terminal, User

# Global tables: no tenant_id, no RLS; code scopes them. Anything else must be a tenant table.
GLOBAL_TABLES = {
    "django_migrations", "django_content_type", "django_session", "django_admin_log",
    "auth_permission", "auth_group", "auth_group_permissions",
    "tenants_plan", "tenants_tenant", "backups_backuprun",
    "backups_backupalert", "backups_backupwatermark",
    "tenants_user_groups", "tenants_user_user_permissions",
    "account_emailaddress", "account_emailconfirmation",
    "otp_totp_totpdevice", "otp_static_staticdevice", "otp_static_statictoken",
    "axes_accessattempt", "axes_accessattemptexpiration", "axes_accessfailurelog",
    "axes_accesslog",
    "guardian_groupobjectpermission", "guardian_userobjectpermission",
    "django_celery_beat_clockedschedule", "django_celery_beat_crontabschedule",
    "django_celery_beat_intervalschedule", "django_celery_beat_periodictask",
    "django_celery_beat_periodictasks", "django_celery_beat_solarschedule",
    "inventory_marketrate",  # the platform-wide market price feed
    # platform panel: audit trail, flags, announcements, job runs
    "auditlog_logentry", "waffle_flag", "waffle_flag_groups", "waffle_flag_users",
    "waffle_sample", "waffle_switch", "tenants_flagrollout", "tenants_announcement",
    "tenants_announcement_target_plans", "tenants_announcementreceipt", "tenants_jobrun",
}
# Global tables that carry a tenant_id as a reference, scoped by code (login must
# find a user before any tenant is known).
GLOBAL_WITH_TENANT_REF = {"tenants_user", "tenants_authevent", "tenants_flagoverride",
                          "tenants_flagchange"}


def _catalog() -> dict[str, dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                           AND a.attname = 'tenant_id' AND NOT a.attisdropped)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            """
        )
        tables = {
            name: {"rls": rls, "force": force, "tenant_id": has_tenant, "policies": {}}
            for name, rls, force, has_tenant in cursor.fetchall()
        }
        cursor.execute(
            "SELECT tablename, policyname, cmd, roles::text[], qual, with_check "
            "FROM pg_policies WHERE schemaname = 'public'"
        )
        for table, policy, cmd, roles, qual, with_check in cursor.fetchall():
            tables[table]["policies"][policy] = (cmd, roles, qual, with_check)
    return tables


def tenant_tables() -> list[str]:
    return sorted(
        name for name, t in _catalog().items()
        if t["tenant_id"] and name not in GLOBAL_WITH_TENANT_REF
    )


def populated_tenant_tables() -> list[str]:
    """Tenant tables the shops write. django-ledger's unused tables (bills, invoices,
    bank imports, ...) are isolated like the others (catalog tests) but stay empty;
    tests/accounting/test_ledger_schema.py checks them with rows of their own."""
    return [t for t in tenant_tables() if t not in LEDGER_TABLES_UNUSED]


@pytest.mark.django_db
def test_catalog_every_tenant_table_is_isolated_and_every_other_table_is_listed() -> None:
    problems = []
    for name, table in sorted(_catalog().items()):
        if not table["tenant_id"] or name in GLOBAL_WITH_TENANT_REF:
            if name not in GLOBAL_TABLES | GLOBAL_WITH_TENANT_REF:
                problems.append(f"{name}: no tenant_id and not on the global allowlist")
            continue
        if not (table["rls"] and table["force"]):
            problems.append(f"{name}: RLS not enabled and forced")
        policy = table["policies"].get(POLICY)
        if policy is None:
            problems.append(f"{name}: no {POLICY} policy")
        else:
            cmd, roles, qual, with_check = policy
            expected = "current_setting('app.tenant_id'::text, true)"
            if cmd != "ALL" or roles != ["public"] or expected not in (qual or "") \
                    or expected not in (with_check or "") or "SELECT" not in qual.upper():
                problems.append(f"{name}: {POLICY} is not the standard policy: {policy}")
        reader = table["policies"].get(PLATFORM_POLICY)
        if reader is None or reader[0] != "SELECT" or reader[1] != ["zargar_platform_reader"]:
            problems.append(f"{name}: no read-only {PLATFORM_POLICY} policy")
        extra = set(table["policies"]) - {POLICY, PLATFORM_POLICY}
        if extra:
            problems.append(f"{name}: unexpected policies {extra}")
    assert problems == []


@pytest.mark.django_db
def test_catalog_indexes_of_tenant_tables_lead_with_tenant_id() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, i.relname, a.attname
            FROM pg_index x
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
            LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
            WHERE t.relname = ANY(%s) AND NOT x.indisprimary
            """,
            [tenant_tables()],
        )
        wrong = [f"{t}.{i} starts with {col}" for t, i, col in cursor.fetchall()
                 if col != "tenant_id"]
    assert wrong == []


@pytest.mark.django_db
def test_canary_the_test_connection_is_the_restricted_application_role() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        user, superuser, bypass = cursor.fetchone()
    assert (user, superuser, bypass) == ("zargar_app", False, False)


def _count(table: str, where: str = "", params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}" {where}', params or [])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_isolation_raw_sql_over_every_tenant_table(shop_a, shop_b) -> None:
    tables = populated_tenant_tables()
    assert {"tenants_branch", "tenants_terminal", "tenants_subscription"} <= set(tables)
    a, b = shop_a.tenant, shop_b.tenant

    with tenant_context(b):
        empty = [t for t in tables if _count(t) == 0]
    assert empty == [], f"give shop B a row in {empty} (tests/factories.py shop_world)"

    with tenant_context(a):
        for table in tables:
            assert _count(table) > 0, table
            assert _count(table, "WHERE tenant_id = %s", [b.pk]) == 0, f"{table} leaked B's rows"
            assert _count(table, "WHERE tenant_id <> %s", [a.pk]) == 0, table

    # With no scope at all: nothing is visible.
    for table in tables:
        assert _count(table) == 0, f"{table} visible without a tenant"


@pytest.mark.django_db
def test_isolation_writes_for_another_tenant_are_refused(shop_a, shop_b) -> None:
    a, b = shop_a.tenant, shop_b.tenant
    with tenant_context(a):
        for table in populated_tenant_tables():
            # Moving one's own rows to B violates the policy's WITH CHECK.
            with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f'UPDATE "{table}" SET tenant_id = %s', [b.pk])
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO tenants_branch (id, tenant_id, name, code, address, phone, "
                    "opening_hours, is_active, created_at) "
                    "VALUES (%s, %s, 'x', 'X', '', '', '', true, now())",
                    [uuid.uuid4(), b.pk],
                )
        # And B's rows cannot be changed or deleted: to A they do not exist.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE tenants_branch SET name = 'hacked' WHERE tenant_id = %s", [b.pk])
            assert cursor.rowcount == 0
            cursor.execute("DELETE FROM tenants_terminal WHERE tenant_id = %s", [b.pk])
            assert cursor.rowcount == 0
    with tenant_context(b):
        assert not Branch.objects.filter(name="hacked").exists()
        assert Terminal.objects.count() == 1


@pytest.mark.django_db
def test_without_a_tenant_inserts_fail_and_orm_refuses_loudly(shop_a) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            # tenant_id defaults to the (absent) setting: NULL, refused.
            cursor.execute(
                "INSERT INTO tenants_branch (id, name, code, address, phone, opening_hours, "
                "is_active, created_at) VALUES (%s, 'x', 'X', '', '', '', true, now())",
                [uuid.uuid4()],
            )
    with pytest.raises(TenantContextMissing):
        Branch.objects.count()
    with pytest.raises(TenantContextMissing):
        list(Branch.objects.all())
    with pytest.raises(TenantContextMissing):
        Branch(name="x", code="X").save()


@pytest.mark.django_db
def test_tenant_id_is_filled_by_the_database_from_the_scope(shop_a) -> None:
    with tenant_context(shop_a.tenant):
        branch = Branch.objects.create(name="Uptown", code="UP")
    assert branch.tenant_id == shop_a.tenant.pk


@pytest.mark.django_db
def test_composite_foreign_key_refuses_a_row_pointing_at_another_tenant(shop_a, shop_b) -> None:
    with tenant_context(shop_a.tenant):
        with pytest.raises(IntegrityError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "INSERT INTO tenants_terminal (id, name, is_active, created_at, branch_id) "
                    "VALUES (%s, 'evil', true, now(), %s)",
                    [uuid.uuid4(), shop_b.main.pk],
                )
    # The global users table too: a user of A cannot be put in B's branch.
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            User.objects.filter(pk=shop_a.cashier.pk).update(branch_id=shop_b.branch.pk)


@pytest.mark.django_db
def test_nested_scopes_restore_the_outer_tenant(shop_a, shop_b) -> None:
    with tenant_context(shop_a.tenant):
        with tenant_context(shop_b.tenant):
            assert set(Branch.objects.values_list("tenant_id", flat=True)) == {shop_b.tenant.pk}
        assert set(Branch.objects.values_list("tenant_id", flat=True)) == {shop_a.tenant.pk}
