from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountingConfig(AppConfig):
    name = "accounting"
    verbose_name = _("Accounting")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenants.hooks import tenant_created_register
        from tenants.schedules import schedule_register

        from . import services

        tenant_created_register("accounting.entity", services.entity_for_new_tenant)
        schedule_register(
            "accounting posting", "accounting.post_all", every=60,
            description="Posts each shop's waiting sales and stock events to its ledger.",
        )
