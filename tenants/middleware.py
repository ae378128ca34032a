from collections.abc import Callable
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from .context import tenant_context
from .mfa import mfa_enrolled, mfa_must_verify
from .models import Tenant, User
from .preferences import language_is_supported, request_theme

Handler = Callable[[HttpRequest], HttpResponse]

# Reachable before the second factor (and by users of a suspended shop).
OPEN_URL_NAMES = {
    "account_logout",
    "mfa-verify",
    "mfa-setup",
    "preferences-language",
    "preferences-theme",
    "health-live",
    "health-ready",
    "impersonation-stop",
}
OPEN_PREFIXES = ("/static/", "/media/", "/health/", "/metrics")


def _is_open(request: HttpRequest) -> bool:
    if request.path_info.startswith(OPEN_PREFIXES):
        return True
    try:
        return resolve(request.path_info).url_name in OPEN_URL_NAMES
    except Resolver404:
        return True


class PreferencesMiddleware:
    """A signed-in user's saved language wins over the cookie; the theme is put on the request.

    Runs after LocaleMiddleware and AuthenticationMiddleware.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and language_is_supported(user.language):
            if user.language != translation.get_language():
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        request.theme = request_theme(request)
        response = self.get_response(request)
        # The same URL serves a full page and an HTMX fragment, which one depending on
        # these headers (tenants/fragments.py).
        patch_vary_headers(response, ("HX-Request", "HX-Target", "HX-History-Restore-Request"))
        return response


def _page_path(request: HttpRequest) -> str:
    """The address to come back to: for an htmx request the page it was sent from
    (HX-Current-URL, same site only), not the fragment's own address."""
    htmx = getattr(request, "htmx", None)
    if htmx:
        return htmx.current_url_abs_path or "/"
    return request.get_full_path()


class HtmxSignInMiddleware:
    """An htmx request of a user whose session has ended is redirected to sign in by
    the view (login_required). The browser would follow that redirect inside the
    request and put the sign-in form where the answer goes: into the cart, or the
    header's notification badge that polls every 30 s. Instead the whole page goes to
    sign in (HX-Redirect), and comes back afterwards to the page the user was on.

    Runs after django_htmx's middleware."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (getattr(request, "htmx", False) and response.status_code in (301, 302, 303, 307, 308)
                and urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)):
            login = resolve_url(settings.LOGIN_URL)
            return HttpResponseClientRedirect(f"{login}?next={quote(_page_path(request))}")
        return response


def _user_tenant(user: User) -> Tenant | None:
    """The signed-in user's shop with its plan, loaded once per request (the MFA check
    and the tenant scope both need it; limits are read on many pages)."""
    if not user.tenant_id:
        return None
    cached = User.tenant.is_cached(user) and user.tenant
    if cached and Tenant.plan.is_cached(cached):
        return cached
    user.tenant = Tenant.objects.select_related("plan").get(pk=user.tenant_id)
    return user.tenant


class MFAMiddleware:
    """After the password step, whoever needs a second factor gets nothing else until
    they give one (or set one up, when it is mandatory and they have none)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            _user_tenant(user)
        if (
            user.is_authenticated
            and not user.is_verified()
            and not _is_open(request)
            # Impersonation (tenants/impersonation.py) is started only by a platform
            # admin who passed their own second factor; the shop user's is not asked.
            and not request.session.get("hijack_history")
            and mfa_must_verify(user, request.session)
        ):
            target = reverse("mfa-verify" if mfa_enrolled(user) else "mfa-setup")
            url = f"{target}?next={quote(_page_path(request))}"
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(url)
            return redirect(url)
        return self.get_response(request)


class TenantMiddleware:
    """Scope the rest of the request to the signed-in user's shop.

    The whole view, template rendering included, runs in one transaction with
    app.tenant_id set transaction-locally (never session-level: that would leak
    through pooled connections). No tenant (anonymous, platform admin): no scope,
    and tenant tables show nothing.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        tenant = None
        if user.is_authenticated and user.tenant_id:
            tenant = _user_tenant(user)
        request.tenant = tenant
        if tenant is None:
            return self.get_response(request)
        if not tenant.is_active and not _is_open(request):
            return render(request, "tenants/suspended.html", {"tenant": tenant}, status=403)
        with tenant_context(tenant):
            return self.get_response(request)
