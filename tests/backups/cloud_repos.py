"""A scratch PostgreSQL cluster archived and backed up by pgBackRest into three
repositories, as in production: repo1 on local disk, repo2 and repo3 on S3-compatible
storage (R2 and B2 in production). Here each S3 service is a moto server behind Debian's
stunnel4 (pgBackRest speaks S3 only over TLS), with a CA generated for the run; each
repository has its own cipher passphrase (random, never written to the checkout) and
its own retention.

A scratch cluster, not the private one of the checkout: taking an S3 repository down
makes WAL archiving fail for real, which must not disturb the other tests.

Used by tests/backups/test_cloud_repos.py (session scope: started once per xdist worker).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings

from backups.pgbackrest import _as_cluster_user, _environ, _free_port, _pg_bindir

from .conftest import moto_start, s3_client


def _wait_port(port: int, *, up: bool, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                is_up = True
        except OSError:
            is_up = False
        if is_up == up:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"port {port} did not go {'up' if up else 'down'}")
        time.sleep(0.05)


def _localhost_has_ipv6() -> bool:
    """"localhost" resolves to ::1 too (Debian's usual /etc/hosts) and ::1 is usable."""
    try:
        names = socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM)
        if not any(family == socket.AF_INET6 for family, *_rest in names):
            return False
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def chown_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(path)], check=True)


