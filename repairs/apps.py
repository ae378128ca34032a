from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairsConfig(AppConfig):
    name = "repairs"
    verbose_name = _("Repairs")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pos.drawer import DrawerSource, drawer_source_register
        from tenants.dashboard import Widget, widget_register
        from tenants.navigation import NavEntry, nav_register
        from tenants.schedules import schedule_register

        from . import widgets
        from .payments import shift_repair_cash

        nav_register(NavEntry(key="repairs", label=_("Repairs"), url_name="repairs:order-list",
                              icon="wrench", order=40))
        widget_register(Widget(key="pending-repairs", title=_("Pending repairs"),
                               template="repairs/widget_pending.html",
                               context=widgets.pending_repairs, order=40))
        drawer_source_register(DrawerSource(key="repair-cash", label=_("Repair cash received"),
                                            cash=shift_repair_cash))
        schedule_register(
            "repair overdue reminders", "repairs.overdue_remind_all", every=3600,
            description="Reminds customers (per consent) and the shop of repair orders past "
                        "their promised date, at most once a day per order.",
        )
