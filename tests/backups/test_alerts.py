"""Backup alerts (backups/alerts.py): raised in-app and e-mailed to platform admins on
a failed run, a target down (the run is degraded, acceptance 4), a size off the previous
comparable backup by more than 20%, new WAL archiver failures and overdue backups; they
resolve themselves when a later run of the same kind succeeds."""

import os
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from backups import alerts, services
from backups.models import BackupAlert, BackupRun, BackupWatermark
from crm.models import Customer
from tenants.context import tenant_context
from tenants.models import Tenant
from tests.factories import platform_admin, shop

from .conftest import moto_start, s3_client, s3_spec


def open_alerts(kind: str) -> list[BackupAlert]:
    return list(BackupAlert.objects.filter(kind=kind, resolved_at__isnull=True))


def test_a_failed_backup_raises_an_alert_emailed_to_platform_admins(
    db, backup_settings, django_capture_on_commit_callbacks, tmp_path  # noqa: ANN001
) -> None:
    admin = platform_admin()
    a = shop("Failing shop")
    backup_settings.BACKUP_TARGETS = [s3_spec("down", "http://127.0.0.1:9", "nowhere")]
    with django_capture_on_commit_callbacks(execute=True):
        run = services.tenant_export_create(tenant=a.tenant)
    assert run.state == BackupRun.State.FAILED

    [alert] = open_alerts(BackupAlert.Kind.FAILURE)
    assert alert.key == f"failure:tenant_export:{a.tenant.pk}" and alert.run == run
    assert a.tenant.slug in alerts.alert_text(alert)
    assert alert.emailed_at is not None
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert a.tenant.slug in mail.outbox[0].body

    # The same failure again counts on the open alert (no second e-mail) ...
    with django_capture_on_commit_callbacks(execute=True):
        services.tenant_export_create(tenant=a.tenant)
    [alert] = open_alerts(BackupAlert.Kind.FAILURE)
    assert alert.times == 2 and len(mail.outbox) == 1
    # ... and a good export of that shop resolves it.
    backup_settings.BACKUP_TARGETS = [{"name": "local", "kind": "local",
                                       "path": str(tmp_path / "local-target")}]
    assert services.tenant_export_create(tenant=a.tenant).state == BackupRun.State.COMPLETED
    assert open_alerts(BackupAlert.Kind.FAILURE) == []


def test_a_target_going_down_degrades_the_run_and_raises_an_alert(
    db, backup_settings, moto_endpoint, bucket  # noqa: ANN001
) -> None:
    a = shop("Degraded shop")
    proc, second = moto_start()  # a second S3 service, which then goes down
    try:
        s3_client(second).create_bucket(Bucket="second")
        backup_settings.BACKUP_TARGETS = [*backup_settings.BACKUP_TARGETS,
                                          s3_spec("cloud", moto_endpoint, bucket),
                                          s3_spec("second", second, "second")]
        first = services.tenant_export_create(tenant=a.tenant)
        assert first.state == BackupRun.State.COMPLETED, first.error
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    run = services.tenant_export_create(tenant=a.tenant)
    assert run.state == BackupRun.State.DEGRADED
    assert {n: t["state"] for n, t in run.targets.items()} == {
        "local": "ok", "cloud": "ok", "second": "failed"}
    [alert] = open_alerts(BackupAlert.Kind.TARGET_DOWN)
    assert alert.params["targets"] == ["second"] and alert.run == run
    assert "second" in alerts.alert_text(alert)
    # The export completed on the others: it still opens from a good copy.
    assert services.export_verify(services.export_open(run))["tenant"]["id"] == str(a.tenant.pk)


