"""Two-factor authentication with django-otp: TOTP apps plus static backup codes.

Mandatory for platform admins and for every user of a shop whose owner requires
it; optional otherwise. Whoever has a confirmed device must use it at sign-in.
"""

import base64
import io
import secrets
from typing import Any

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

BACKUP_CODE_COUNT = 10


def mfa_required(user: User) -> bool:
    if user.is_platform_admin:
        return True
    tenant = user.tenant
    return bool(tenant and tenant.require_mfa)


def mfa_enrolled(user: User) -> bool:
    return user_has_device(user, confirmed=True)


SESSION_KEY = "zargar_mfa_enrolled"


def mfa_must_verify(user: User, session: Any = None) -> bool:
    """True when this signed-in user may not go on before a second factor.

    Whether an optional user has a device is looked up once per session (a new
    session starts at every sign-in) instead of on every request.
    """
    if mfa_required(user):
        return True
    if session is None:
        return mfa_enrolled(user)
    if SESSION_KEY not in session:
        session[SESSION_KEY] = mfa_enrolled(user)
    return bool(session[SESSION_KEY])


def mfa_remember_enrolment(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """On sign-in (django's user_logged_in): note in the new session whether the user
    has a device, so requests need not ask the database again."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = mfa_enrolled(user)


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up (one at a time; reused on reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=False)
    return device


def totp_qr_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def totp_secret_b32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm a pending authenticator with a code from it; returns fresh backup codes.

    A wrong code changes nothing and returns None.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return backup_codes_regenerate(user=user)


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace the user's backup codes; each works once. Shown to the user once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def mfa_verify_token(*, user: User, token: str):  # noqa: ANN201 - a django-otp Device or None
    """The confirmed device that accepts `token`, if any.

    Six digits are an authenticator code, eight a backup code, so a backup code
    never counts as a failed authenticator attempt. django-otp throttles each
    device after a failure (the wait doubles with every further failure).
    """
    token = token.strip().replace(" ", "").replace("-", "")
    if not token.isdigit():
        return None
    kind = TOTPDevice if len(token) <= 6 else StaticDevice
    for device in kind.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


def mfa_throttled(user: User) -> bool:
    """True while every authenticator of the user is in its post-failure wait."""
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    return bool(devices) and not any(d.verify_is_allowed()[0] for d in devices)
