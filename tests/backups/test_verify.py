"""Verification (acceptance 4, second half): pgbackrest verify is read from its output
(exit code 0 even with a damaged file) and a corrupted file in a repository raises an
alert; export copies are re-hashed at every target and a damaged copy is marked
corrupt (restores use a good one) and raises an alert."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from backups import pgbackrest, services
from backups.models import BackupAlert, BackupRun
from backups.targets import target_get
from backups.verify import backup_verify_run, exports_verify, pgbackrest_verify_parse
from tests.factories import shop

from .conftest import s3_client

# Real output of pgBackRest 2.45 `verify --output=text --verbose` (one file damaged).
DAMAGED = """stanza: zargar
status: error
  archiveId: none found
  backup: 20261206-171353F, status: invalid, total files checked: 2530, total valid files: 2529
    missing: 0, checksum invalid: 1, size invalid: 0, other: 0
  backup: 20261206-171353F_20261206-171358I, status: valid, total files checked: 2530, total valid files: 2530
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
"""
GOOD = """stanza: zargar
status: ok
  archiveId: 15-1, total WAL checked: 162, total valid WAL: 162
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
  backup: 20261206-171353F, status: valid, total files checked: 2530, total valid files: 2530
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
"""
# Without --verbose only the bad entries and non-zero counts are printed.
TERSE = """stanza: zargar
status: error
  archiveId: 15-1, total WAL checked: 10, total valid WAL: 9
    checksum invalid: 1
"""


def test_verify_output_is_parsed_not_trusted_by_exit_code() -> None:
    good = pgbackrest_verify_parse(GOOD)
    assert good["status"] == "ok" and good["problems"] == []
    assert good["archives"][0]["checked"] == 162 and good["backups"][0]["valid"] == 2530

    damaged = pgbackrest_verify_parse(DAMAGED)
    assert damaged["backups"][0]["checksum invalid"] == 1
    assert any("20261206-171353F:" in p or "20261206-171353F," in p
               for p in damaged["problems"]), damaged["problems"]
    assert len([p for p in damaged["problems"] if p.startswith("backup ")]) == 1

    terse = pgbackrest_verify_parse(TERSE)
    assert any(p.startswith("WAL 15-1") for p in terse["problems"])
    # Nothing printed (e.g. --output=none) or garbage is never "ok".
    assert pgbackrest_verify_parse("")["problems"]
    assert pgbackrest_verify_parse("stanza: zargar\nstatus: ok\nwhat is this\n")["problems"]


def _repo_copy(config: Path) -> Path:
    """A copy of the live repository's backup sets (hard links: instant, no space),
    beside it, with its own pgbackrest.conf; WAL is left out to keep verify short."""
    conf = config.read_text()
    repo = Path(next(line.split("=", 1)[1] for line in conf.splitlines()
                     if line.startswith("repo1-path=")))
    work = config.parent / "verify-tests" / uuid.uuid4().hex[:12]
    (work / "repo" / "archive" / "zargar").mkdir(parents=True)
    subprocess.run(["cp", "-al", str(repo / "backup"), str(work / "repo")], check=True)
    for info in (repo / "archive" / "zargar").glob("archive.info*"):
        shutil.copy2(info, work / "repo" / "archive" / "zargar")
    for sub in ("lock", "log", "spool"):
        (work / sub).mkdir()
    lines = []
    for line in conf.splitlines():
        key = line.split("=", 1)[0]
        if key == "repo1-path":
            line = f"repo1-path={work / 'repo'}"
        elif key in ("lock-path", "log-path", "spool-path"):
            line = f"{key}={work / key.removesuffix('-path')}"
        lines.append(line)
    (work / "pgbackrest.conf").write_text("\n".join(lines) + "\n")
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(work)], check=True)
    return work


def _damage(path: Path) -> None:
    """Replace the file with a copy that has a few bytes changed (a new inode: the live
    repository's hard-linked original stays intact)."""
    data = bytearray(path.read_bytes())
    at = min(100, len(data) - 8)
    data[at:at + 7] = b"garbage"
    tmp = path.with_name(path.name + ".damaged")
    tmp.write_bytes(bytes(data))
    shutil.copystat(path, tmp)
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    tmp.replace(path)


@pytest.mark.django_db
def test_a_corrupted_file_in_the_pgbackrest_repository_raises_an_alert(settings) -> None:  # noqa: ANN001
    live = Path(settings.BACKUP_PGBACKREST_CONFIG)
    if not pgbackrest.cluster_info().get("backup"):
        pgbackrest.cluster_backup("full")  # a fresh cluster: one set to verify
    work = _repo_copy(live)
    try:
        settings.BACKUP_PGBACKREST_CONFIG = work / "pgbackrest.conf"
        run = backup_verify_run(run=services.backup_run_start(kind=BackupRun.Kind.VERIFY))
        assert run.state == BackupRun.State.COMPLETED, run.error
        assert run.details["pgbackrest"]["status"] == "ok"
        assert run.details["pgbackrest"]["backups"] >= 1
        assert not BackupAlert.objects.filter(kind=BackupAlert.Kind.CORRUPT).exists()

        victim = next(p for p in sorted((work / "repo" / "backup" / "zargar").rglob("*.zst"))
                      if p.stat().st_size > 200)
        _damage(victim)
        run = backup_verify_run(run=services.backup_run_start(kind=BackupRun.Kind.VERIFY))
        assert run.state == BackupRun.State.DEGRADED
        assert run.details["pgbackrest"]["status"] == "error"
        alert = BackupAlert.objects.get(key="corrupt:pgbackrest:repo1", resolved_at__isnull=True)
        assert alert.kind == BackupAlert.Kind.CORRUPT and "checksum invalid" in alert.params["error"]
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.django_db
def test_a_damaged_export_copy_is_detected_marked_and_alerted(two_targets, moto_endpoint, bucket) -> None:  # noqa: ANN001
    a = shop("Verified shop")
    run = services.tenant_export_create(tenant=a.tenant)
    assert run.state == BackupRun.State.COMPLETED
    assert exports_verify() == {"checked": 2, "bad": []}

    # Flip bytes in the local copy; replace the cloud copy with a shorter object.
    _damage(Path(target_get("local").location(run.file_name)))
    s3 = s3_client(moto_endpoint)
    key = run.targets["cloud"]["key"]
    stored = next(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]
                  if o["Key"].endswith(key))
    body = s3.get_object(Bucket=bucket, Key=stored)["Body"].read()
    s3.put_object(Bucket=bucket, Key=stored, Body=body[:-100])

    result = exports_verify()
    assert result["checked"] == 2 and {b["target"] for b in result["bad"]} == {"local", "cloud"}
    run.refresh_from_db()
    assert {n: t["state"] for n, t in run.targets.items()} == {"local": "corrupt", "cloud": "corrupt"}
    keys = set(BackupAlert.objects.filter(kind=BackupAlert.Kind.CORRUPT,
                                          resolved_at__isnull=True).values_list("key", flat=True))
    assert keys == {f"corrupt:export:{run.pk}:local", f"corrupt:export:{run.pk}:cloud"}
    # Known-bad copies are not offered for a restore and not re-checked every hour.
    with pytest.raises(services.BackupError):
        services.export_open(run)
    assert exports_verify() == {"checked": 0, "bad": []}
