"""Health and jobs for the platform panel.

- health_snapshot(): config/health.py's checks (PostgreSQL, Redis, Celery) plus disk
  usage, the last worker heartbeat and the recent ERROR log records.
- RecentErrorsHandler: a logging handler keeping the last N ERROR records in a Redis
  list (configured in settings; imports nothing from Django's models at load time).
- Job runs: Celery's task_success / task_failure signals write JobRun rows
  (django-celery-results is not installed), so the jobs page lists recent runs and
  failures; periodic_task_update / periodic_task_run_now act on django-celery-beat.
"""

import json
import logging
import shutil
import time
from typing import Any

RECENT_ERRORS_KEY = "zargar:recent-errors"


def _redis() -> Any:
    """A short-timeout client on the Redis master (config/sentinel.py); a context manager."""
    from config.sentinel import redis_client

    return redis_client(timeout=1)


class RecentErrorsHandler(logging.Handler):
    """Push ERROR records (newest first) to a capped Redis list; never raises."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(_guard, "busy", False):
            return
        _guard.busy = True
        try:
            from django.conf import settings

            entry = {
                "at": time.time(),
                "logger": record.name,
                "message": record.getMessage()[:1000],
                "exception": (
                    logging.Formatter().formatException(record.exc_info)[-2000:]
                    if record.exc_info else ""
                ),
            }
            with _redis() as client:
                pipe = client.pipeline()
                pipe.lpush(RECENT_ERRORS_KEY, json.dumps(entry))
                pipe.ltrim(RECENT_ERRORS_KEY, 0, settings.PLATFORM_RECENT_ERRORS - 1)
                pipe.execute()
        except Exception:  # noqa: BLE001 - logging must never fail the caller
            pass
        finally:
            _guard.busy = False


class _Guard:
    busy = False


_guard = _Guard()


def recent_errors(limit: int = 20) -> list[dict[str, Any]]:
    from datetime import UTC, datetime

    try:
        with _redis() as client:
            raw = client.lrange(RECENT_ERRORS_KEY, 0, limit - 1)
    except Exception:  # noqa: BLE001
        return []
    errors = []
    for item in raw:
        try:
            entry = json.loads(item)
        except ValueError:
            continue
        entry["at"] = datetime.fromtimestamp(entry.get("at", 0), tz=UTC)
        errors.append(entry)
    return errors


def disk_usage(path: str = "/") -> dict[str, Any]:
    usage = shutil.disk_usage(path)
    percent = round(usage.used * 100 / usage.total, 1) if usage.total else 0.0
    return {
        "path": path,
        "total_gb": round(usage.total / 1024**3, 1),
        "free_gb": round(usage.free / 1024**3, 1),
        "percent_used": percent,
        "ok": percent < 90,
    }


def health_snapshot() -> dict[str, Any]:
    from django.conf import settings
    from django.core.cache import cache

    from config.health import run_checks

    from .tasks import HEARTBEAT_KEY

    checks = run_checks()
    disk = disk_usage(str(settings.BASE_DIR))
    checks["disk"] = {"ok": disk["ok"], "error": "" if disk["ok"] else "over 90% used"}
    return {
        "checks": checks,
        "disk": disk,
        "heartbeat": cache.get(HEARTBEAT_KEY),
        "errors": recent_errors(),
    }


# --- job runs -----------------------------------------------------------------------

_started: dict[str, float] = {}


def on_task_prerun(sender: Any = None, task_id: str = "", **kwargs: Any) -> None:
    _started[task_id] = time.monotonic()


def _record(task: Any, task_id: str, succeeded: bool, error: str = "") -> None:
    from django.db import transaction

    from .models import JobRun

    started = _started.pop(task_id, None)
    runtime = int((time.monotonic() - started) * 1000) if started is not None else None
    try:
        with transaction.atomic():
            JobRun.objects.create(task=getattr(task, "name", str(task))[:200],
                                  task_id=task_id or "", succeeded=succeeded,
                                  error=error[:4000], runtime_ms=runtime)
    except Exception:  # noqa: BLE001 - bookkeeping must not fail the task
        logging.getLogger(__name__).warning("could not record job run", exc_info=True)


def on_task_success(sender: Any = None, **kwargs: Any) -> None:
    request = getattr(sender, "request", None)
    _record(sender, getattr(request, "id", "") or "", True)


def on_task_failure(sender: Any = None, task_id: str = "", exception: Any = None,
                    **kwargs: Any) -> None:
    _record(sender, task_id or "", False, f"{type(exception).__name__}: {exception}")


def periodic_task_update(*, actor: Any, task_id: int, every: int, enabled: bool) -> Any:
    """Re-time (seconds) or pause a django-celery-beat schedule."""
    from django.db import transaction
    from django.utils.translation import gettext as _
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from .errors import BusinessRuleError

    if not actor.is_platform_admin:
        raise BusinessRuleError(_("Only platform admins can change schedules."))
    if every < 10:
        raise BusinessRuleError(_("Run at most every 10 seconds."), field="every")
    with transaction.atomic():
        task = PeriodicTask.objects.select_for_update().get(pk=task_id)
        interval, _created = IntervalSchedule.objects.get_or_create(
            every=every, period=IntervalSchedule.SECONDS
        )
        task.interval, task.crontab, task.enabled = interval, None, enabled
        task.save()
    return task


def periodic_task_run_now(*, actor: Any, task_id: int) -> str:
    """Queue a schedule's task at once with its saved arguments; returns the Celery id."""
    from django.utils.translation import gettext as _
    from django_celery_beat.models import PeriodicTask

    from config.celery import app

    from .errors import BusinessRuleError

    if not actor.is_platform_admin:
        raise BusinessRuleError(_("Only platform admins can run jobs."))
    task = PeriodicTask.objects.get(pk=task_id)
    result = app.send_task(task.task, args=json.loads(task.args or "[]"),
                           kwargs=json.loads(task.kwargs or "{}"))
    return result.id
