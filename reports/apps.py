from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenants.access import STAFF_MANAGERS
        from tenants.navigation import NavEntry, nav_register
        from tenants.schedules import schedule_register

        nav_register(NavEntry(key="sales-reports", label=_("Sales reports"),
                              url_name="reports:index", icon="chart", order=52,
                              roles=tuple(STAFF_MANAGERS)))
        schedule_register(
            "sales report emails", "reports.schedules_send_all", every=3600,
            description="Emails each shop's scheduled sales reports that are due.",
        )
