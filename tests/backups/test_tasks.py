"""Backup runs as Celery tasks: a real worker exports; a worker killed mid-upload
leaves no completed run and, once reconciled, no unfinished multipart upload and no
object at the target (acceptance 5)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from backups import services, tasks
from backups.models import BackupRun
from tests.factories import shop

from .conftest import s3_client, s3_spec

pytestmark = pytest.mark.worker


def test_a_worker_runs_an_export_to_completion(celery_worker_running, two_targets) -> None:  # noqa: ANN001
    a = shop("Task shop")
    run = services.backup_run_start(kind=BackupRun.Kind.TENANT_EXPORT, tenant=a.tenant)
    assert tasks.tenant_export.delay(str(run.pk)).get(timeout=60) == "completed"
    run.refresh_from_db()
    assert run.state == BackupRun.State.COMPLETED and run.finished_at and run.progress == 100
    assert set(run.targets) == {"local", "cloud"}


def _worker_env(tmp_path: Path, endpoint: str, bucket: str) -> dict[str, str]:
    url = urlsplit(os.environ["DATABASE_URL"])
    test_db = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_db,
        "BACKUP_ENCRYPTION_KEY": settings.BACKUP_ENCRYPTION_KEY,
        "BACKUP_TARGETS": f"cloud=s3://{bucket}/zargar",
        "BACKUP_TARGET_CLOUD_ENDPOINT_URL": endpoint,
        "BACKUP_TARGET_CLOUD_ACCESS_KEY_ID": "testing",
        "BACKUP_TARGET_CLOUD_SECRET_ACCESS_KEY": "testing",
        "BACKUP_TARGET_CLOUD_REGION": "us-east-1",
        "BACKUP_S3_PART_SIZE": "1024",  # many small parts: a long upload to kill
        "BACKUP_SCRATCH_DIR": str(tmp_path / "worker-scratch"),
    }


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_upload_leaves_nothing_finished(
    backup_settings, tmp_path: Path, moto_endpoint: str, bucket: str  # noqa: ANN001
) -> None:
    a = shop("Killed shop")
    backup_settings.BACKUP_TARGETS = [s3_spec("cloud", moto_endpoint, bucket)]
    s3 = s3_client(moto_endpoint)
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker",
         "--pool=solo", "--loglevel=WARNING", "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        env=_worker_env(tmp_path, moto_endpoint, bucket), cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        run = services.backup_run_start(kind=BackupRun.Kind.TENANT_EXPORT, tenant=a.tenant)
        tasks.tenant_export.delay(str(run.pk))
        deadline = time.monotonic() + 90
        while not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"):
            run.refresh_from_db()
            assert run.is_running, f"the export finished before it could be killed: {run.state}"
            assert time.monotonic() < deadline, "the worker never started uploading"
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)

    run.refresh_from_db()
    assert run.state == BackupRun.State.STARTED  # never "completed"
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0  # nothing visible
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads")  # the dead upload

    assert tasks.backup_runs_reconcile(stale_after=0) == 1
    run.refresh_from_db()
    assert run.state == BackupRun.State.FAILED and "worker" in run.error
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
