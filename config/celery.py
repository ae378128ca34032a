"""The Celery application: Redis broker, tasks discovered in every installed app.

Tasks take ids, set the tenant scope, call a service, and are idempotent;
they acknowledge late so a worker that dies mid-task hands the task back.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("zargar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
