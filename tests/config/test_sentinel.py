"""Redis through Sentinel (config/sentinel.py), against real servers: a master, a
replica and a Sentinel of this test's own, all with a password like k8s/base/redis.yaml.
The app (production settings in a child process) reaches the master for the cache,
the Celery broker and results, and the health check; after a failover it reaches the
new master without any change of configuration."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from config.sentinel import RedisTarget, celery_settings, parse_sentinels

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "test-sentinel-pw"
MASTER = "zargar"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        ["redis-server", *args], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    _until(lambda: _answers(port), f"redis on {port}", proc)
    return proc


def _answers(port: int) -> bool:
    try:
        return redis.Redis(port=port, password=PASSWORD, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def _until(condition, what: str, proc: subprocess.Popen | None = None, limit: float = 30) -> None:
    """Poll `condition` until it holds (servers say when they are ready; no fixed delay)."""
    deadline = time.monotonic() + limit
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: the process exited")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {limit:g} s")
        time.sleep(0.1)


@pytest.fixture
def sentinel_group(tmp_path: Path) -> Iterator[dict]:
    master_port, replica_port, sentinel_port = _free_port(), _free_port(), _free_port()
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
              "--requirepass", PASSWORD, "--masterauth", PASSWORD]
    procs = []
    try:
        (tmp_path / "m").mkdir()
        (tmp_path / "r").mkdir()
        procs.append(_start(["--port", str(master_port), "--dir", str(tmp_path / "m"), *common],
                            master_port))
        procs.append(_start(["--port", str(replica_port), "--dir", str(tmp_path / "r"), *common,
                             "--replicaof", "127.0.0.1", str(master_port)], replica_port))
        replica = redis.Redis(port=replica_port, password=PASSWORD)
        _until(lambda: replica.info("replication").get("master_link_status") == "up",
               "replication link")
        conf = tmp_path / "sentinel.conf"
        conf.write_text(
            f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
            f"requirepass {PASSWORD}\n"
            f"sentinel monitor {MASTER} 127.0.0.1 {master_port} 1\n"
            f"sentinel auth-pass {MASTER} {PASSWORD}\n"
            f"sentinel down-after-milliseconds {MASTER} 2000\n"
            f"sentinel failover-timeout {MASTER} 10000\n"
        )
        procs.append(_start([str(conf), "--sentinel"], sentinel_port))
        sentinel = redis.Redis(port=sentinel_port, password=PASSWORD, decode_responses=True)
        _until(lambda: sentinel.execute_command("SENTINEL", "REPLICAS", MASTER),
               "the Sentinel discovers the replica")
        yield {"master": master_port, "replica": replica_port, "sentinel": sentinel_port,
               "sentinel_client": sentinel}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


APP_SCRIPT = """
import json, sys, uuid
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from kombu import Connection
from config.celery import app
from config.health import check_redis
from config.sentinel import redis_client

label = sys.argv[1]
cache.set("sentinel-test:" + label, label, 60)
out = {"cache": cache.get("sentinel-test:" + label),
       "first": cache.get("sentinel-test:first")}
check_redis()
with redis_client(timeout=2) as client:
    out["master_port"] = client.connection_pool.get_master_address()[1]
# The broker: a message goes through the queue exactly as between web and worker.
with app.connection_for_write() as conn:
    queue = conn.SimpleQueue("sentinel-test-" + label)
    queue.put({"label": label})
    message = queue.get(timeout=5)
    message.ack()
    out["broker"] = message.payload["label"]
    queue.close()
task_id = str(uuid.uuid4())
app.backend.store_result(task_id, {"label": label}, "SUCCESS")
out["result"] = app.backend.get_result(task_id)
out["broker_url"] = settings.CELERY_BROKER_URL.split(";")[0].split("@")[-1]
print(json.dumps(out))
"""


def _run_app(group: dict, label: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "REDIS_URL": f"redis://:{PASSWORD}@{MASTER}/0",
        "REDIS_SENTINELS": f"127.0.0.1:{group['sentinel']}",
        "REDIS_SENTINEL_MASTER": MASTER,
        "CELERY_BROKER_URL": "",
        "CELERY_RESULT_BACKEND": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", APP_SCRIPT, label], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_app_uses_the_master_the_sentinel_names_and_follows_a_failover(sentinel_group) -> None:
    before = _run_app(sentinel_group, "first")
    assert before == {
        "cache": "first", "first": "first", "master_port": sentinel_group["master"],
        "broker": "first", "result": {"label": "first"},
        "broker_url": f"127.0.0.1:{sentinel_group['sentinel']}/0",
    }

    sentinel = sentinel_group["sentinel_client"]
    assert sentinel.execute_command("SENTINEL", "FAILOVER", MASTER)
    new_master = redis.Redis(port=sentinel_group["replica"], password=PASSWORD)
    _until(
        lambda: sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER)[1]
        == str(sentinel_group["replica"])
        and new_master.info("replication")["role"] == "master",
        "failover to the replica",
    )

    after = _run_app(sentinel_group, "second")
    assert after["master_port"] == sentinel_group["replica"]
    # The value written before the failover was replicated; the new one is on the new master.
    assert (after["cache"], after["first"]) == ("second", "first")
    assert (after["broker"], after["result"]) == ("second", {"label": "second"})
    assert any(b"sentinel-test:second" in key for key in new_master.keys("*sentinel-test*"))


def test_sentinel_settings_are_built_from_the_environment_values() -> None:
    assert parse_sentinels(" a.b:26379, c:26380 ,") == (("a.b", 26379), ("c", 26380))
    with pytest.raises(ValueError, match="host:port"):
        parse_sentinels("no-port")
    target = RedisTarget("redis://:p%40ss@zargar/3", (("a", 1), ("b", 2)), "zargar")
    assert celery_settings(target) == {
        "CELERY_BROKER_URL": "sentinel://:p%40ss@a:1/3;sentinel://:p%40ss@b:2/3",
        "CELERY_BROKER_TRANSPORT_OPTIONS": {
            "master_name": "zargar", "sentinel_kwargs": {"password": "p@ss"},
        },
        "CELERY_RESULT_BACKEND": "sentinel://:p%40ss@a:1/3;sentinel://:p%40ss@b:2/3",
        "CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS": {
            "master_name": "zargar", "sentinel_kwargs": {"password": "p@ss"},
        },
    }


def test_without_sentinels_nothing_changes() -> None:
    from django.conf import settings

    assert settings.REDIS_SENTINELS == ()
    assert settings.CACHES["default"]["OPTIONS"].get("CONNECTION_FACTORY") is None
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_no_code_connects_to_redis_url_directly() -> None:
    """Only config/sentinel.py turns REDIS_URL into a client: anything else would keep
    talking to the old master after a failover."""
    skip = {".venv", ".data", "tests", "node_modules", ".git"}
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if not skip & set(path.relative_to(ROOT).parts)
        and path.relative_to(ROOT).as_posix() != "config/sentinel.py"
        and "from_url(" in path.read_text()
        and "REDIS_URL" in path.read_text()
    ]
    assert offenders == []