def _ca_make(tls: Path) -> None:
    """A CA and a server certificate for localhost signed by it (openssl)."""
    def ssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tls)

    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=zargar test CA", "-keyout", "ca.key", "-out", "ca.crt")
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
        "-keyout", "server.key", "-out", "server.csr")
    (tls / "san.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "san.cnf", "-out", "server.crt")


@dataclass
class S3Service:
    """A moto server (plain HTTP) and stunnel4 in front of it (TLS on `port`)."""

    name: str
    bucket: str
    work: Path
    moto: subprocess.Popen | None = None
    endpoint: str = ""
    port: int = field(default_factory=_free_port)
    stunnel: subprocess.Popen | None = None

    def start(self) -> None:
        self.moto, self.endpoint = moto_start()
        s3_client(self.endpoint).create_bucket(Bucket=self.bucket)
        self.tls_start()

    def tls_start(self) -> None:
        """Start stunnel4 (again, on the same port): the repository is reachable."""
        conf = self.work / f"stunnel-{self.name}.conf"
        moto_port = self.endpoint.rsplit(":", 1)[1]
        service = (f"connect = 127.0.0.1:{moto_port}\n"
                   f"cert = {self.work / 'tls' / 'server.crt'}\n"
                   f"key = {self.work / 'tls' / 'server.key'}\n")
        text = ("foreground = yes\n"
                f"output = {self.work / f'stunnel-{self.name}.log'}\n"
                f"[s3]\naccept = 127.0.0.1:{self.port}\n{service}")
        if _localhost_has_ipv6():  # pgBackRest connects to "localhost" (the certificate's name)
            text += f"[s3-v6]\naccept = ::1:{self.port}\n{service}"
        conf.write_text(text)
        self.stunnel = subprocess.Popen([shutil.which("stunnel4") or "stunnel4", str(conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, up=True)

    def tls_stop(self) -> None:
        """Stop stunnel4: the repository is down (connection refused); moto keeps the data."""
        if self.stunnel is not None and self.stunnel.poll() is None:
            self.stunnel.terminate()
            self.stunnel.wait(timeout=10)
        self.stunnel = None
        _wait_port(self.port, up=False)

    def stop(self) -> None:
        self.tls_stop()
        if self.moto is not None:
            self.moto.terminate()
            self.moto.wait(timeout=10)

    def client(self):  # noqa: ANN201
        return s3_client(self.endpoint)


@dataclass
class CloudCluster:
    work: Path
    port: int
    services: dict[int, S3Service]

    @property
    def data(self) -> Path:
        return self.work / "pg"

    @property
    def socket_dir(self) -> Path:
        return self.work / "run"

    @property
    def config(self) -> Path:
        return self.work / "pgbackrest.conf"

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.socket_dir} port={self.port} user=postgres dbname={dbname}"

    def sql(self, *queries: str) -> tuple:
        """Run the statements; returns the last one's first row."""
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            for query in queries:
                cursor = conn.execute(query)
            return cursor.fetchone()

    def pgbackrest(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            _as_cluster_user(["pgbackrest", f"--config={self.config}", "--stanza=zargar",
                              *args]),
            capture_output=True, text=True, timeout=600, env=_environ())

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_cluster_user([str(_pg_bindir() / "pg_ctl"), "-D", str(self.data),
                                         *args]),
                       check=True, capture_output=True, timeout=120, env=_environ())


def repo_options(env: dict[str, str]) -> list[str]:
    """The pgbackrest.conf lines scripts/services.sh writes for these PGBACKREST_REPO<N>_*
    variables (its pgbackrest_repo_options, run with only them in the environment)."""
    script = Path(settings.BASE_DIR) / "scripts" / "services.sh"
    done = subprocess.run(["bash", "-c", 'source "$1" && pgbackrest_repo_options', "bash",
                           str(script)], env={"PATH": os.environ.get("PATH", ""), **env},
                          capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.splitlines()


def _config(cluster: CloudCluster) -> str:
    w = cluster.work
    lines = [
        "[global]",
        f"repo1-path={w / 'repo'}",
        "repo1-retention-full=1",
    ]
    # The S3 repositories as production configures them: PGBACKREST_REPO<N>_* variables
    # written by scripts/services.sh (which also turns repo<N>-bundle=y on for S3).
    env: dict[str, str] = {}
    for n, svc in cluster.services.items():
        env.update({f"PGBACKREST_REPO{n}_{name}": value for name, value in {
            "TYPE": "s3",
            "PATH": f"/zargar/repo{n}",
            "S3_BUCKET": svc.bucket,
            "S3_ENDPOINT": "localhost",
            "STORAGE_PORT": str(svc.port),
            "STORAGE_CA_FILE": str(w / "tls" / "ca.crt"),
            "S3_REGION": "us-east-1",
            "S3_KEY": "testing",
            "S3_KEY_SECRET": "testing",
            "S3_URI_STYLE": "path",
            "CIPHER_TYPE": "aes-256-cbc",
            "CIPHER_PASS": secrets.token_urlsafe(32),
            "RETENTION_FULL": str(n),  # its own retention: repo2 keeps 2, repo3 3
        }.items()})
    lines += repo_options(env)
    lines += [
        "compress-type=zst",
        "compress-level=3",
        "process-max=2",
        "start-fast=y",
        "archive-async=y",
        # A repository that is down costs pgBackRest about 9 x io-timeout per archive
        # push before it gives up on it; short here so the degraded tests stay quick.
        "io-timeout=1",
        "archive-timeout=180",
        f"spool-path={w / 'spool'}",
        f"lock-path={w / 'lock'}",
        f"log-path={w / 'log'}",
        "log-level-console=warn",
        "log-level-file=info",
        "",
        "[zargar]",
        f"pg1-path={cluster.data}",
        f"pg1-port={cluster.port}",
        f"pg1-socket-path={cluster.socket_dir}",
        "pg1-user=postgres",
    ]
    return "\n".join(lines) + "\n"


def _leftovers_remove(base: Path, *, older_than: float = 3 * 3600) -> None:
    """Scratch clusters of test runs that were killed (hours old): stop, delete; and
    what is left of finished ones."""
    if not base.exists():
        return
    for work in base.iterdir():
        # Without pg/ (created first) it is a spool folder written again by an
        # archive-push:async that outlived its cluster's teardown: nothing in use.
        if (work / "pg").exists() and time.time() - work.stat().st_mtime < older_than:
            continue  # maybe another xdist worker's, in use
        if (work / "pg" / "postmaster.pid").exists():
            subprocess.run(_as_cluster_user([str(_pg_bindir() / "pg_ctl"), "-D",
                                             str(work / "pg"), "stop", "-m", "immediate"]),
                           capture_output=True, timeout=60)
        shutil.rmtree(work, ignore_errors=True)


def cloud_cluster_start() -> CloudCluster:
    base = Path(settings.BACKUP_PGBACKREST_CONFIG).parent / "cloud-tests"
    _leftovers_remove(base)
    work = base / uuid.uuid4().hex[:12]
    for sub in ("pg", "run", "repo", "spool", "lock", "log", "tls"):
        (work / sub).mkdir(parents=True, mode=0o700)
    _ca_make(work / "tls")
    cluster = CloudCluster(work=work, port=_free_port(), services={
        2: S3Service("r2", "zargar-r2", work), 3: S3Service("b2", "zargar-b2", work)})
    try:
        for svc in cluster.services.values():
            svc.start()
        cluster.config.write_text(_config(cluster))
        cluster.config.chmod(0o600)
        chown_postgres(work)
        subprocess.run(_as_cluster_user([str(_pg_bindir() / "initdb"), "-D", str(cluster.data),
                                         "-U", "postgres", "--auth-local=trust", "-E", "UTF8",
                                         "--locale=C.UTF-8"]),
                       check=True, capture_output=True, timeout=120)
        with (cluster.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "listen_addresses = ''\n"
                f"port = {cluster.port}\n"
                f"unix_socket_directories = '{cluster.socket_dir}'\n"
                "shared_buffers = 16MB\nmax_connections = 20\nfsync = off\n"
                "wal_level = replica\narchive_mode = on\n"
                f"archive_command = 'pgbackrest --config={cluster.config} --stanza=zargar "
                "archive-push %p'\narchive_timeout = 60\n")
        cluster.pg_ctl("-l", str(work / "server.log"), "-w", "-t", "60", "start")
        done = cluster.pgbackrest("stanza-create")
        if done.returncode != 0:
            raise RuntimeError(f"stanza-create failed: {done.stderr or done.stdout}")
    except BaseException:
        cloud_cluster_stop(cluster)
        raise
    return cluster


def cloud_cluster_stop(cluster: CloudCluster) -> None:
    if (cluster.data / "postmaster.pid").exists():
        subprocess.run(_as_cluster_user([str(_pg_bindir() / "pg_ctl"), "-D", str(cluster.data),
                                         "stop", "-m", "immediate", "-w"]),
                       capture_output=True, timeout=60)
    for svc in cluster.services.values():
        svc.stop()
    # An archive-push:async still finishing may write its spool folder again: remove
    # until the folder stays gone for a moment.
    gone_since = None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if cluster.work.exists():
            shutil.rmtree(cluster.work, ignore_errors=True)
            gone_since = None
        elif gone_since is None:
            gone_since = time.monotonic()
        elif time.monotonic() - gone_since > 2:
            return
        time.sleep(0.2)
