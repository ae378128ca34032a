"""SMS providers: one interface, chosen by settings.SMS_PROVIDER.

    provider = sms_provider()
    provider_id = provider.send(to="+98912...", text="...")

`send` returns the provider's message id or raises SmsError (the task retries).
"""

from __future__ import annotations

import json
import logging
import urllib.request
import uuid
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class SmsProvider:
    def send(self, *, to: str, text: str) -> str:
        raise NotImplementedError


class LoggingSmsProvider(SmsProvider):
    """Development and tests: writes the message to the log and keeps it in `outbox`
    (per process), like Django's locmem email backend."""

    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, *, to: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        self.outbox.append({"to": to, "text": text, "id": message_id})
        log.info("SMS to %s: %s", to, text)
        return message_id


class HttpSmsProvider(SmsProvider):
    """A generic HTTP gateway: POST JSON {to, text, sender} to SMS_API_URL with a bearer
    key; the answer's JSON "id" is the provider's message id."""

    def send(self, *, to: str, text: str) -> str:
        if not settings.SMS_API_URL:
            raise SmsError("SMS_API_URL is not set")
        payload = json.dumps({"to": to, "text": text, "sender": settings.SMS_SENDER}).encode()
        request = urllib.request.Request(
            settings.SMS_API_URL, data=payload, method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {settings.SMS_API_KEY}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except (OSError, ValueError) as exc:
            raise SmsError(str(exc)) from exc
        return str(answer.get("id", ""))


def sms_provider() -> SmsProvider:
    return import_string(settings.SMS_PROVIDER)()
