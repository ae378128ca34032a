"""Periodic tasks, kept in django-celery-beat's tables where operators can see, pause
and re-time them. Apps register theirs in AppConfig.ready(); after every migrate the
missing ones are created and existing ones (possibly edited by an operator) are left
alone.

    schedule_register("gold rates fetch", "inventory.market_rates_fetch", every=300)
"""

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    every: int  # seconds
    description: str = ""
    args: tuple = ()


_schedules: dict[str, Schedule] = {}


def schedule_register(name: str, task: str, *, every: int, description: str = "",
                      args: list | tuple = ()) -> None:
    _schedules[name] = Schedule(name, task, every, description, tuple(args))


def schedules() -> list[Schedule]:
    return sorted(_schedules.values(), key=lambda s: s.name)


def schedules_ensure(**kwargs: Any) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for schedule in schedules():
        if PeriodicTask.objects.filter(name=schedule.name).exists():
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=schedule.every, period="seconds"
        )
        PeriodicTask.objects.create(
            name=schedule.name, task=schedule.task, interval=interval,
            description=schedule.description, args=json.dumps(list(schedule.args)),
        )
