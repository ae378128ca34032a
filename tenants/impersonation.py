"""Support impersonation (django-hijack): a platform admin acts as a shop user.

Rules:
- only a platform admin who has passed their own second factor may start it;
- never as another platform admin, never as an inactive user;
- start and stop are audited (AuthEvent rows naming both people);
- a banner shows on every page while it lasts (tenants/platform/impersonation_banner.html);
- the impersonated session does not ask for the shop user's second factor: the
  admin already gave theirs (MFAMiddleware skips sessions with a hijack history),
  and the admin's verified device is restored when they stop.

Passwords are never seen or set: hijack swaps the session's user only.
"""

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from .audit import auth_event_record, impersonation_in_progress
from .models import AuthEvent, User

SESSION_HISTORY = "hijack_history"
SESSION_ADMIN_DEVICE = "zargar_impersonator_device"
SESSION_TENANT = "zargar_impersonated_tenant"


def impersonation_allowed(*, hijacker: User, hijacked: User | None) -> bool:
    """HIJACK_PERMISSION_CHECK: verified platform admins, shop users only."""
    if hijacked is None or not hijacked.is_active:
        return False
    if not getattr(hijacker, "is_platform_admin", False):
        return False
    is_verified = getattr(hijacker, "is_verified", None)
    if not callable(is_verified) or not is_verified():
        return False
    return not hijacked.is_platform_admin and hijacked.tenant_id is not None


def is_impersonating(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(SESSION_HISTORY))


def on_hijack_started(sender: Any, request: HttpRequest, hijacker: User, hijacked: User,
                      **kwargs: Any) -> None:
    device = getattr(hijacker, "otp_device", None)
    if device is not None:
        request.session[SESSION_ADMIN_DEVICE] = device.persistent_id
    request.session[SESSION_TENANT] = str(hijacked.tenant_id)
    auth_event_record(kind=AuthEvent.Kind.IMPERSONATION_START, request=request, user=hijacked,
                      actor=hijacker)


def on_hijack_ended(sender: Any, request: HttpRequest, hijacker: User, hijacked: User,
                    **kwargs: Any) -> None:
    auth_event_record(kind=AuthEvent.Kind.IMPERSONATION_END, request=request, user=hijacked,
                      actor=hijacker)


def impersonation_start_response(request: HttpRequest) -> HttpResponse:
    """Run hijack's acquire view (POST user_pk, next); 403 when impersonation_allowed says no."""
    from hijack.views import AcquireUserView

    token = impersonation_in_progress.set(True)
    try:
        return AcquireUserView.as_view(success_url="/")(request)
    finally:
        impersonation_in_progress.reset(token)


@require_POST
def impersonation_stop(request: HttpRequest) -> HttpResponse:
    """Return to the platform admin's own session (with their verified second factor)."""
    from django_otp import login as otp_login
    from django_otp.models import Device
    from hijack.views import ReleaseUserView

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    device_id = request.session.get(SESSION_ADMIN_DEVICE)
    token = impersonation_in_progress.set(True)
    try:
        response = ReleaseUserView.as_view(success_url="/platform/")(request)
    finally:
        impersonation_in_progress.reset(token)
    if device_id and getattr(request.user, "is_platform_admin", False):
        device = Device.from_persistent_id(device_id)
        if device is not None:
            otp_login(request, device)
    if not is_impersonating(request):
        request.session.pop(SESSION_ADMIN_DEVICE, None)
        request.session.pop(SESSION_TENANT, None)
    return response
