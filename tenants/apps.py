from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Tenants")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from .mfa import mfa_remember_enrolment
        from .navigation import NavEntry, nav_register
        from .schedules import schedule_register, schedules_ensure

        user_logged_in.connect(mfa_remember_enrolment, dispatch_uid="zargar-mfa-enrolment")
        from .preferences import language_activate_on_login

        user_logged_in.connect(language_activate_on_login, dispatch_uid="zargar-login-language")
        from .platform_signals import platform_connect

        platform_connect()
        post_migrate.connect(schedules_ensure, sender=self, dispatch_uid="zargar-schedules")
        schedule_register(
            "worker heartbeat",
            "tenants.worker_heartbeat",
            every=60,
            description="Proves a worker reaches PostgreSQL and Redis.",
        )

        managers = ("owner", "manager")
        for entry in (
            NavEntry(
                key="dashboard",
                label=_("Dashboard"),
                url_name="home",
                icon="home",
                order=0,
                panel="public",
            ),
            NavEntry(
                key="platform",
                label=_("Platform"),
                url_name="platform:dashboard",
                icon="chart",
                order=0,
                panel="platform",
            ),
            NavEntry(
                key="platform-tenants",
                label=_("Shops"),
                url_name="platform:tenant-list",
                icon="building",
                order=10,
                panel="platform",
            ),
            NavEntry(
                key="platform-plans",
                label=_("Plans"),
                url_name="platform:plan-list",
                icon="receipt",
                order=20,
                panel="platform",
            ),
            NavEntry(
                key="platform-flags",
                label=_("Flags"),
                url_name="platform:flag-list",
                icon="key",
                order=30,
                panel="platform",
            ),
            NavEntry(
                key="platform-announcements",
                label=_("Announcements"),
                url_name="platform:announcement-list",
                icon="mail",
                order=40,
                panel="platform",
            ),
            NavEntry(
                key="platform-audit",
                label=_("Audit"),
                url_name="platform:audit-list",
                icon="shield",
                order=50,
                panel="platform",
            ),
            NavEntry(
                key="platform-health",
                label=_("Health"),
                url_name="platform:health",
                icon="check",
                order=60,
                panel="platform",
            ),
            NavEntry(
                key="platform-jobs",
                label=_("Jobs"),
                url_name="platform:job-list",
                icon="calendar",
                order=70,
                panel="platform",
            ),
            NavEntry(
                key="staff",
                label=_("Staff"),
                url_name="staff-list",
                icon="user",
                order=80,
                roles=managers,
            ),
            NavEntry(
                key="branches",
                label=_("Branches"),
                url_name="branch-list",
                icon="building",
                order=85,
                roles=managers,
            ),
            NavEntry(
                key="security",
                label=_("Security"),
                url_name="security-settings",
                icon="shield",
                order=90,
                roles=managers,
            ),
        ):
            nav_register(entry)
