"""tenants.prepared: reads whose SQL is built once per process give what their queryset
gives, under the tenant's row-level security, and refuse what they cannot prepare."""

import uuid

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext, override_settings

from tenants.auth_backends import USER_WITH_SHOP
from tenants.context import TenantContextMissing, tenant_context
from tenants.models import Branch, Terminal, User
from tenants.prepared import Many, Prepared

pytestmark = pytest.mark.django_db


def _terminal_by_name():
    return Prepared(lambda branch_id, name: Terminal.objects.filter(branch_id=branch_id, name=name)
                    .select_related("branch"), uuid.UUID, str)


def test_rows_are_the_querysets_own_with_select_related(shop_a) -> None:
    read = _terminal_by_name()
    with tenant_context(shop_a.tenant):
        wanted = list(Terminal.objects.filter(branch=shop_a.main, name="T1")
                      .select_related("branch"))
        for _ in range(2):  # prepared on the first call, reused on the second
            got = read.all(shop_a.main.pk, "T1")
            assert [t.pk for t in got] == [t.pk for t in wanted] and len(got) == 1
            terminal = got[0]
            assert terminal.name == "T1" and terminal.branch_id == shop_a.main.pk
            with CaptureQueriesContext(connection) as queries:
                assert terminal.branch.code == "MAIN"  # loaded by select_related
            assert len(queries) == 0
            assert not terminal._state.adding and terminal._state.db == "default"
        assert read.all(shop_a.main.pk, "T2") == []
        assert read.first(str(shop_a.main.pk), "T1").pk == terminal.pk  # a str id is read


def test_the_sql_is_built_once_and_only_arguments_change(shop_a) -> None:
    read = _terminal_by_name()
    with tenant_context(shop_a.tenant):
        read.first(shop_a.main.pk, "T1")
        compiled = read._compiled
        with CaptureQueriesContext(connection) as queries:
            read.first(shop_a.branch.pk, "none")
        assert read._compiled is compiled
        assert queries[0]["sql"].count(str(shop_a.branch.pk).replace("-", "")) == 1
        assert "'none'" in queries[0]["sql"]


def test_row_level_security_applies(shop_a, shop_b) -> None:
    read = _terminal_by_name()
    with tenant_context(shop_b.tenant):
        assert read.all(shop_a.main.pk, "T1") == []  # shop A's terminal is not there
        assert read.first(shop_b.main.pk, "T1").pk == shop_b.terminal.pk


def test_a_tenant_owned_read_needs_a_tenant_scope(shop_a) -> None:
    read = _terminal_by_name()
    with pytest.raises(TenantContextMissing):
        read.all(shop_a.main.pk, "T1")


def test_values_list_and_flat(shop_a) -> None:
    codes = Prepared(lambda name: Branch.objects.filter(name=name).values_list("code", "name"),
                     str)
    flat = Prepared(lambda name: Branch.objects.filter(name=name)
                    .values_list("code", flat=True), str)
    with tenant_context(shop_a.tenant):
        assert codes.all("Bazaar") == [("BZR", "Bazaar")]
        assert flat.all("Bazaar") == ["BZR"] and flat.first("nowhere") is None


def test_a_platform_read_with_the_users_shop_and_plan(shop_a) -> None:
    user = USER_WITH_SHOP.first(shop_a.cashier.pk)
    assert user.email == shop_a.cashier.email
    with CaptureQueriesContext(connection) as queries:
        assert user.tenant.pk == shop_a.tenant.pk and user.tenant.plan.pk
    assert len(queries) == 0
    assert USER_WITH_SHOP.first(uuid.uuid4()) is None


def test_for_update_needs_a_transaction(shop_a, monkeypatch) -> None:
    read = Prepared(lambda pk: Terminal.objects.select_for_update().filter(pk=pk), uuid.UUID)
    with tenant_context(shop_a.tenant):
        with transaction.atomic():
            assert read.first(shop_a.terminal.pk).pk == shop_a.terminal.pk
        monkeypatch.setattr(connection, "get_autocommit", lambda: True)  # no transaction
        with pytest.raises(TransactionManagementError):
            read.first(shop_a.terminal.pk)


def test_what_cannot_be_prepared_is_refused_on_first_use(shop_a) -> None:
    changed = Prepared(lambda name: Branch.objects.filter(name__icontains=name), str)
    unused = Prepared(lambda name: Branch.objects.filter(code="BZR"), str)
    listed = Prepared(lambda name: Branch.objects.values("code").filter(name=name), str)
    with tenant_context(shop_a.tenant):
        with pytest.raises(TypeError, match="changes an argument"):
            changed.all("Baz")
        with pytest.raises(TypeError, match="does not use its arguments"):
            unused.all("x")
        with pytest.raises(TypeError, match="model rows or values_list"):
            listed.all("Bazaar")
        with pytest.raises(TypeError, match="no None"):
            _terminal_by_name().all(shop_a.main.pk, None)
    with pytest.raises(TypeError, match="arguments are"):
        Prepared(lambda when: Branch.objects.filter(created_at=when), object)


