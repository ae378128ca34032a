"""The image's processes really run here: the Procfile's web command (gunicorn with
config/gunicorn.py, production settings, multiprocess metrics), the exec probes of
worker and beat (config/probes.py), and the PgBouncer switch in settings."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config import probes

from .checks import BIN, ROOT, parse_procfile


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": "localhost"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def test_procfile_web_command_serves_health_and_summed_metrics(tmp_path: Path) -> None:
    port = _free_port()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "stale_counter_1.db").write_bytes(b"left over by a previous life")
    command = parse_procfile()["web"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "DJANGO_ALLOWED_HOSTS": "localhost",
    }
    server = subprocess.Popen(
        [str(BIN / command[0]), *command[1:]],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/health/live/")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {server.stderr.read()}")
                time.sleep(0.2)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        for _ in range(20):
            assert _get(f"http://127.0.0.1:{port}/health/live/")[0] == 200
        # gunicorn emptied the directory when it started (no stale counters).
        assert not (metrics_dir / "stale_counter_1.db").exists()
        status, text = _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        # One series for all workers (multiprocess mode), counting every request above.
        counts = re.findall(
            r'^django_http_requests_total_by_method_total\{method="GET"\} (\S+)$', text, re.M
        )
        assert len(counts) == 1 and float(counts[0]) >= 21
        assert any(metrics_dir.iterdir())
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.worker
def test_worker_probe_finds_its_own_worker(celery_worker_running) -> None:
    assert probes.worker_alive(celery_worker_running.hostname, timeout=30) is True
    assert probes.worker_alive("worker@no-such-host", timeout=1) is False


@pytest.mark.django_db
def test_beat_probe_checks_broker_and_database() -> None:
    assert probes.beat_dependencies_ok(timeout=5) is True


def test_beat_probe_fails_when_the_broker_is_gone() -> None:
    port = _free_port()  # nothing listens there
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "HEALTH_CHECK_TIMEOUT": "0.2",
    }
    result = subprocess.run(
        [sys.executable, "-m", "config.probes", "beat"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "beat:" in result.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "config.probes"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )
    assert usage.returncode == 2


@pytest.mark.parametrize("pooling", ["true", "false"])
def test_transaction_pooling_switch(pooling: str) -> None:
    code = (
        "import django, json; django.setup(); from django.conf import settings;"
        "print(json.dumps({a: [d.get('DISABLE_SERVER_SIDE_CURSORS', False),"
        " 'prepare_threshold' in d.get('OPTIONS', {}), d.get('OPTIONS', {}).get('prepare_threshold', 5)]"
        " for a, d in settings.DATABASES.items()}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DATABASE_TRANSACTION_POOLING": pooling,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    databases = json.loads(result.stdout.strip().splitlines()[-1])
    expected = [True, True, None] if pooling == "true" else [False, False, 5]
    assert databases == {"default": expected, "platform": expected}


@pytest.mark.parametrize(("pooling", "prepared", "expected"), [
    ("false", "", True),  # default: on
    ("true", "", False),  # behind a transaction pooler: off unless asked
    ("true", "true", True),  # PgBouncer 1.22+ with max_prepared_statements
    ("false", "false", False),
    ("false", "no", False),
])
def test_prepared_statements_switch(pooling: str, prepared: str, expected: bool) -> None:
    code = ("import django; django.setup(); from django.conf import settings;"
            "print(settings.PREPARED_STATEMENTS)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.prod",
           "DATABASE_TRANSACTION_POOLING": pooling, "DATABASE_PREPARED_STATEMENTS": prepared}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(expected)
