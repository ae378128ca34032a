"""The second sign-in step (django-otp), after allauth's password step."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from ..forms import CodeForm
from ..mfa import (
    SESSION_KEY,
    backup_codes_regenerate,
    mfa_enrolled,
    mfa_throttled,
    mfa_verify_token,
    totp_device_confirm,
    totp_device_pending,
    totp_qr_svg,
    totp_secret_b32,
)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


@login_required
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """Enter a code from the authenticator (or a backup code) to finish signing in."""
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if not mfa_enrolled(user):
        return redirect("mfa-setup")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = mfa_verify_token(user=user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        if mfa_throttled(user):
            form.add_error("token", _("Too many wrong codes. Wait a moment, then try again."))
        else:
            form.add_error("token", _("This code is not valid. Check your app and try again."))
        status = 422
    elif request.method == "POST":
        status = 422
    return render(request, "tenants/mfa_verify.html", {"form": form, "next": _next(request)},
                  status=status)


@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code, confirm with a code, keep backup codes."""
    user = request.user
    if mfa_enrolled(user) and not user.is_verified():
        return redirect("mfa-verify")
    device = totp_device_pending(user=user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        codes = totp_device_confirm(user=user, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            device.refresh_from_db()
            otp_login(request, device)
            request.session[SESSION_KEY] = True
            messages.success(request, _("Two-factor sign-in is on."))
            return render(request, "tenants/mfa_backup_codes.html",
                          {"codes": codes, "next": _next(request)})
        form.add_error("token", _("This code is not valid. Check your app and try again."))
        status = 422
    elif request.method == "POST":
        status = 422
    context = {
        "form": form,
        "qr_svg": totp_qr_svg(device),
        "secret": totp_secret_b32(device),
        "next": _next(request),
    }
    return render(request, "tenants/mfa_setup.html", context, status=status)


@login_required
def mfa_backup_codes(request: HttpRequest) -> HttpResponse:
    """Replace backup codes (after verifying); old ones stop working."""
    if request.method != "POST" or not request.user.is_verified():
        return redirect("home")
    codes = backup_codes_regenerate(user=request.user)
    return render(request, "tenants/mfa_backup_codes.html", {"codes": codes, "next": "/"})
