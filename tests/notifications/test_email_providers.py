"""Email through django-anymail: the provider is chosen from the environment
(DJANGO_EMAIL_BACKEND + ANYMAIL_* variables), and a customer email sent through an
anymail backend keeps the provider's message id in the delivery log."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail

from config.email import anymail_from_env
from notifications.models import CustomerMessage
from notifications.services import message_deliver
from tenants.context import tenant_context

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("from django.core.mail import get_connection; c = get_connection(); "
         "print(type(c).__module__); print(c.api_key); print(c.sender_domain)")


def _probe(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ANYMAIL_")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + PROBE], cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.dev", **env},
        capture_output=True, text=True, check=False)


def test_anymail_variables_become_the_anymail_setting() -> None:
    assert anymail_from_env({
        "ANYMAIL_MAILGUN_API_KEY": "k", "ANYMAIL_MAILGUN_SENDER_DOMAIN": "mg.example.com",
        "ANYMAIL_IGNORE_UNSUPPORTED_FEATURES": "True", "ANYMAIL_EMPTY": "",
        "DJANGO_EMAIL_BACKEND": "x", "SMS_API_KEY": "y",
    }) == {"MAILGUN_API_KEY": "k", "MAILGUN_SENDER_DOMAIN": "mg.example.com",
           "IGNORE_UNSUPPORTED_FEATURES": True}


def test_the_environment_selects_and_configures_a_provider() -> None:
    result = _probe(DJANGO_EMAIL_BACKEND="anymail.backends.mailgun.EmailBackend",
                    ANYMAIL_MAILGUN_API_KEY="fake", ANYMAIL_MAILGUN_SENDER_DOMAIN="mg.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["anymail.backends.mailgun", "fake", "mg.example.com"]


def test_a_provider_without_its_key_is_refused_loudly() -> None:
    result = _probe(DJANGO_EMAIL_BACKEND="anymail.backends.mailgun.EmailBackend")
    assert result.returncode != 0
    assert "AnymailConfigurationError" in result.stderr and "MAILGUN_API_KEY" in result.stderr


@pytest.mark.django_db(databases=["default", "platform"])
def test_an_email_through_anymail_keeps_the_providers_message_id(shop_a, settings) -> None:
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    customer = shop_a.extra["customer"]
    with tenant_context(shop_a.tenant):
        queued = CustomerMessage.objects.create(
            customer=customer, event="repair.ready", channel="email",
            recipient="client@example.com", subject="Ready", body="Your repair is ready")
    sent = message_deliver(tenant=shop_a.tenant, message_id=queued.pk)
    assert sent.status == "sent" and sent.attempts == 1
    index = next(i for i, m in enumerate(mail.outbox) if m.to == ["client@example.com"])
    assert sent.provider_id == str(index)
    assert mail.outbox[index].anymail_status.status == {"sent"}
