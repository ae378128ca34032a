from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..dashboard import widgets_render_context
from ..preferences import language_is_supported, response_remember, theme_is_supported
from ..services import user_set_preferences


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.headers.get("Referer") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The shop's dashboard (a welcome page before signing in); operators go to their panel."""
    if getattr(request.user, "is_platform_admin", False):
        return HttpResponseRedirect(reverse("platform:dashboard"))
    widgets = widgets_render_context(request) if request.user.is_authenticated else []
    return render(request, "tenants/home.html", {"widgets": widgets})


@require_POST
def preferences_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered in a cookie and on the user."""
    language = request.POST.get("language", "")
    if not language_is_supported(language):
        messages.error(request, _("This language is not available."))
        return HttpResponseRedirect(_next_url(request))
    if request.user.is_authenticated:
        user_set_preferences(user=request.user, language=language)
    translation.activate(language)
    response = HttpResponseRedirect(_next_url(request))
    response_remember(response, language=language)
    return response


@require_POST
def preferences_theme(request: HttpRequest) -> HttpResponse:
    """Switch light/dark; remembered in a cookie and on the user."""
    theme = request.POST.get("theme", "")
    if not theme_is_supported(theme):
        if request.htmx:
            return HttpResponse(_("This theme is not available."), status=422)
        messages.error(request, _("This theme is not available."))
        return HttpResponseRedirect(_next_url(request))
    if request.user.is_authenticated:
        user_set_preferences(user=request.user, theme=theme)
    response: HttpResponse
    # The page already switched itself (Alpine); an HTMX call only needs the cookie.
    response = HttpResponse(status=204) if request.htmx else HttpResponseRedirect(_next_url(request))
    response_remember(response, theme=theme)
    return response
