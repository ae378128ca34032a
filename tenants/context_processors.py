from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import SimpleLazyObject, cached_property

from .navigation import nav_groups


class _Menu:
    """The menu, worked out the first time a template asks (HTMX fragments, rendered
    with the request's context too, never do: the register's scan is one of them)."""

    def __init__(self, user: object) -> None:
        self.user = user

    @cached_property
    def groups(self) -> list[dict[str, object]]:
        return nav_groups(self.user)

    def sidebar(self) -> bool:
        # A sidebar for the panels' long menus; a few public links stay in the header.
        return sum(len(g["entries"]) for g in self.groups) > 3


class _Lazy:
    def __init__(self, test) -> None:
        self.test = test

    def __bool__(self) -> bool:
        return self.test()


def shell(request: HttpRequest) -> dict[str, object]:
    """What the base layout needs on every page: menu, theme, direction, languages."""
    menu = _Menu(getattr(request, "user", None))
    return {
        "nav_groups": SimpleLazyObject(lambda: menu.groups),
        "nav_sidebar": _Lazy(menu.sidebar),
        "theme": getattr(request, "theme", "light"),
        "is_rtl": translation.get_language_bidi(),
        "available_languages": settings.LANGUAGES,
    }
