from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from .navigation import nav_groups


def shell(request: HttpRequest) -> dict[str, object]:
    """What the base layout needs on every page: menu, theme, direction, languages."""
    user = getattr(request, "user", None)
    groups = nav_groups(user)
    return {
        "nav_groups": groups,
        # A sidebar for the panels' long menus; a few public links stay in the header.
        "nav_sidebar": sum(len(g["entries"]) for g in groups) > 3,
        "theme": getattr(request, "theme", "light"),
        "is_rtl": translation.get_language_bidi(),
        "available_languages": settings.LANGUAGES,
    }
