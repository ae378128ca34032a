from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from tenants.access import STAFF_MANAGERS
        from tenants.navigation import NavEntry, nav_register
        from tenants.schedules import schedule_register

        nav_register(NavEntry(key="items", label=_("Stock"), url_name="inventory:item-list",
                              icon="cube", order=20))
        nav_register(NavEntry(key="gold-rates", label=_("Gold rates"),
                              url_name="inventory:rate-board", icon="chart", order=21))
        nav_register(NavEntry(key="valuation", label=_("Valuation"),
                              url_name="inventory:valuation", icon="receipt", order=22,
                              roles=tuple(STAFF_MANAGERS)))
        nav_register(NavEntry(key="dead-stock", label=_("Dead stock"),
                              url_name="inventory:report-dead-stock", icon="chart", order=23,
                              roles=tuple(STAFF_MANAGERS)))
        nav_register(NavEntry(key="turnover", label=_("Stock turnover"),
                              url_name="inventory:report-turnover", icon="chart", order=24,
                              roles=tuple(STAFF_MANAGERS)))
        nav_register(NavEntry(key="transfers", label=_("Transfers"),
                              url_name="inventory:transfer-list", icon="building", order=25))
        from tenants.dashboard import Widget, widget_register

        from . import widgets
        from .transfers import transfer_pending_summary

        widget_register(Widget(key="pending-transfers", title=_("Pending transfers"),
                               template="inventory/widget_pending_transfers.html",
                               context=lambda request: transfer_pending_summary(user=request.user),
                               order=41))
        widget_register(Widget(key="inventory-value", title=_("Stock value at today's rate"),
                               template="inventory/widget_inventory_value.html",
                               context=widgets.inventory_value, order=20,
                               roles=tuple(STAFF_MANAGERS)))
        widget_register(Widget(key="low-stock", title=_("Low stock"),
                               template="inventory/widget_low_stock.html",
                               context=widgets.low_stock, order=30))
        schedule_register(
            "gold rates fetch", "inventory.market_rates_fetch",
            every=settings.GOLD_RATE_FETCH_EVERY,
            description="Fetch market gold rates from GOLD_RATE_PROVIDER_URL; shops following "
                        "the market get new board rates and prices.",
        )
        schedule_register(
            "inventory low-stock alerts", "inventory.low_stock_alert_all", every=24 * 3600,
            description="Emails each shop's owners and managers the items at or below their "
                        "low-stock threshold (at most once a day per shop).",
        )
