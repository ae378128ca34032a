"""Human-facing numbers counted per tenant, and transaction-level locks by name.

    number = counter_next("sale")      # inside the tenant's scope and transaction

The counter row is locked until the caller's transaction ends, so numbers are
unique and without gaps; take it as late as possible in the transaction.
"""

import hashlib

from django.db import connection

from .context import require_tenant
from .models import Counter


def counter_next(key: str) -> int:
    """The next value of this tenant's counter `key` (created at 1 on first use)."""
    require_tenant()
    Counter.objects.bulk_create([Counter(key=key)], ignore_conflicts=True)
    counter = Counter.objects.select_for_update().get(key=key)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def advisory_lock(key: str) -> None:
    """A transaction-level lock on `key`, for rows that do not exist yet
    (e.g. one customer per phone while two tills create it at once)."""
    digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big",
                            signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [digest])
