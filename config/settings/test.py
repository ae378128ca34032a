"""The test suite (make test): real PostgreSQL and Redis, DEBUG off, fast hashing."""

import os

from .base import *  # noqa: F403
from .base import REDIS_URL

DEBUG = False
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
