from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenants.navigation import NavEntry, nav_register

        nav_register(NavEntry(key="notifications", label=_("Notifications"),
                              url_name="notifications:list", icon="mail", order=90))
