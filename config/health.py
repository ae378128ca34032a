"""Liveness and readiness probes.

/health/live/  — the process answers (no dependency is touched).
/health/ready/ — PostgreSQL, Redis and at least one Celery worker answer within
HEALTH_CHECK_TIMEOUT; otherwise 503 with the failing checks named.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.sentinel import redis_client


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis() -> None:
    timeout = settings.HEALTH_CHECK_TIMEOUT
    with redis_client(timeout) as client:
        if not client.ping():
            raise RuntimeError("no PONG")


def check_celery() -> None:
    from config.celery import app

    replies = app.control.ping(timeout=settings.HEALTH_CHECK_TIMEOUT, limit=1)
    if not replies:
        raise RuntimeError("no worker answered")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "redis": check_redis,
    "celery": check_celery,
}


def run_checks() -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return results


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "fail" if failing else "ok", "failing": failing, "checks": checks}
    return JsonResponse(body, status=503 if failing else 200)
