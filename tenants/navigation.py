"""The tenant panel's menu: each app registers its entries in AppConfig.ready().

tenants knows no domain app; domain apps add themselves here so the shell
never has to import them. Entries are shown in groups (NAV_GROUPS: a sidebar on
wide screens, a menu panel on phones); an entry names its group, or gets the one
its `order` falls in (10s sales, 20s inventory, ...).
"""

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# key -> (heading, the `order` range of entries that name no group)
NAV_GROUPS: dict[str, tuple[str | Promise, range]] = {
    "": ("", range(0, 10)),
    "sales": (_("Sales"), range(10, 20)),
    "inventory": (_("Inventory"), range(20, 30)),
    "customers": (_("Customers"), range(30, 40)),
    "workshop": (_("Workshop"), range(40, 50)),
    "finance": (_("Finance"), range(50, 80)),
    "shop": (_("Shop"), range(80, 1000)),
}


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
    group: str = ""

    @property
    def group_key(self) -> str:
        if self.panel == "platform":
            return "platform"
        if self.group:
            return self.group
        for key, (_label, orders) in NAV_GROUPS.items():
            if self.order in orders:
                return key
        return "shop"

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


def nav_groups(user: Any = None) -> list[dict[str, Any]]:
    """The entries `user` may see, grouped under their headings, in display order.
    Platform entries form one group without a heading."""
    groups: dict[str, list[NavEntry]] = {}
    for entry in nav_entries(user):
        groups.setdefault(entry.group_key, []).append(entry)
    order = [*NAV_GROUPS, "platform"]
    return [
        {"key": key, "label": NAV_GROUPS[key][0] if key in NAV_GROUPS else "",
         "entries": groups[key]}
        for key in sorted(groups, key=lambda k: order.index(k) if k in order else len(order))
    ]