def test_verification_catches_a_read_that_is_no_longer_its_queryset(shop_a) -> None:
    """In the tests each call also compiles the queryset: a build whose SQL changes
    after it was prepared (here: by a flag it reads) fails loudly."""
    flags = {"main_only": False}

    def build(name):
        queryset = Branch.objects.filter(name=name)
        return queryset.filter(code="MAIN") if flags["main_only"] else queryset

    read = Prepared(build, str)
    with tenant_context(shop_a.tenant):
        assert [b.code for b in read.all("Bazaar")] == ["BZR"]
        flags["main_only"] = True
        with override_settings(PREPARED_QUERIES_VERIFY=True), \
                pytest.raises(AssertionError, match="differs from its queryset"):
            read.all("Bazaar")
        with override_settings(PREPARED_QUERIES_VERIFY=False):
            assert [b.code for b in read.all("Bazaar")] == ["BZR"]  # still the first SQL


def test_the_session_user_is_loaded_by_the_prepared_read(client, shop_a) -> None:
    client.force_login(shop_a.cashier)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/pos/")
    assert response.status_code == 200
    first = queries[0]["sql"]
    assert '"tenants_user"' in first and '"tenants_tenant"' in first and \
        '"tenants_plan"' in first
    assert User.objects.filter(pk=shop_a.cashier.pk).exists()


def test_a_list_argument_gives_one_sql_per_length(shop_a) -> None:
    read = Prepared(lambda codes, name: Branch.objects.filter(code__in=codes)
                    .exclude(name=name).order_by("code"), Many(str), str)
    with tenant_context(shop_a.tenant):
        assert [b.code for b in read.all(["BZR", "MAIN"], "x")] == ["BZR", "MAIN"]
        assert [b.code for b in read.all(["MAIN", "BZR", "MAIN"], "Bazaar")] == ["MAIN"]
        assert [b.code for b in read.all(["BZR"], "x")] == ["BZR"]
        assert sorted(read._compiled) == [(1,), (2,)]  # the repeat is dropped, as __in does
        with CaptureQueriesContext(connection) as queries:
            assert read.all([], "x") == []  # the queryset itself: no SQL at all
        assert len(queries) == 0


def test_rows_insert_is_bulk_create_with_its_sql_kept(shop_a, shop_b) -> None:
    from django.db.models.functions import Now

    from inventory.models import Category
    from tenants import prepared

    with tenant_context(shop_a.tenant):
        parent = Category.objects.create(name="Prepared rings")
        rows = [Category(name="Gold rings", parent=parent), Category(name="Silver rings")]
        assert prepared.rows_insert(rows) is rows
        for row in rows:  # the tenant came back from the column's default (RETURNING)
            assert row.tenant_id == shop_a.tenant.pk and not row._state.adding
            assert row.created_at is not None
        kept = len(prepared._INSERTS)
        with CaptureQueriesContext(connection) as queries:
            prepared.rows_insert([Category(name="Bangles"), Category(name="Chains")])
        assert len(prepared._INSERTS) == kept and len(queries) == 1  # the same shape
        assert queries[0]["sql"].startswith('INSERT INTO "inventory_category"')
        got = {c.name: c for c in Category.objects.filter(
            name__in=["Gold rings", "Silver rings", "Bangles", "Chains"])}
        assert sorted(got) == ["Bangles", "Chains", "Gold rings", "Silver rings"]
        assert got["Gold rings"].parent_id == parent.pk
        # an expression other than the default: Django's own bulk_create
        odd = Category(name="Now", created_at=Now())
        prepared.rows_insert([odd])
        assert Category.objects.filter(name="Now").exists()
    with tenant_context(shop_b.tenant):  # row-level security: shop A's rows are not here
        assert not Category.objects.filter(name="Bangles").exists()
    with pytest.raises(TenantContextMissing):
        prepared.rows_insert([Category(name="No shop")])


def test_an_int_argument_on_an_integer_column(shop_a) -> None:
    from tenants.models import Plan

    read = Prepared(lambda users: Plan.objects.filter(max_users=users).order_by("name"), int)
    plan = shop_a.tenant.plan
    assert plan.pk in [p.pk for p in read.all(plan.max_users)]
    assert read.all(987654) == []


def test_rows_insert_leaves_other_layouts_to_bulk_create(shop_a) -> None:
    """Rows without a DEFAULT value (the tenant given): Django writes two or more of them
    with UNNEST, one array per column; rows_insert hands such a shape to bulk_create."""
    from inventory.models import Category
    from tenants import prepared

    with tenant_context(shop_a.tenant):
        rows = [Category(name=f"Given tenant {i}", tenant_id=shop_a.tenant.pk)
                for i in range(2)]
        prepared.rows_insert(rows)
        assert None in [sql for (model, _db, n, _shape), sql in prepared._INSERTS.items()
                        if model is Category and n == 2]  # handed to bulk_create
        again = [Category(name=f"Given tenant {i}", tenant_id=shop_a.tenant.pk)
                 for i in range(2, 4)]
        prepared.rows_insert(again)
        assert Category.objects.filter(name__startswith="Given tenant ").count() == 4
        assert all(not row._state.adding for row in rows + again)


