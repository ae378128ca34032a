from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Customers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenants.navigation import NavEntry, nav_register
        from tenants.schedules import schedule_register

        nav_register(NavEntry(key="customers", label=_("Customers"), url_name="crm:customer-list",
                              icon="user", order=30))
        nav_register(NavEntry(key="gift-cards", label=_("Gift cards"),
                              url_name="crm:gift-card-list", icon="receipt", order=31))
        nav_register(NavEntry(key="loyalty", label=_("Loyalty"), url_name="crm:loyalty-settings",
                              icon="gem", order=32, roles=("owner", "manager")))
        schedule_register(
            "crm expiry", "crm.expire_all", every=24 * 3600,
            description="Expires loyalty points and gift cards past their dates, per shop.",
        )
