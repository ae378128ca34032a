from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountingConfig(AppConfig):
    name = "accounting"
    verbose_name = _("Accounting")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenants.access import STAFF_MANAGERS
        from tenants.dashboard import Widget, widget_register
        from tenants.hooks import tenant_created_register
        from tenants.navigation import NavEntry, nav_register
        from tenants.schedules import schedule_register

        from . import services, widgets

        nav_register(NavEntry(key="journal", label=_("Journal"), url_name="accounting:journal",
                              icon="receipt", order=50, roles=tuple(STAFF_MANAGERS)))
        nav_register(NavEntry(key="statements", label=_("Financial statements"),
                              url_name="accounting:statements", icon="chart", order=51,
                              roles=tuple(STAFF_MANAGERS)))
        widget_register(Widget(key="sales-today", title=_("Sales today"),
                               template="accounting/widget_sales.html",
                               context=widgets.sales_today, order=10,
                               roles=tuple(STAFF_MANAGERS)))
        widget_register(Widget(key="sales-30d", title=_("Sales, last 30 days"),
                               template="accounting/widget_chart.html",
                               context=widgets.sales_today, order=60,
                               roles=tuple(STAFF_MANAGERS), size="wide"))
        widget_register(Widget(key="branch-comparison", title=_("Branch comparison"),
                               template="accounting/widget_branches.html",
                               context=widgets.branch_comparison, order=61,
                               roles=tuple(STAFF_MANAGERS), size="wide"))

        widget_register(Widget(key="unposted", title=_("Events not posted"),
                               template="accounting/widget_unposted.html",
                               context=widgets.unposted, order=62,
                               roles=tuple(STAFF_MANAGERS)))

        tenant_created_register("accounting.entity", services.entity_for_new_tenant)
        schedule_register(
            "accounting posting", "accounting.post_all", every=60,
            description="Posts each shop's waiting sales and stock events to its ledger.",
        )
