"""The owner's dashboard: each app registers its widgets in AppConfig.ready().

Like the menu (tenants/navigation.py), tenants knows no domain app: an app
adds a `Widget` with a template and a function that builds the template's
context for the request (it runs inside the request's tenant scope, so plain
ORM reads are RLS-filtered). The dashboard renders the widgets the user may
see, in order; a widget whose context function raises is shown as
unavailable and the error is logged, so one broken app never blanks the page.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Widget:
    key: str
    title: str | Promise
    template: str  # rendered with the widget's context plus `widget`
    context: Callable[[HttpRequest], dict[str, Any]]
    order: int = 100
    roles: tuple[str, ...] = ()  # shop roles that see it; empty = every shop role
    size: str = "sm"  # "sm" = one grid cell, "wide" = a full row

    def visible_to(self, user: Any) -> bool:
        if not getattr(user, "is_authenticated", False) or user.tenant_id is None:
            return False
        return not self.roles or user.role in self.roles


_widgets: dict[str, Widget] = {}


def widget_register(widget: Widget) -> None:
    """Add (or replace, by key) a dashboard widget."""
    _widgets[widget.key] = widget


def widgets_all() -> list[Widget]:
    return sorted(_widgets.values(), key=lambda w: (w.order, w.key))


def widgets_render_context(request: HttpRequest) -> list[dict[str, Any]]:
    """[{widget, context, failed}] for the widgets request.user may see, in order."""
    rows = []
    for widget in widgets_all():
        if not widget.visible_to(request.user):
            continue
        try:
            context = dict(widget.context(request))
            failed = False
        except Exception:  # one app's failure must not take the dashboard down
            log.exception("dashboard widget %s failed", widget.key)
            context, failed = {}, True
        rows.append({"widget": widget, "context": context, "failed": failed})
    return rows
