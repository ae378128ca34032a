"""A platform admin who has passed their second factor, and a client signed in as them."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import platform_admin

# Platform views read through the `platform` connection, which sees committed rows
# only: tests of those views run in transactional mode.
PLATFORM_DB = pytest.mark.django_db(transaction=True, databases=["default", "platform"])


def verified_client(user) -> Client:  # noqa: ANN001
    """Signed in with a confirmed TOTP device marked as used in the session (what
    django_otp.login does after a correct code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def admin(db: None):
    return platform_admin()


@pytest.fixture
def admin_client(admin) -> Client:  # noqa: ANN001
    return verified_client(admin)


@pytest.fixture(autouse=True)
def _tenant_exports_in_tmp(tmp_path, settings) -> None:  # noqa: ANN001
    """Purges write a final export: keep those files out of the checkout's .data/."""
    settings.TENANT_EXPORT_ROOT = tmp_path / "tenant-exports"
