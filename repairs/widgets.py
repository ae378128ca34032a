"""The owner's dashboard widget: repairs still open, and how many are overdue."""

from typing import Any

from django.http import HttpRequest

from . import selectors


def pending_repairs(request: HttpRequest) -> dict[str, Any]:
    return selectors.repair_pending_summary(user=request.user)
