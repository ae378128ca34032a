"""Platform-level tasks (no tenant scope)."""

from celery import shared_task
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

HEARTBEAT_KEY = "zargar:worker-heartbeat"


@shared_task(name="tenants.worker_heartbeat", acks_late=True)
def worker_heartbeat() -> dict[str, str]:
    """Prove a worker reaches PostgreSQL and Redis; beat runs it every minute.

    Records the time and the database server's clock in the cache, where the
    platform health page can show when a worker last did real work.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()::text")
        db_now = cursor.fetchone()[0]
    beat = {"at": timezone.now().isoformat(), "database_time": db_now}
    cache.set(HEARTBEAT_KEY, beat, timeout=None)
    return beat
