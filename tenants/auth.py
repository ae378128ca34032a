"""Glue between allauth (password step), django-otp (second factor) and django-axes."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Operators create tenants; owners invite staff. Nobody signs up alone.
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if getattr(user, "is_platform_admin", False):
            return reverse("platform:dashboard")
        return super().get_login_redirect_url(request)


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The account a login attempt is for: allauth passes `email`, its form posts `login`."""
    value = ""
    if credentials:
        value = credentials.get("email") or credentials.get("username") or ""
    if not value:
        data = getattr(request, "POST", {}) or {}
        value = data.get("login") or data.get("email") or ""
    return str(value).strip().lower()
