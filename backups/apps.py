from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    name = "backups"
    verbose_name = _("Backups")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenants.navigation import NavEntry, nav_register
        from tenants.schedules import schedule_register

        nav_register(NavEntry(key="platform-backups", label=_("Backups"),
                              url_name="backups:list", icon="shield", order=65,
                              panel="platform"))

        day = 24 * 3600
        schedule_register("backups: full cluster backup", "backups.cluster_backup_scheduled",
                          every=7 * day, args=["full"],
                          description="pgBackRest full backup (weekly).")
        schedule_register("backups: differential cluster backup",
                          "backups.cluster_backup_scheduled", every=day, args=["diff"],
                          description="pgBackRest differential backup (daily).")
        schedule_register("backups: shop exports", "backups.tenant_exports_all", every=day,
                          description="Encrypted export of every active shop (daily).")
        schedule_register("backups: database copy", "backups.cluster_dump", every=day,
                          description="pg_dump of the whole database, zstd and encrypted, "
                                      "on every target (daily portable copy).")
        schedule_register("backups: reconcile", "backups.reconcile", every=3600,
                          description="Fails runs of dead workers, aborts unfinished uploads.")
        schedule_register("backups: watch", "backups.watch", every=600,
                          description="Alerts on WAL archiving failures and overdue backups.")
        schedule_register("backups: verify", "backups.verify", every=3600,
                          description="pgbackrest verify and SHA-256 of every export copy "
                                      "(hourly).")
        schedule_register("backups: restore drill", "backups.drill", every=30 * day,
                          description="Restores the cluster to a side directory; records "
                                      "RTO and RPO (monthly).")
        schedule_register("backups: expire", "backups.expire", every=day,
                          description="Export copies past their retention at each "
                                      "target, then pgbackrest expire (daily).")
