"""django-ledger's tables under our tenant isolation (ARCHITECTURE.md section 2).

django-ledger knows nothing of tenants. Migration 0001 gives each of its tables
the same shape as our own tenant tables:

- `tenant_id uuid NOT NULL` with the database default (the transaction's tenant)
  and a reference to tenants_tenant;
- every index and unique constraint led by tenant_id, keeping its name (so
  django-ledger's later migrations can still drop them by name); its globally
  unique treebeard `path` columns thereby become UNIQUE (tenant_id, path),
  without which the second tenant could not create its entity (treebeard
  computes paths from the rows it can see: under RLS, only its own);
- UNIQUE (tenant_id, uuid) on every table and, beside each of django-ledger's
  foreign keys between its own tables, a composite one
  FOREIGN KEY (tenant_id, x) REFERENCES parent (tenant_id, uuid): a plain FK
  is checked without RLS and would let a row point at another tenant's row;
- RLS enabled, forced, and our two policies (tenants.db.rls_enable_sql).

tests/accounting/test_ledger_schema.py fails loudly when a django-ledger upgrade
adds a table, an index or a foreign key this did not cover: then write a new
migration that applies `ledger_table_statements` to what is new.
"""

from __future__ import annotations

import re
from typing import Any

from tenants.db import CURRENT_TENANT_SQL, rls_enable_sql

PREFIX = "django_ledger_"

# django-ledger 0.8.5 (pinned in pyproject.toml), migration 0030.
LEDGER_TABLES = frozenset({
    "django_ledger_accountmodel", "django_ledger_bankaccountmodel", "django_ledger_billmodel",
    "django_ledger_chartofaccountmodel", "django_ledger_closingentrymodel",
    "django_ledger_closingentrytransactionmodel", "django_ledger_customermodel",
    "django_ledger_entitymanagementmodel", "django_ledger_entitymodel",
    "django_ledger_entitystatemodel", "django_ledger_entityunitmodel",
    "django_ledger_estimatemodel", "django_ledger_importjobmodel", "django_ledger_invoicemodel",
    "django_ledger_itemmodel", "django_ledger_itemtransactionmodel",
    "django_ledger_journalentrymodel", "django_ledger_ledgermodel",
    "django_ledger_purchaseordermodel", "django_ledger_receiptmodel",
    "django_ledger_stagedtransactionmodel", "django_ledger_transactionmodel",
    "django_ledger_unitofmeasuremodel", "django_ledger_vendormodel",
})

# The tables Zargar writes. The others (bills, invoices, purchase orders, bank
# imports, ...) are isolated all the same but stay empty: the shop's documents
# live in our own apps. The RLS tests do not ask for rows in them.
LEDGER_TABLES_USED = frozenset({
    "django_ledger_accountmodel", "django_ledger_chartofaccountmodel",
    "django_ledger_entitymodel", "django_ledger_entitystatemodel",
    "django_ledger_journalentrymodel", "django_ledger_ledgermodel",
    "django_ledger_transactionmodel",
})
LEDGER_TABLES_UNUSED = LEDGER_TABLES - LEDGER_TABLES_USED


def tenant_uuid_key(table: str) -> str:
    return f"{table[len(PREFIX):]}_tenant_uuid_key"[:63]


def composite_fk_name(fk_name: str) -> str:
    return f"{fk_name[:58]}_tfk"


def ledger_catalog(cursor: Any, tables: set[str] | frozenset[str]) -> dict[str, Any]:
    """Indexes, unique constraints and foreign keys of `tables` as the catalog has them."""
    names = sorted(tables)
    cursor.execute(
        """
        SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisunique,
               c.conname IS NOT NULL, a.attname
        FROM pg_index x
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
        LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.contype = 'u'
        LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
        WHERE t.relname = ANY(%s) AND NOT x.indisprimary
        ORDER BY 1, 2
        """,
        [names],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, c.confrelid::regclass::text,
               (SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(c.conkey)
                    WITH ORDINALITY k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
               (SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(c.confkey)
                    WITH ORDINALITY k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum)
        FROM pg_constraint c
        WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
        ORDER BY 1, 2
        """,
        [names],
    )
    fks = cursor.fetchall()
    return {"indexes": indexes, "fks": fks}


_COLUMNS = re.compile(r"^(CREATE (?:UNIQUE )?INDEX \S+ ON \S+ USING \w+ \()(.*)$")


def ledger_table_statements(cursor: Any, tables: set[str] | frozenset[str]) -> list[str]:
    """The SQL that brings `tables` (django-ledger's, not yet covered) under isolation."""
    catalog = ledger_catalog(cursor, tables)
    sql: list[str] = []
    for table in sorted(tables):
        sql.append(
            f'ALTER TABLE "{table}" ADD COLUMN tenant_id uuid NOT NULL '
            f"DEFAULT {CURRENT_TENANT_SQL} REFERENCES tenants_tenant (id) "
            f"DEFERRABLE INITIALLY DEFERRED"
        )
        sql.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{tenant_uuid_key(table)}" '
                   f"UNIQUE (tenant_id, uuid)")
    for table, index, definition, _unique, is_constraint, first in catalog["indexes"]:
        if first == "tenant_id":
            continue
        if is_constraint:
            columns = definition[definition.index("(") + 1:definition.rindex(")")]
            sql.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{index}"')
            sql.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{index}" '
                       f"UNIQUE (tenant_id, {columns})")
        else:
            match = _COLUMNS.match(definition)
            if match is None:
                raise RuntimeError(f"cannot read index {index}: {definition}")
            sql.append(f'DROP INDEX "{index}"')
            sql.append(f"{match.group(1)}tenant_id, {match.group(2)}")
    for table, fk, parent, columns, parent_columns in catalog["fks"]:
        if parent not in LEDGER_TABLES or len(columns) != 1 or "tenant_id" in columns:
            continue  # global parents (users, tenants) and our own composite keys
        sql.append(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{composite_fk_name(fk)}" '
            f'FOREIGN KEY (tenant_id, "{columns[0]}") REFERENCES "{parent}" '
            f'(tenant_id, "{parent_columns[0]}") DEFERRABLE INITIALLY DEFERRED'
        )
    for table in sorted(tables):
        sql.extend(rls_enable_sql(table))
    return sql
