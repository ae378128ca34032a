"""Human-facing numbers counted per tenant, and transaction-level locks by name.

    number = counter_next("sale")      # inside the tenant's scope and transaction

The counter row is locked until the caller's transaction ends, so numbers are
unique and without gaps; take it as late as possible in the transaction.
"""

import hashlib

from django.db import connection

from .context import require_tenant
from .db import new_id
from .models import Counter
from .prepared import prepared_cursor


def counter_next(key: str) -> int:
    """The next value of this tenant's counter `key` (created at 1 on first use).

    One statement: the upsert locks the counter's row until the transaction ends, so
    two transactions taking the same counter queue up and never share a value."""
    require_tenant()
    table = Counter._meta.db_table
    with prepared_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, key, value) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (tenant_id, key) DO UPDATE SET value = {table}.value + 1 "
            "RETURNING value", [new_id(), key])
        return cursor.fetchone()[0]


def advisory_lock(key: str) -> None:
    """A transaction-level lock on `key`, for rows that do not exist yet
    (e.g. one customer per phone while two tills create it at once)."""
    digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big",
                            signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [digest])
