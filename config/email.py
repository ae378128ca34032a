"""Email provider settings from the environment (django-anymail).

Choose a provider by its backend and give its own settings as ANYMAIL_* variables;
each becomes a key of settings.ANYMAIL without the prefix (anymail's documented
form), e.g.

    DJANGO_EMAIL_BACKEND=anymail.backends.mailgun.EmailBackend
    ANYMAIL_MAILGUN_API_KEY=...
    ANYMAIL_MAILGUN_SENDER_DOMAIN=mg.example.com

"true"/"false" become booleans (ANYMAIL_IGNORE_UNSUPPORTED_FEATURES=true). With the
default SMTP/console backends no ANYMAIL_* variable is needed. No credentials live in
the repository: they come only from the environment (a Kubernetes Secret in prod).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "ANYMAIL_"


def anymail_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(PREFIX) or name == PREFIX or value == "":
            continue
        lowered = value.strip().lower()
        settings[name[len(PREFIX):]] = (lowered == "true") if lowered in ("true", "false") \
            else value
    return settings
