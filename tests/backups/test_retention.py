"""Retention of export copies at each target (backups/retention.py, task backups.expire):
copies past the retention go, the newest KEEP of every shop stay whatever their age,
per target, at a local directory and an S3 bucket (moto); the runs record it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backups import services, tasks
from backups.models import BackupRun
from backups.retention import export_copies_expire, export_retention_run
from backups.targets import target_get
from backups.wizard import _exports
from tests.factories import shop

from .conftest import s3_spec

pytestmark = pytest.mark.django_db


def aged_exports(s, days: list[int]) -> list[BackupRun]:  # noqa: ANN001
    runs = []
    for age in days:
        run = services.tenant_export_create(tenant=s.tenant)
        assert run.state == BackupRun.State.COMPLETED, run.error
        BackupRun.objects.filter(pk=run.pk).update(
            started_at=timezone.now() - timedelta(days=age))
        run.refresh_from_db()
        runs.append(run)
    return runs


def held(run: BackupRun, target: str) -> bool:
    return target_get(target).exists(run.targets[target]["key"])


@pytest.fixture
def world(two_targets, backup_settings):  # noqa: ANN001, ANN201
    backup_settings.BACKUP_EXPORT_RETENTION_DAYS = 30
    backup_settings.BACKUP_EXPORT_KEEP = 2
    a, b = shop("Shop A"), shop("Shop B")
    return {"a": aged_exports(a, [50, 1, 40, 10]), "b": aged_exports(b, [60, 45]),
            "shops": (a, b)}


def test_old_copies_go_and_the_newest_of_each_shop_stay(world, backup_settings) -> None:  # noqa: ANN001
    a50, a1, a40, a10 = world["a"]
    b60, b45 = world["b"]
    # The cloud target keeps only 1 copy per shop past its 30 days.
    backup_settings.BACKUP_TARGETS = [backup_settings.BACKUP_TARGETS[0],
                                      {**backup_settings.BACKUP_TARGETS[1], "keep": 1}]

    result = export_copies_expire()

    assert result["errors"] == []
    gone = {(d["run"], d["target"]) for d in result["deleted"]}
    assert gone == {(str(a50.pk), "local"), (str(a40.pk), "local"),
                    (str(a50.pk), "cloud"), (str(a40.pk), "cloud"), (str(b60.pk), "cloud")}
    for run in (a50, a40, a1, a10, b60, b45):
        run.refresh_from_db()
        for target in ("local", "cloud"):
            expect_gone = (str(run.pk), target) in gone
            assert held(run, target) is not expect_gone, (run, target)
            assert run.targets[target]["state"] == ("expired" if expect_gone else "ok")
    # Shop B's exports stopped 45 days ago: its last one is still everywhere.
    assert held(b45, "local") and held(b45, "cloud") and held(b60, "local")
    # Restores only see what is left.
    assert services.export_verify(services.export_open(a1))["tenant"]["id"] == str(
        world["shops"][0].tenant.pk)
    with pytest.raises(services.BackupError):
        services.export_open(a50)
    # A second pass finds nothing more to do.
    assert export_copies_expire()["deleted"] == []


def test_a_target_down_keeps_its_copies_marked_ok_and_degrades_the_run(world, backup_settings) -> None:  # noqa: ANN001
    a50 = world["a"][0]
    # Nothing listens on port 9; keep 0 there, so a50's copy is due.
    down = {**s3_spec("down", "http://127.0.0.1:9", "nowhere"), "keep": 0}
    backup_settings.BACKUP_TARGETS = [*backup_settings.BACKUP_TARGETS, down]
    BackupRun.objects.filter(pk=a50.pk).update(
        targets={**a50.targets, "down": {"state": "ok", "key": a50.file_name}})

    run = export_retention_run(run=services.backup_run_start(kind=BackupRun.Kind.EXPIRE))

    assert run.state == BackupRun.State.DEGRADED and "down" in run.error
    assert run.targets["down"]["state"] == "failed"
    assert run.targets["local"] == {"state": "ok", "expired": 2, "kept": 4}
    assert [e["target"] for e in run.details["errors"]] == ["down"]
    assert len(run.details["expired"]) == 4  # a50 and a40 at local and cloud
    a50.refresh_from_db()
    assert a50.targets["down"]["state"] == "ok"  # retried tomorrow
    assert a50.targets["local"]["state"] == "expired"


def test_the_daily_expire_task_applies_export_retention(world) -> None:  # noqa: ANN001
    a50 = world["a"][0]
    tasks.expire()
    run = BackupRun.objects.filter(kind=BackupRun.Kind.EXPIRE, details__exports=True).get()
    assert run.state == BackupRun.State.COMPLETED, run.error
    assert {d["run"] for d in run.details["expired"]} == {str(a50.pk), str(world["a"][2].pk)}
    assert not held(a50, "local") and not held(a50, "cloud")


@pytest.mark.django_db(transaction=True, databases=["default", "platform"])
def test_the_restore_wizard_offers_only_exports_with_a_copy_left(world) -> None:  # noqa: ANN001
    a50, a1, a40, a10 = world["a"]
    export_copies_expire()
    assert [r.pk for r in _exports(world["shops"][0].tenant)] == [a1.pk, a10.pk]


def test_each_target_may_have_its_own_retention(settings) -> None:  # noqa: ANN001
    from backups.retention import target_retention
    from backups.targets import target_build, targets_from_env

    specs = targets_from_env("local=file:///srv/x,r2=s3://bucket/p", environ={
        "BACKUP_TARGET_LOCAL_RETENTION_DAYS": "10", "BACKUP_TARGET_R2_KEEP": "3"})
    settings.BACKUP_EXPORT_RETENTION_DAYS, settings.BACKUP_EXPORT_KEEP = 35, 7
    local, r2 = (target_build(spec) for spec in specs)
    assert target_retention(local) == (10, 7)
    assert target_retention(r2) == (35, 3)
