"""Exec probes for the processes that serve no HTTP (Kubernetes liveness; k8s/base).

    python -m config.probes worker   # this pod's worker answers a ping
    python -m config.probes beat     # the broker and the database answer

Exit 0 when healthy, 1 otherwise (with the reason on stderr). The web process
uses /health/live/ and /health/ready/ instead (config/health.py).
"""

import os
import socket
import sys
import time

import django


def worker_alive(node: str, timeout: float) -> bool:
    """The Celery worker named `node` (Procfile: `-n worker@%h`) answers a ping.

    The ping is a Redis PUBLISH: a worker whose broadcast subscription is not yet in
    place (just started, or reconnecting) never sees it. So ping again, in rounds of
    at most a second, until `timeout` has passed.
    """
    from config.celery import app

    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        replies = app.control.ping(destination=[node], timeout=min(1.0, max(left, 0.1)), limit=1)
        if any(node in reply for reply in replies):
            return True
        if time.monotonic() >= deadline:
            return False


def beat_dependencies_ok(timeout: float) -> bool:
    """beat can do its job: the broker accepts a connection and the database answers."""
    from django.db import connection

    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
    django.setup()
    from django.conf import settings

    timeout = float(settings.HEALTH_CHECK_TIMEOUT) * 5
    what = argv[1] if len(argv) > 1 else ""
    try:
        if what == "worker":
            node = f"worker@{socket.gethostname()}"
            if not worker_alive(node, timeout):
                print(f"{node} did not answer within {timeout:g} s", file=sys.stderr)
                return 1
            return 0
        if what == "beat":
            beat_dependencies_ok(timeout)
            return 0
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        print(f"{what}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print("usage: python -m config.probes worker|beat", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
