"""Cluster backups into three pgBackRest repositories (issue 9, acceptance 4 for the
physical backups): repo1 on local disk, repo2 and repo3 on S3 (moto servers behind
stunnel4), each encrypted with its own passphrase. All real: pgbackrest, PostgreSQL,
stunnel4, moto (tests/backups/cloud_repos.py).

- the backup task backs up into every repository and records each as a target;
- one S3 repository down -> the backup completes on the others, degraded, alerted
  (in-app and e-mail); expire goes on in the others; verify names the one it could
  not read;
- `pgbackrest verify` runs per repository and finds a damaged object in S3;
- WAL archiving really fails while a repository is down: pg_stat_archiver.failed_count
  rises and the periodic check (task backups.watch) raises its alert.
"""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core import mail

from backups import alerts, pgbackrest, services, tasks
from backups.drills import backup_expire_run
from backups.models import BackupAlert, BackupRun, BackupWatermark
from backups.pgbackrest import _free_port
from backups.verify import backup_verify_run
from tests.factories import platform_admin

from .cloud_repos import (
    CloudCluster,
    chown_postgres,
    cloud_cluster_start,
    cloud_cluster_stop,
    repo_options,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def cloud_cluster() -> Iterator[CloudCluster]:
    cluster = cloud_cluster_start()
    yield cluster
    cloud_cluster_stop(cluster)


@pytest.fixture
def cloud(cloud_cluster: CloudCluster, settings) -> Iterator[CloudCluster]:  # noqa: ANN001
    settings.BACKUP_PGBACKREST_CONFIG = cloud_cluster.config
    settings.BACKUP_ARCHIVER_CONNINFO = cloud_cluster.conninfo()
    yield cloud_cluster
    for svc in cloud_cluster.services.values():  # every repository up for the next test
        if svc.stunnel is None:
            svc.tls_start()


def open_alerts(kind: str) -> list[BackupAlert]:
    return list(BackupAlert.objects.filter(kind=kind, resolved_at__isnull=True))


def _backup(kind: str) -> BackupRun:
    run = services.backup_run_start(kind=kind)
    tasks.cluster_backup(str(run.pk))
    run.refresh_from_db()
    return run


def _wait(what: str, check, timeout: float = 150) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def _archiver(cloud: CloudCluster) -> tuple:
    return cloud.sql("SELECT failed_count, last_failed_wal, last_failed_time, "
                     "last_archived_time, archived_count FROM pg_stat_archiver")


def _write_and_switch(cloud: CloudCluster) -> None:
    """New WAL, then a segment switch: PostgreSQL hands a segment to archive_command."""
    cloud.sql("CREATE TABLE IF NOT EXISTS t (x int)", "INSERT INTO t VALUES (1)",
              "SELECT pg_switch_wal()")


def test_the_config_writer_bundles_s3_repositories_unless_told_otherwise() -> None:
    assert repo_options({"PGBACKREST_REPO2_TYPE": "s3", "PGBACKREST_REPO2_S3_BUCKET": "b",
                         "PGBACKREST_REPO3_TYPE": "s3", "PGBACKREST_REPO3_BUNDLE": "n",
                         "PGBACKREST_REPO4_TYPE": "posix", "PGBACKREST_IO_TIMEOUT": "15"}) == [
        "io-timeout=15", "repo2-bundle=y", "repo2-s3-bucket=b", "repo2-type=s3",
        "repo3-bundle=n", "repo3-type=s3", "repo4-type=posix"]
    assert repo_options({}) == []


def test_the_backup_goes_to_local_disk_and_both_s3_repositories_encrypted(cloud) -> None:  # noqa: ANN001
    assert pgbackrest.repos() == [1, 2, 3]
    run = _backup(BackupRun.Kind.FULL)
    assert run.state == BackupRun.State.COMPLETED, run.error
    assert {n: t["state"] for n, t in run.targets.items()} == {
        "repo1": "ok", "repo2": "ok", "repo3": "ok"}
    assert all(t["type"] == "full" and t["size"] > 0 for t in run.targets.values())
    assert run.file_name == run.targets["repo1"]["location"]

    info = pgbackrest.cluster_info()
    assert [(r["key"], r["status"]["code"], r["cipher"]) for r in info["repo"]] == [
        (1, 0, "none"), (2, 0, "aes-256-cbc"), (3, 0, "aes-256-cbc")]
    labels = {(b["database"]["repo-key"], b["label"]) for b in info["backup"]}
    for n in (1, 2, 3):
        assert (n, run.targets[f"repo{n}"]["location"]) in labels

    # At rest in S3 everything is encrypted (openssl-style "Salted__" files); the local
    # repository is not (its disk is the cluster's own).
    assert "[backrest]" in (cloud.work / "repo" / "backup" / "zargar" / "backup.info").read_text()
    for n, svc in cloud.services.items():
        body = svc.client().get_object(
            Bucket=svc.bucket, Key=f"zargar/repo{n}/backup/zargar/backup.info")["Body"].read()
        assert body.startswith(b"Salted__") and b"[backrest]" not in body
        # Bundled (repoN-bundle=y, which scripts/services.sh turns on for S3): the ~1000
        # files of the cluster are a few objects, not one PUT each.
        label = run.targets[f"repo{n}"]["location"]
        listed = svc.client().list_objects_v2(
            Bucket=svc.bucket, Prefix=f"zargar/repo{n}/backup/zargar/{label}/")
        keys = [o["Key"] for o in listed["Contents"]]
        assert any("/bundle/" in k for k in keys) and len(keys) < 100, len(keys)


def test_verify_runs_per_repository_and_finds_a_damaged_object_in_s3(cloud) -> None:  # noqa: ANN001
    info = pgbackrest.cluster_info()
    if {b["database"]["repo-key"] for b in info.get("backup", [])} != {1, 2, 3}:
        assert _backup(BackupRun.Kind.FULL).state == BackupRun.State.COMPLETED
    svc = cloud.services[3]
    s3 = svc.client()
    objects = s3.list_objects_v2(Bucket=svc.bucket, Prefix="zargar/repo3/backup/zargar/")
    victim = max((o for o in objects["Contents"] if "/bundle/" in o["Key"]),
                 key=lambda o: o["Size"])["Key"]
    original = s3.get_object(Bucket=svc.bucket, Key=victim)["Body"].read()
    damaged = bytearray(original)
    damaged[len(damaged) // 2:len(damaged) // 2 + 16] = b"garbage-garbage!"
    s3.put_object(Bucket=svc.bucket, Key=victim, Body=bytes(damaged))
    try:
        run = backup_verify_run(run=services.backup_run_start(kind=BackupRun.Kind.VERIFY),
                                cluster=True)
    finally:
        s3.put_object(Bucket=svc.bucket, Key=victim, Body=original)
    repos = run.details["pgbackrest"]["repos"]
    assert {n: r["status"] for n, r in repos.items()} == {
        "repo1": "ok", "repo2": "ok", "repo3": "error"}
    assert all(r["backups"] >= 1 for r in repos.values())
    assert run.state == BackupRun.State.DEGRADED
    [alert] = open_alerts(BackupAlert.Kind.CORRUPT)
    assert alert.key == "corrupt:pgbackrest:repo3"
    assert "invalid" in alert.params["error"] and "zargar-b2" in alert.params["where"]



def test_a_cloud_repository_alone_restores_the_cluster(cloud, settings) -> None:  # noqa: ANN001
    """The local disk is lost: restore from repo2 (S3) with a config that knows only
    repo2 (`pgbackrest restore --repo=2` into a scratch data directory, WAL from repo2
    too), start it on a free port and read back a row written before the backup."""
    marker = f"before the backup {uuid.uuid4()}"
    cloud.sql("CREATE TABLE IF NOT EXISTS restore_check (note text)",
              f"INSERT INTO restore_check VALUES ('{marker}')", "SELECT 1")
    backup = pgbackrest.cluster_backup("full", repo=2)
    assert backup["type"] == "full" and backup["database"]["repo-key"] == 2

    only_repo2 = cloud.work / "repo2-only.conf"
    only_repo2.write_text("".join(
        line + "\n" for line in cloud.config.read_text().splitlines()
        if not line.startswith(("repo1-", "repo3-"))))
    only_repo2.chmod(0o600)
    chown_postgres(only_repo2)
    settings.BACKUP_PGBACKREST_CONFIG = only_repo2
    assert pgbackrest.repos() == [2]

    started = time.monotonic()
    side = pgbackrest.cluster_restore_to(repo=2, backup_set=backup["label"])
    try:
        rto = time.monotonic() - started
        with psycopg.connect(side.conninfo("postgres"), autocommit=True) as conn:
            notes = [r[0] for r in conn.execute("SELECT note FROM restore_check")]
            restore_command = conn.execute("SHOW restore_command").fetchone()[0]
        assert marker in notes
        # Its WAL came through the repo2-only configuration (archive-get from S3).
        assert str(only_repo2) in restore_command, restore_command
    finally:
        side.stop()
    assert not side.path.exists()
    print(f"restore from repo2 (S3 on moto): {rto:.1f} s to a promoted cluster")


def _repo3_down_config(cloud: CloudCluster) -> Path:
    """The cluster's configuration with repo3 at a port nobody listens on: what our
    backup, expire and verify see when that repository is down (connection refused).

    The cluster's own archive_command keeps the real configuration, so WAL archiving
    goes on into all three. With repo3 down for archive-push too, every WAL wait of
    the backups lasts a failing archive-push round (about 9 s each, 110 s for this
    test); that case, archiving failing for real, is the next test's."""
    port = cloud.services[3].port
    closed = _free_port()
    config = cloud.work / "pgbackrest-repo3-down.conf"
    config.write_text(cloud.config.read_text().replace(
        f"repo3-storage-port={port}\n", f"repo3-storage-port={closed}\n"))
    assert f"repo3-storage-port={closed}" in config.read_text()
    config.chmod(0o600)
    chown_postgres(config)
    return config


@pytest.mark.timeout(600)
def test_one_s3_repository_down_the_backup_completes_on_the_others_degraded_and_alerted(
    cloud, settings, django_capture_on_commit_callbacks  # noqa: ANN001
) -> None:
    admin = platform_admin()
    settings.BACKUP_PGBACKREST_CONFIG = _repo3_down_config(cloud)
    with django_capture_on_commit_callbacks(execute=True):
        run = _backup(BackupRun.Kind.INCR)
    assert run.state == BackupRun.State.DEGRADED, run.error
    assert {n: t["state"] for n, t in run.targets.items()} == {
        "repo1": "ok", "repo2": "ok", "repo3": "failed"}
    assert "Connection refused" in run.targets["repo3"]["error"]
    assert run.file_name == run.targets["repo1"]["location"]
    # The copies that were made are real backup sets of their repositories.
    for n in (1, 2):
        labels = [b["label"] for b in pgbackrest.cluster_info(n)["backup"]]
        assert run.targets[f"repo{n}"]["location"] in labels

    [alert] = open_alerts(BackupAlert.Kind.TARGET_DOWN)
    assert alert.key == "target_down:incr:cluster" and alert.params["targets"] == ["repo3"]
    assert alert.emailed_at is not None
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert "repo3" in mail.outbox[0].body

    # Retention goes on in the repositories that can be reached.
    run = backup_expire_run(run=services.backup_run_start(kind=BackupRun.Kind.EXPIRE))
    assert run.state == BackupRun.State.DEGRADED
    assert {n: t["state"] for n, t in run.targets.items()} == {
        "repo1": "ok", "repo2": "ok", "repo3": "failed"}

    # Verification says which repository it could not read. (repo2 left out of this
    # config only to keep the test short: verify of an S3 repository reads every file.)
    config = cloud.work / "pgbackrest-repo1-repo3.conf"
    config.write_text("".join(
        line for line in settings.BACKUP_PGBACKREST_CONFIG.read_text().splitlines(True)
        if not line.startswith("repo2-")))
    chown_postgres(config)
    settings.BACKUP_PGBACKREST_CONFIG = config
    run = backup_verify_run(run=services.backup_run_start(kind=BackupRun.Kind.VERIFY),
                            cluster=True)
    assert {n: r["status"] for n, r in run.details["pgbackrest"]["repos"].items()} == {
        "repo1": "ok", "repo3": "unreachable"}
    assert run.state == BackupRun.State.DEGRADED
    alert = BackupAlert.objects.get(key="target_down:verify:repo3", resolved_at__isnull=True)
    assert alerts.alert_text(alert).startswith("Verification could not read repo3")



def test_a_real_wal_archiving_failure_raises_the_archive_alert(cloud) -> None:  # noqa: ANN001
    failed, *_ = _archiver(cloud)
    reset = cloud.sql("SELECT stats_reset FROM pg_stat_archiver")[0]
    # What the server reports now is the baseline of the periodic check.
    BackupWatermark.objects.create(name="archiver", value={
        "failed_count": failed, "stats_reset": reset.isoformat() if reset else ""})

    cloud.services[3].tls_stop()  # repo3 unreachable: archive-push fails for real
    _write_and_switch(cloud)
    _wait("pg_stat_archiver.failed_count to rise", lambda: _archiver(cloud)[0] > failed)
    now_failed, wal, *_ = _archiver(cloud)

    assert tasks.watch()["archive"] == 1
    [alert] = open_alerts(BackupAlert.Kind.ARCHIVE_FAILURE)
    assert alert.key == "archive" and alert.params["total"] >= now_failed
    assert alert.params["new"] >= 1 and alert.params["wal"]

    # repo3 back: archiving catches up, and the next look resolves the alert.
    cloud.services[3].tls_start()
    _write_and_switch(cloud)

    def archiving_again() -> bool:
        _f, _w, failed_at, archived_at, _n = _archiver(cloud)
        return archived_at is not None and (failed_at is None or archived_at > failed_at)

    _wait("archiving to succeed again", archiving_again)
    # The first look after the repair still counts the failures since the previous
    # look on the open alert; with no new failure, the next look resolves it.
    tasks.watch()
    if open_alerts(BackupAlert.Kind.ARCHIVE_FAILURE):
        tasks.watch()
    assert open_alerts(BackupAlert.Kind.ARCHIVE_FAILURE) == []
