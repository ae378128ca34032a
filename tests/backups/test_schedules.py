"""The backup jobs are in django-celery-beat (created idempotently after migrate, like
every app's: tenants/schedules.py), and the drill and expire tasks keep their books:
a failed drill is a failed run with an alert; expire records what it removed."""

import json

import pytest

from backups import tasks
from backups.drills import backup_drill_run, backup_expire_run
from backups.models import BackupAlert, BackupRun
from backups.services import backup_run_start

DAY = 24 * 3600
EXPECTED = {  # task, args -> seconds
    ("backups.cluster_backup_scheduled", ("full",)): 7 * DAY,
    ("backups.cluster_backup_scheduled", ("diff",)): DAY,
    ("backups.tenant_exports_all", ()): DAY,
    ("backups.cluster_dump", ()): DAY,
    ("backups.verify", ()): 3600,
    ("backups.drill", ()): 30 * DAY,
    ("backups.expire", ()): DAY,
    ("backups.watch", ()): 600,
    ("backups.reconcile", ()): 3600,
}


@pytest.mark.django_db
def test_backup_schedules_exist_once_and_keep_operator_edits() -> None:
    from django_celery_beat.models import PeriodicTask

    from tenants.schedules import schedules_ensure

    schedules_ensure()
    found = {(t.task, tuple(json.loads(t.args))): t.interval.every
             for t in PeriodicTask.objects.filter(task__startswith="backups.")}
    assert found == EXPECTED
    verify = PeriodicTask.objects.get(task="backups.verify")
    verify.enabled = False
    verify.save()
    schedules_ensure()
    schedules_ensure()
    assert PeriodicTask.objects.filter(task__startswith="backups.").count() == len(EXPECTED)
    verify.refresh_from_db()
    assert verify.enabled is False


@pytest.mark.django_db
def test_a_drill_that_cannot_restore_is_a_failed_run_with_an_alert() -> None:
    run = backup_run_start(kind=BackupRun.Kind.DRILL, reason="test")
    run = backup_drill_run(run=run, backup_set="20000101-000000F")  # no such set
    assert run.state == BackupRun.State.FAILED and "20000101-000000F" in run.error
    assert run.details["rpo_s"] >= 0 and "rto_s" not in run.details
    alert = BackupAlert.objects.get(key="failure:drill:cluster", resolved_at__isnull=True)
    assert alert.kind == BackupAlert.Kind.DRILL_FAILED


@pytest.mark.django_db
def test_expire_records_what_it_kept() -> None:
    run = backup_expire_run(run=backup_run_start(kind=BackupRun.Kind.EXPIRE))
    assert run.state == BackupRun.State.COMPLETED, run.error
    assert run.details["kept"] >= 0 and isinstance(run.details["expired"], list)
    assert tasks.expire.name == "backups.expire"
