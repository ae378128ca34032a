"""Celery tasks of the inventory: the market feed (platform-wide) and each shop's board."""

import logging

from celery import shared_task
from django.conf import settings

from tenants.context import require_tenant
from tenants.tasks_base import TenantTask, fan_out

from . import rates_provider, services

log = logging.getLogger(__name__)


@shared_task(name="inventory.market_rates_fetch", acks_late=True)
def market_rates_fetch() -> int:
    """Fetch the market feed, keep its rates, then let every shop's board follow them.
    Returns how many rates were kept (0 when no provider is configured)."""
    if not settings.GOLD_RATE_PROVIDER_URL:
        return 0
    try:
        feed = rates_provider.fetch_rates()
    except rates_provider.RateFeedError as exc:
        # Nothing is kept; boards keep their last rates and show the stale warning.
        log.warning("market rates not updated: %s", exc)
        return 0
    kept = services.market_rates_store(feed=feed)
    fan_out(rate_board_follow)
    return len(kept)


@shared_task(base=TenantTask, name="inventory.rate_board_follow")
def rate_board_follow() -> int:
    """One shop: bring follow-the-market lines up to date and reprice if anything moved."""
    from . import alerts

    tenant = require_tenant()
    changed = services.rate_board_follow_market(tenant=tenant, actor=None)
    alerts.rate_alerts_check(tenant=tenant)  # market rates were fetched: check thresholds
    if changed:
        return services.items_reprice(tenant=tenant, actor=None)
    return 0


@shared_task(base=TenantTask, name="inventory.low_stock_alert")
def low_stock_alert() -> int:
    """One shop: email owners and managers the items at or below their threshold
    (at most once a day, nothing when none is low)."""
    from . import alerts

    return alerts.low_stock_alert_send(tenant=require_tenant())


@shared_task(name="inventory.low_stock_alert_all", acks_late=True)
def low_stock_alert_all() -> int:
    """Platform task (beat, daily): enqueue low_stock_alert for every active shop."""
    return fan_out(low_stock_alert)
