"""The tenant panel's menu: each app registers its entries in AppConfig.ready().

tenants knows no domain app; domain apps add themselves here so the shell
never has to import them.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str | Promise
    url_name: str
    icon: str = ""
    order: int = 100
    # Who sees it: "public" (everybody, signed in or not), "tenant" (shop users
    # whose role is in `roles`, or any shop role when empty), "platform" (operators).
    panel: str = "tenant"
    roles: tuple[str, ...] = ()

    def visible_to(self, user: Any) -> bool:
        if self.panel == "public":
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        if self.panel == "platform":
            return bool(user.is_platform_admin)
        return user.tenant_id is not None and (not self.roles or user.role in self.roles)


_entries: dict[str, NavEntry] = {}


def nav_register(entry: NavEntry) -> None:
    """Add (or replace, by key) a menu entry."""
    _entries[entry.key] = entry


def nav_entries(user: Any = None) -> list[NavEntry]:
    """Menu entries `user` may see, in display order (all of them when user is None)."""
    entries = sorted(_entries.values(), key=lambda e: (e.order, e.key))
    if user is None:
        return entries
    return [e for e in entries if e.visible_to(user)]
