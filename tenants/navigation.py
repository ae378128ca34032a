"""The tenant panel's menu: each app registers its entries in AppConfig.ready().

tenants knows no domain app; domain apps add themselves here so the shell
never has to import them.
"""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str | Promise
    url_name: str
    icon: str = ""
    order: int = 100


_entries: dict[str, NavEntry] = {}


def nav_register(entry: NavEntry) -> None:
    """Add (or replace, by key) a menu entry."""
    _entries[entry.key] = entry


def nav_entries() -> list[NavEntry]:
    """Menu entries in display order."""
    return sorted(_entries.values(), key=lambda e: (e.order, e.key))
