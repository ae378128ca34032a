"""Fingerprints of a shop's data: per tenant table, the row count and a hash of every
row's text (rows sorted), read under the current tenant scope. Two fingerprints are
equal exactly when the shop's rows are the same; drills and restore tests compare
them (before/after, or source/restored cluster)."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from tenants.context import require_tenant
from tenants.exports import tenant_tables_in_dependency_order

FINGERPRINT_SQL = (
    "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
    "FROM {} AS t"
)


def fingerprint_tables(cursor: Any, tables: list[str]) -> dict[str, str]:
    """`{table: "<rows>:<md5>"}` for `tables`, with whatever scope the cursor's
    session has (tenant_context, or app.tenant_id set by hand on a side cluster)."""
    result = {}
    for table in tables:
        cursor.execute(sql.SQL(FINGERPRINT_SQL).format(sql.Identifier(table)))
        count, digest = cursor.fetchone()
        result[table] = f"{count}:{digest}"
    return result


def tenant_fingerprint() -> dict[str, str]:
    """The current shop's fingerprint (call inside tenant_context)."""
    from django.db import connection

    require_tenant()
    with connection.cursor() as cursor:
        return fingerprint_tables(cursor, tenant_tables_in_dependency_order())
