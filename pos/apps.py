from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PosConfig(AppConfig):
    name = "pos"
    verbose_name = _("Point of sale")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenants.navigation import NavEntry, nav_register

        nav_register(NavEntry(key="pos", label=_("Register"), url_name="pos:register",
                              icon="receipt", order=10))
        nav_register(NavEntry(key="pos-sales", label=_("Sales"), url_name="pos:sale-list",
                              icon="receipt", order=11))
        nav_register(NavEntry(key="pos-returns", label=_("Returns"), url_name="pos:return-list",
                              icon="receipt", order=12))
        nav_register(NavEntry(key="pos-buybacks", label=_("Old gold"),
                              url_name="pos:buyback-list", icon="gem", order=13))
        nav_register(NavEntry(key="pos-shifts", label=_("Shifts"), url_name="pos:shift-list",
                              icon="calendar", order=14))
        nav_register(NavEntry(key="pos-settings", label=_("Register settings"),
                              url_name="pos:settings", icon="receipt", order=92, roles=("owner",)))
