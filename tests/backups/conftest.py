"""Backups tests: a fresh keyring per test, export files in tmp, and a real S3 API (a
moto server per xdist worker, like the cloud targets in production)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from backups.crypto import backup_key_generate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto S3 server in its own process. Multipart parts may be small (so tests can
    upload in many parts quickly)."""
    proc, endpoint = moto_start()
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)


def moto_start() -> tuple[subprocess.Popen, str]:
    """Start a moto S3 server; returns (process, endpoint). The caller stops it."""
    port = _free_port()
    env = {**os.environ, "S3_UPLOAD_PART_MIN_SIZE": "1024"}
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.05)
    return proc, endpoint


def s3_client(endpoint: str):  # noqa: ANN201
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def s3_spec(name: str, endpoint: str, bucket: str) -> dict:
    return {"name": name, "kind": "s3", "bucket": bucket, "prefix": "zargar",
            "endpoint_url": endpoint, "access_key_id": "testing",
            "secret_access_key": "testing", "region": "us-east-1"}


@pytest.fixture
def bucket(moto_endpoint: str, request: pytest.FixtureRequest) -> str:
    name = f"b-{abs(hash(request.node.nodeid)) % 10**10}-{time.monotonic_ns() % 10**6}"
    s3_client(moto_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture(autouse=True)
def backup_settings(settings, tmp_path: Path) -> dict:  # noqa: ANN001
    """A fresh key and a local target in tmp for every test."""
    settings.BACKUP_ENCRYPTION_KEY = backup_key_generate("k1")
    settings.BACKUP_ENCRYPTION_OLD_KEYS = []
    settings.BACKUP_SCRATCH_DIR = tmp_path / "scratch"
    settings.BACKUP_TARGETS = [{"name": "local", "kind": "local",
                                "path": str(tmp_path / "local-target")}]
    settings.TENANT_EXPORT_ROOT = tmp_path / "tenant-exports"
    return settings


@pytest.fixture
def two_targets(backup_settings, moto_endpoint: str, bucket: str) -> list[dict]:  # noqa: ANN001
    backup_settings.BACKUP_TARGETS = [*backup_settings.BACKUP_TARGETS,
                                      s3_spec("cloud", moto_endpoint, bucket)]
    return backup_settings.BACKUP_TARGETS
