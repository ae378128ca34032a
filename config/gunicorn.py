"""gunicorn settings for the web process (Procfile: `gunicorn ... --config python:config.gunicorn`).

Read from the environment (documented in .env.example):
- WEB_CONCURRENCY: worker processes (gunicorn's own variable; default 2).
- GUNICORN_THREADS, GUNICORN_TIMEOUT: threads per worker, seconds per request.
- PROMETHEUS_MULTIPROC_DIR: when set, django-prometheus runs in multiprocess mode
  (ARCHITECTURE.md section 7): every worker writes its metrics there and /metrics
  adds them up. The directory is emptied when gunicorn starts and a dead worker's
  files are marked, so counters never mix two lives of the server.
"""

import os
import shutil
from pathlib import Path

# The port is part of the image contract (Dockerfile EXPOSE, k8s containerPort).
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 25
keepalive = 5
# Heartbeat files in memory, not on the (read-only) image filesystem.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "*"  # the Ingress controller is the only way in (NetworkPolicy)
max_requests = 2000
max_requests_jitter = 200

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def on_starting(server: object) -> None:
    if MULTIPROC_DIR:
        path = Path(MULTIPROC_DIR)
        path.mkdir(parents=True, exist_ok=True)
        for child in path.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()


def child_exit(server: object, worker: object) -> None:
    if MULTIPROC_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