def test_size_off_the_previous_comparable_backup_by_more_than_20_percent(db) -> None:  # noqa: ANN001
    a, b = shop("Growing shop"), shop("Other shop")
    first = services.tenant_export_create(tenant=a.tenant)
    services.tenant_export_create(tenant=b.tenant)  # another shop is not comparable
    same = services.tenant_export_create(tenant=a.tenant)
    assert abs(same.size_bytes - first.size_bytes) / first.size_bytes <= 0.2
    assert open_alerts(BackupAlert.Kind.SIZE_DEVIATION) == []

    with tenant_context(a.tenant):  # incompressible notes: the export grows a lot
        Customer.objects.filter(pk=a.extra["customer"].pk).update(notes=os.urandom(40_000).hex())
    grown = services.tenant_export_create(tenant=a.tenant)
    [alert] = open_alerts(BackupAlert.Kind.SIZE_DEVIATION)
    assert alert.run == grown and alert.params["previous"] == same.size_bytes
    assert int(alert.params["percent"]) > 20
    assert "%" in alerts.alert_text(alert)


def test_a_database_copy_much_smaller_than_the_last_raises_a_size_alert(db) -> None:  # noqa: ANN001
    """The daily pg_dump copy is compared with the previous good one, like the others:
    a copy that shrank by half (a table missing from it?) is worth a look."""
    now = timezone.now()

    def copy(size: int, hours_ago: int) -> BackupRun:
        run = BackupRun.objects.create(kind=BackupRun.Kind.DUMP,
                                       state=BackupRun.State.COMPLETED, size_bytes=size,
                                       finished_at=now)
        BackupRun.objects.filter(pk=run.pk).update(started_at=now - timedelta(hours=hours_ago))
        run.refresh_from_db()
        alerts.alerts_for_run_finished(run)
        return run

    copy(1_000_000, 48)
    copy(1_100_000, 24)  # +10 %: normal growth
    assert open_alerts(BackupAlert.Kind.SIZE_DEVIATION) == []
    shrunk = copy(500_000, 0)
    [alert] = open_alerts(BackupAlert.Kind.SIZE_DEVIATION)
    assert alert.run == shrunk and alert.params["previous"] == 1_100_000
    assert alert.params["run_kind"] == BackupRun.Kind.DUMP and int(alert.params["percent"]) < -20


def test_new_wal_archiver_failures_raise_an_alert(db) -> None:  # noqa: ANN001
    with connection.cursor() as cursor:
        cursor.execute("SELECT failed_count, stats_reset FROM pg_stat_archiver")
        failed, reset = cursor.fetchone()
    reset_iso = reset.isoformat() if reset else ""
    # What the server reports now is the baseline: nothing new, no alert.
    BackupWatermark.objects.create(name="archiver",
                                   value={"failed_count": failed, "stats_reset": reset_iso})
    assert alerts.archiver_check() is None

    # The last look saw one failure fewer than the server reports: one new failure.
    BackupWatermark.objects.filter(name="archiver").update(
        value={"failed_count": failed - 1, "stats_reset": reset_iso})
    alert = alerts.archiver_check()
    assert alert is not None and alert.kind == BackupAlert.Kind.ARCHIVE_FAILURE
    assert alert.params["new"] == 1 and alert.params["total"] == failed
    assert BackupWatermark.objects.get(name="archiver").value["failed_count"] == failed
    # Looking again without a new failure raises nothing more.
    assert alerts.archiver_check() is None
    assert BackupAlert.objects.get(key="archive").times == 1


def test_overdue_backups_raise_stale_alerts_until_a_good_run(db) -> None:  # noqa: ANN001
    a = shop("Overdue shop")
    young = shop("Young shop")
    Tenant.objects.filter(pk=a.tenant.pk).update(
        created_at=timezone.now() - timedelta(days=3))

    alerts.stale_check()
    keys = {x.key for x in open_alerts(BackupAlert.Kind.STALE)}
    assert f"stale:tenant_export:{a.tenant.pk}" in keys
    assert f"stale:tenant_export:{young.tenant.pk}" not in keys  # created just now
    assert {"stale:full:cluster", "stale:diff:cluster", "stale:verify:cluster"} <= keys

    run = services.tenant_export_create(tenant=a.tenant)
    assert not BackupAlert.objects.filter(key=f"stale:tenant_export:{a.tenant.pk}",
                                          resolved_at__isnull=True).exists()
    # A good export two days old is overdue again.
    BackupRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timedelta(days=2))
    alerts.stale_check()
    alert = BackupAlert.objects.get(key=f"stale:tenant_export:{a.tenant.pk}",
                                    resolved_at__isnull=True)
    assert alert.params["since"] and a.tenant.slug in alerts.alert_text(alert)

    # A full backup run counts for full and diff.
    full = services.backup_run_start(kind=BackupRun.Kind.FULL)
    services.backup_run_finish(run=full, state=BackupRun.State.COMPLETED, size_bytes=1000)
    keys = {x.key for x in open_alerts(BackupAlert.Kind.STALE)}
    assert "stale:full:cluster" not in keys and "stale:diff:cluster" not in keys


