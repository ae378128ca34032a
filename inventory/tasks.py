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
    tenant = require_tenant()
    if services.rate_board_follow_market(tenant=tenant, actor=None):
        return services.items_reprice(tenant=tenant, actor=None)
    return 0
