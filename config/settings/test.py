"""The test suite (make test): real PostgreSQL and Redis, DEBUG off, fast hashing."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import REDIS_URL

DEBUG = False
# Uploads made by tests (item photos) go to a scratch folder per xdist worker,
# never into the developer's .data/media.
MEDIA_ROOT = Path(tempfile.gettempdir()) / "zargar-test-media" / os.environ.get(
    "PYTEST_XDIST_WORKER", "main"
)
# Every prepared read (tenants.prepared) is also built and compiled as a queryset and
# must give the same SQL and parameters. The POS bench turns it off to measure what
# production runs.
PREPARED_QUERIES_VERIFY = os.environ.get("ZARGAR_PREPARED_VERIFY", "1") == "1"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Each xdist worker gets its own Redis databases (one for Celery, one for the
# cache, which tests clear) so parallel workers never see each other's data.
_worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_base = REDIS_URL.rsplit("/", 1)[0]
REDIS_URL = f"{_base}/{1 + (2 * _worker) % 14}"
CACHES["default"]["LOCATION"] = f"{_base}/{2 + (2 * _worker) % 14}"  # noqa: F405
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