def test_the_daily_database_copy_is_watched_for_staleness(db, settings) -> None:  # noqa: ANN001
    """No portable copy (pg_dump) yet, or only an old one -> overdue; a fresh good one
    resolves it (when it finishes, and at the next look)."""
    key = "stale:dump:cluster"
    assert settings.BACKUP_STALE_HOURS["dump"] == 26  # the default: a day plus 2 h

    alerts.stale_check()
    alert = BackupAlert.objects.get(key=key, resolved_at__isnull=True)
    assert alert.params["run_kind"] == BackupRun.Kind.DUMP and not alert.params["since"]
    assert "Portable database copy" in alerts.alert_text(alert)

    # A real copy (pg_dump to the local target) resolves it when it finishes.
    from backups.dumps import cluster_dump_run

    run = cluster_dump_run(run=services.backup_run_start(kind=BackupRun.Kind.DUMP))
    assert run.state == BackupRun.State.COMPLETED, run.error
    assert not BackupAlert.objects.filter(key=key, resolved_at__isnull=True).exists()
    alerts.stale_check()
    assert not BackupAlert.objects.filter(key=key, resolved_at__isnull=True).exists()

    # The same copy 27 hours later: overdue again, saying since when.
    BackupRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timedelta(hours=27))
    alerts.stale_check()
    alert = BackupAlert.objects.get(key=key, resolved_at__isnull=True)
    assert alert.params["since"] and alert.params["hours"] == "26"
    # A failed copy does not count; a fresh good one resolves it at the next look.
    failed = services.backup_run_start(kind=BackupRun.Kind.DUMP)
    services.backup_run_finish(run=failed, state=BackupRun.State.FAILED, error="pg_dump died")
    alerts.stale_check()
    assert BackupAlert.objects.filter(key=key, resolved_at__isnull=True).exists()
    BackupRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timedelta(hours=25))
    alerts.stale_check()
    assert not BackupAlert.objects.filter(key=key, resolved_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True, databases=["default", "platform"])
def test_platform_pages_show_open_alerts_and_an_operator_resolves_them(backup_settings) -> None:  # noqa: ANN001
    from tests.platform.conftest import verified_client

    admin = platform_admin()
    a = shop("Shown shop")
    backup_settings.BACKUP_TARGETS = [s3_spec("down", "http://127.0.0.1:9", "nowhere")]
    services.tenant_export_create(tenant=a.tenant)
    [alert] = open_alerts(BackupAlert.Kind.FAILURE)

    client = verified_client(admin)
    page = client.get("/platform/").content.decode()
    assert 'id="backup-alerts"' in page  # every platform page loads the banner
    banner = client.get("/platform/backups/alerts/banner/").content.decode()
    assert 'data-testid="backup-alert-banner"' in banner and a.tenant.slug in banner
    listing = client.get("/platform/backups/").content.decode()
    assert 'data-alert="failure"' in listing and a.tenant.slug in listing

    assert client.post(f"/platform/backups/alerts/{alert.pk}/resolve/").status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_at is not None and alert.resolved_by == admin
    assert "backup-alert-banner" not in client.get("/platform/backups/alerts/banner/").content.decode()
    # Shop users never see the banner.
    client.force_login(a.owner)
    assert client.get("/platform/backups/alerts/banner/").status_code == 403
