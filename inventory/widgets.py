"""The inventory's dashboard widgets: stock value at today's rate per branch and the
low-stock list. Each is one query (inventory/selectors.py)."""

from typing import Any

from django.http import HttpRequest

from . import selectors


def inventory_value(request: HttpRequest) -> dict[str, Any]:
    return {**selectors.inventory_value_by_branch(), "currency": request.tenant.currency}


def low_stock(request: HttpRequest) -> dict[str, Any]:
    return selectors.low_stock_summary()
