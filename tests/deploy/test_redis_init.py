"""k8s/base/redis/init.sh and check.sh, run for real: the configuration they write is
accepted by redis-server (as Redis and as Sentinel), pod 0 starts as master and the
others as its replicas when no Sentinel answers yet, and the probe script tells a
PONG from an error. (The cluster's DNS names are replaced by 127.0.0.1 and free ports
where the servers start here.)"""

import os
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from .checks import ROOT

SCRIPTS = ROOT / "k8s" / "base" / "redis"
PASSWORD = "test-redis-init-pw"
DOMAIN = "zargar-redis.shop-ns.svc"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _init(pod: str, conf_dir: Path) -> tuple[str, str, str]:
    conf_dir.mkdir()
    env = {
        "PATH": os.environ["PATH"], "POD_NAME": pod, "POD_NAMESPACE": "shop-ns",
        "REDIS_PASSWORD": PASSWORD, "REDIS_SENTINEL_MASTER": "zargar", "REDIS_NODES": "3",
        "REDIS_SENTINEL_QUORUM": "2", "CONF_DIR": str(conf_dir),
    }
    result = subprocess.run(
        ["sh", str(SCRIPTS / "init.sh")], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return (
        result.stdout,
        (conf_dir / "redis.conf").read_text(),
        (conf_dir / "sentinel.conf").read_text(),
    )


def _local(conf: str, master_port: int) -> str:
    """The cluster's DNS names -> 127.0.0.1, the master's port -> the local master's."""
    conf = re.sub(rf"zargar-redis-\d\.{re.escape(DOMAIN)}", "127.0.0.1", conf)
    return conf.replace("127.0.0.1 6379", f"127.0.0.1 {master_port}")


def _wait_for(port: int, proc: subprocess.Popen) -> None:
    client = redis.Redis(port=port, password=PASSWORD, socket_timeout=1)
    deadline = time.monotonic() + 30
    while True:
        try:
            if client.ping():
                return
        except redis.RedisError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"server on {port} did not start (exit {proc.poll()})")
        time.sleep(0.1)


def test_init_writes_a_working_master_replica_and_sentinel_configuration(tmp_path: Path) -> None:
    out0, redis0, sentinel0 = _init("zargar-redis-0", tmp_path / "0")
    out1, redis1, _ = _init("zargar-redis-1", tmp_path / "1")
    assert f"master: zargar-redis-0.{DOMAIN}" in out0 and f"master: zargar-redis-0.{DOMAIN}" in out1
    assert "replicaof" not in redis0
    assert f"replicaof zargar-redis-0.{DOMAIN} 6379" in redis1
    assert f"replica-announce-ip zargar-redis-1.{DOMAIN}" in redis1
    assert f"sentinel monitor zargar zargar-redis-0.{DOMAIN} 6379 2" in sentinel0
    assert oct((tmp_path / "0" / "redis.conf").stat().st_mode & 0o777) == "0o600"

    master_port, replica_port, sentinel_port = _free_port(), _free_port(), _free_port()
    procs = []
    try:
        # The written files with only the pod's data directory and the cluster's names
        # and ports replaced by local ones.
        for text, directory, port in (
            (redis0, tmp_path / "0", master_port), (redis1, tmp_path / "1", replica_port),
        ):
            data = directory / "data"
            data.mkdir()
            conf = directory / "redis-local.conf"
            conf.write_text(
                _local(text, master_port)
                .replace("dir /data", f"dir {data}")
                .replace("port 6379\n", f"port {port}\n")
            )
            procs.append(subprocess.Popen(
                ["redis-server", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            ))
            _wait_for(port, procs[-1])
        replica = redis.Redis(port=replica_port, password=PASSWORD)
        deadline = time.monotonic() + 30
        while replica.info("replication").get("master_link_status") != "up":
            assert time.monotonic() < deadline, "the replica did not reach the master"
            time.sleep(0.1)
        local = _local(sentinel0, master_port).replace("port 26379", f"port {sentinel_port}")
        sentinel_conf = tmp_path / "0" / "sentinel-local.conf"
        sentinel_conf.write_text(local)
        procs.append(subprocess.Popen(
            ["redis-server", str(sentinel_conf), "--sentinel"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        ))
        _wait_for(sentinel_port, procs[-1])
        sentinel = redis.Redis(port=sentinel_port, password=PASSWORD, decode_responses=True)
        assert sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "zargar") == [
            "127.0.0.1", str(master_port)
        ]
        master = redis.Redis(port=master_port, password=PASSWORD)
        assert master.config_get("appendonly") == {"appendonly": "yes"}
        assert master.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
        # Without the password nothing is served, by Redis nor by the Sentinel.
        for port in (master_port, sentinel_port):
            with pytest.raises(redis.AuthenticationError):
                redis.Redis(port=port).ping()

        check = ["sh", str(SCRIPTS / "check.sh")]
        env = {"PATH": os.environ["PATH"], "REDIS_PASSWORD": PASSWORD}
        # check.sh talks to the fixed ports of the pod; here, point redis-cli at ours.
        for role, port in (("redis", master_port), ("sentinel", sentinel_port)):
            script = (SCRIPTS / "check.sh").read_text().replace(
                "port=6379" if role == "redis" else "port=26379", f"port={port}"
            )
            good = subprocess.run(["sh", "-c", script, "check.sh", role], env=env,
                                  capture_output=True, text=True, timeout=30)
            assert good.returncode == 0, good.stderr
            bad = subprocess.run(["sh", "-c", script, "check.sh", role],
                                 env={**env, "REDIS_PASSWORD": "wrong"},
                                 capture_output=True, text=True, timeout=30)
            assert bad.returncode == 1 and role in bad.stderr
        usage = subprocess.run(check, env=env, capture_output=True, text=True, timeout=30)
        assert usage.returncode == 2
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
