from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from .navigation import nav_entries


def shell(request: HttpRequest) -> dict[str, object]:
    """What the base layout needs on every page: menu, theme, direction, languages."""
    return {
        "nav_entries": nav_entries(getattr(request, "user", None)),
        "theme": getattr(request, "theme", "light"),
        "is_rtl": translation.get_language_bidi(),
        "available_languages": settings.LANGUAGES,
    }
