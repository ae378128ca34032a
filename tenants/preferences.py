"""Language and theme: one place that decides what a request uses and how it is saved.

Anonymous visitors keep their choice in cookies; signed-in users also get it
saved on their account, which wins over the cookie on every request.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def language_is_supported(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def theme_is_supported(theme: str) -> bool:
    return theme in settings.THEMES


def request_theme(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.theme
    theme = request.COOKIES.get(settings.THEME_COOKIE_NAME, "light")
    return theme if theme_is_supported(theme) else "light"


def response_remember(response: HttpResponse, *, language: str = "", theme: str = "") -> None:
    """Store the visitor's choice in long-lived cookies."""
    common = {"max_age": settings.LANGUAGE_COOKIE_AGE, "samesite": "Lax", "httponly": False}
    if language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, **common)
    if theme:
        response.set_cookie(settings.THEME_COOKIE_NAME, theme, **common)


def language_activate_on_login(sender: object, request: HttpRequest | None, user: object,
                               **kwargs: object) -> None:
    """On sign-in (django's user_logged_in): the rest of that request, and the "signed
    in" message it adds, speak the user's own language, not the sign-in page's."""
    from django.utils import translation

    language = getattr(user, "language", "")
    if request is not None and language and language_is_supported(language):
        translation.activate(language)
        request.LANGUAGE_CODE = language
