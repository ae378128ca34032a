import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db(transaction=True)


def test_live_answers_without_touching_dependencies(client: Client) -> None:
    response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.worker
def test_ready_is_200_with_every_check_ok(client: Client, celery_worker_running: object) -> None:
    response = client.get("/health/ready/")
    body = response.json()
    assert response.status_code == 200, body
    assert body["failing"] == []
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "redis": True,
        "celery": True,
    }


def test_ready_is_503_naming_celery_without_worker(client: Client, settings) -> None:
    settings.HEALTH_CHECK_TIMEOUT = 0.3
    response = client.get("/health/ready/")
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["celery"]
    assert body["checks"]["database"]["ok"] is True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A Redis server of this test's own, so stopping it disturbs nobody else."""
    port = _free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    # Redis says when it is ready; read its log instead of guessing a delay.
    assert proc.stdout is not None
    for line in proc.stdout:
        if "Ready to accept connections" in line:
            break
    else:
        pytest.fail("private redis exited before it was ready")
    url = f"redis://127.0.0.1:{port}/0"
    yield url, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_ready_is_503_naming_redis_when_redis_is_stopped(
    client: Client, settings, private_redis: tuple[str, subprocess.Popen]
) -> None:
    url, proc = private_redis
    settings.REDIS_URL = url
    settings.HEALTH_CHECK_TIMEOUT = 0.3
    before = client.get("/health/ready/").json()
    assert before["checks"]["redis"]["ok"] is True

    proc.terminate()
    proc.wait(timeout=10)

    response = client.get("/health/ready/")
    body = response.json()
    assert response.status_code == 503
    assert "redis" in body["failing"]
    assert "ConnectionError" in body["checks"]["redis"]["error"]
    assert body["checks"]["database"]["ok"] is True


def test_metrics_exposes_prometheus_text(client: Client) -> None:
    client.get("/health/live/")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_view_transport_method_total" in response.content