# --- server-side prepared statements ---------------------------------------------------


def _server_statements() -> dict[str, tuple[int, int]]:
    """This connection's prepared statements: SQL -> (generic, custom) plans so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans "
                       "FROM pg_prepared_statements")
        return {sql: (generic, custom) for sql, generic, custom in cursor.fetchall()}


def _ours(statements: dict[str, tuple[int, int]], table: str) -> list[tuple[int, int]]:
    return [runs for sql, runs in statements.items() if f'FROM "{table}"' in sql]


@override_settings(PREPARED_STATEMENTS=True)
def test_a_reuse_plan_read_is_prepared_once_and_run_again(shop_a) -> None:
    read = Prepared(lambda name: Terminal.objects.filter(name=name).select_related("branch"),
                    str, reuse_plan=True)
    with tenant_context(shop_a.tenant):
        for _ in range(3):
            assert [t.pk for t in read.all("T1")] == [shop_a.terminal.pk]
        assert read.all("nowhere") == []
        runs = _ours(_server_statements(), "tenants_terminal")
        assert len(runs) == 1 and sum(runs[0]) == 4  # one statement, run four times
        terminal = read.first("T1")
        assert terminal.branch.pk == shop_a.main.pk and terminal.created_at.tzinfo is not None
        assert terminal.created_at == Terminal.objects.get(pk=terminal.pk).created_at


@override_settings(PREPARED_STATEMENTS=True)
def test_row_level_security_applies_to_a_prepared_statement(shop_a, shop_b) -> None:
    """The policy reads the transaction's tenant when the statement runs, not when it
    was prepared: the same statement gives each shop its own rows."""
    read = Prepared(lambda name: Terminal.objects.filter(name=name), str, reuse_plan=True)
    for _ in range(7):  # past the five runs after which PostgreSQL may go generic
        with tenant_context(shop_a.tenant):
            assert [t.pk for t in read.all("T1")] == [shop_a.terminal.pk]
        with tenant_context(shop_b.tenant):
            assert [t.pk for t in read.all("T1")] == [shop_b.terminal.pk]
    assert len(_ours(_server_statements(), "tenants_terminal")) == 1


@override_settings(PREPARED_STATEMENTS=True)
def test_nothing_else_is_prepared(shop_a) -> None:
    """psycopg prepares a statement after five runs unless told otherwise: Django's
    own queries and the reads without reuse_plan stay unprepared however often run."""
    read = Prepared(lambda name: Branch.objects.filter(name=name), str)
    with tenant_context(shop_a.tenant):
        for _ in range(8):
            read.all("Bazaar")
            assert Branch.objects.filter(code="BZR").count() == 1
    assert _ours(_server_statements(), "tenants_branch") == []
    assert connection.connection.prepare_threshold is None


@override_settings(PREPARED_STATEMENTS=False)
def test_the_switch_turns_them_off(shop_a) -> None:
    from tenants.prepared import prepared_cursor

    read = Prepared(lambda name: Terminal.objects.filter(name=name), str, reuse_plan=True)
    with tenant_context(shop_a.tenant):
        assert [t.pk for t in read.all("T1")] == [shop_a.terminal.pk]
        with prepared_cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tenants_branch WHERE code = %s", ["BZR"])
            assert cursor.fetchone() == (1,)
    statements = _server_statements()
    assert _ours(statements, "tenants_terminal") == _ours(statements, "tenants_branch") == []


@override_settings(PREPARED_STATEMENTS=True)
def test_prepared_statements_are_logged(shop_a, settings) -> None:
    read = Prepared(lambda name: Terminal.objects.filter(name=name), str, reuse_plan=True)
    with tenant_context(shop_a.tenant), CaptureQueriesContext(connection) as queries:
        read.all("T1")
    assert len(queries) == 1 and '"tenants_terminal"' in queries[0]["sql"]


@pytest.mark.django_db(transaction=True)
@override_settings(PREPARED_STATEMENTS=True)
def test_a_table_changed_under_a_statement() -> None:
    """A column's type changed after the statement was prepared (a migration run by
    another connection): PostgreSQL refuses the old statement. Outside a transaction
    the run is repeated unprepared; inside one it fails, and the next works."""
    from tenants.prepared import prepared_cursor

    def read() -> list[tuple]:
        with prepared_cursor() as cursor:
            cursor.execute("SELECT * FROM zargar_changing")
            return cursor.fetchall()

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE zargar_changing (a text)")
        cursor.execute("INSERT INTO zargar_changing VALUES ('1')")
    try:
        assert read() == [("1",)]
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE zargar_changing ALTER a TYPE integer USING a::integer")
        assert read() == [(1,)]  # autocommit: repeated unprepared
        assert read() == [(1,)]  # and prepared again
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE zargar_changing ALTER a TYPE text")
        with pytest.raises(Exception, match="cached plan must not change result type"), \
                transaction.atomic():
            read()
        assert read() == [("1",)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS zargar_changing")
