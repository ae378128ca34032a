"""Periodic tasks Zargar needs, kept in django-celery-beat's tables where operators
can see, pause and re-time them. Ensured after every migrate: missing ones are
created, existing ones (possibly edited by an operator) are left alone."""

from typing import Any

SCHEDULES = [
    # (name, task, every seconds, description)
    ("worker heartbeat", "tenants.worker_heartbeat", 60,
     "Proves a worker reaches PostgreSQL and Redis."),
]


def schedules_ensure(**kwargs: Any) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for name, task, seconds, description in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.create(name=name, task=task, interval=interval,
                                    description=description)
