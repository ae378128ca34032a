from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .preferences import language_is_supported, request_theme


class PreferencesMiddleware:
    """A signed-in user's saved language wins over the cookie; the theme is put on the request.

    Runs after LocaleMiddleware and AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and language_is_supported(user.language):
            if user.language != translation.get_language():
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        request.theme = request_theme(request)
        response = self.get_response(request)
        # The same URL serves a full page and an HTMX fragment.
        patch_vary_headers(response, ("HX-Request",))
        return response
