import pytest
from django.core.cache import cache

from tenants.tasks import HEARTBEAT_KEY, worker_heartbeat


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_heartbeat_runs_on_a_real_worker(celery_worker_running) -> None:
    cache.delete(HEARTBEAT_KEY)
    result = worker_heartbeat.delay()
    beat = result.get(timeout=20)
    # The worker (not this process) ran it: Redis carried it there and back.
    assert result.status == "SUCCESS"
    assert beat["database_time"]
    assert cache.get(HEARTBEAT_KEY) == beat


@pytest.mark.django_db
def test_heartbeat_is_scheduled_in_celery_beat_and_operator_edits_survive() -> None:
    from django_celery_beat.models import PeriodicTask

    from tenants.schedules import schedules_ensure

    schedules_ensure()  # what every migrate runs (post_migrate)
    task = PeriodicTask.objects.get(name="worker heartbeat")
    task.enabled = False
    task.save()
    schedules_ensure()
    task.refresh_from_db()
    assert task.enabled is False
    assert task.task == "tenants.worker_heartbeat"
    assert task.interval.every == 60
