"""django-ledger's tables under tenant isolation, and a loud failure when a
django-ledger upgrade brings a table, index or foreign key we have not covered."""

import uuid

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from accounting.ledger_schema import (
    LEDGER_TABLES,
    LEDGER_TABLES_UNUSED,
    PREFIX,
    composite_fk_name,
    ledger_catalog,
    tenant_uuid_key,
)
from tenants.context import tenant_context

UPGRADE_HINT = ("django-ledger changed its schema: bring the new parts under RLS with a new "
                "accounting migration (accounting.ledger_schema.ledger_table_statements) and "
                "update LEDGER_TABLES")


def _ledger_tables_in_catalog() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
                       "c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
                       "AND relname LIKE %s", [PREFIX + "%"])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_every_django_ledger_table_is_known() -> None:
    assert _ledger_tables_in_catalog() == set(LEDGER_TABLES), UPGRADE_HINT


@pytest.mark.django_db
def test_every_index_and_unique_constraint_leads_with_tenant_id() -> None:
    with connection.cursor() as cursor:
        catalog = ledger_catalog(cursor, _ledger_tables_in_catalog())
    wrong = [f"{table}.{index}: {definition}"
             for table, index, definition, _u, _c, first in catalog["indexes"]
             if first != "tenant_id"]
    assert wrong == [], UPGRADE_HINT


@pytest.mark.django_db
def test_tree_paths_are_unique_per_tenant_not_globally() -> None:
    with connection.cursor() as cursor:
        catalog = ledger_catalog(cursor, LEDGER_TABLES)
    paths = {(t, d.split("(", 1)[1]) for t, _i, d, unique, _c, _f in catalog["indexes"]
             if unique and "path" in d and "pattern_ops" not in d}
    assert paths == {(t, "tenant_id, path)") for t in (
        "django_ledger_accountmodel", "django_ledger_entitymodel",
        "django_ledger_entityunitmodel")}


@pytest.mark.django_db
def test_every_foreign_key_between_ledger_tables_has_a_tenant_twin() -> None:
    with connection.cursor() as cursor:
        catalog = ledger_catalog(cursor, _ledger_tables_in_catalog())
    names = {fk for _t, fk, _p, _c, _pc in catalog["fks"]}
    missing = [f"{table}.{fk} -> {parent}" for table, fk, parent, columns, _pc in catalog["fks"]
               if parent.startswith(PREFIX) and columns != ["tenant_id", columns[-1]]
               and len(columns) == 1 and composite_fk_name(fk) not in names]
    assert missing == [], UPGRADE_HINT
    twins = [(t, c) for t, fk, _p, c, _pc in catalog["fks"] if fk.endswith("_tfk")]
    assert twins and all(c[0] == "tenant_id" for _t, c in twins)
    # ... each pointing at the parent's UNIQUE (tenant_id, uuid).
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'u'")
        uniques = {row[0] for row in cursor.fetchall()}
    assert {tenant_uuid_key(t) for t in LEDGER_TABLES} <= uniques


@pytest.mark.django_db
def test_unused_ledger_tables_refuse_rows_for_another_tenant(shop_a, shop_b) -> None:
    """The tables the shops never write are empty, so the general RLS tests cannot
    update their rows: an insert for another tenant is refused by the policy (it is
    checked before the columns' NOT NULL constraints)."""
    assert LEDGER_TABLES_UNUSED
    with tenant_context(shop_a.tenant):
        for table in sorted(LEDGER_TABLES_UNUSED):
            with pytest.raises(ProgrammingError, match="row-level security"), \
                    transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f'INSERT INTO "{table}" (uuid, tenant_id) VALUES (%s, %s)',
                                   [uuid.uuid4(), shop_b.tenant.pk])
    # Without a scope nothing is visible in any ledger table, used or not.
    with connection.cursor() as cursor:
        for table in sorted(LEDGER_TABLES):
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            assert cursor.fetchone()[0] == 0, table
