"""Wiring of the platform panel's receivers (called once from TenantsConfig.ready)."""


def platform_connect() -> None:
    from axes.signals import user_locked_out
    from celery.signals import task_failure, task_prerun, task_success
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
    from hijack.signals import hijack_ended, hijack_started

    from . import audit, health, impersonation, platform_tasks  # noqa: F401 - registers tasks
    from .schedules import schedule_register

    audit.audit_register()
    user_logged_in.connect(audit.on_user_logged_in, dispatch_uid="zargar-audit-login")
    user_logged_out.connect(audit.on_user_logged_out, dispatch_uid="zargar-audit-logout")
    user_login_failed.connect(audit.on_user_login_failed, dispatch_uid="zargar-audit-failed")
    user_locked_out.connect(audit.on_user_locked_out, dispatch_uid="zargar-audit-lockout")
    hijack_started.connect(impersonation.on_hijack_started, dispatch_uid="zargar-hijack-start")
    hijack_ended.connect(impersonation.on_hijack_ended, dispatch_uid="zargar-hijack-end")
    task_prerun.connect(health.on_task_prerun, dispatch_uid="zargar-job-prerun", weak=False)
    task_success.connect(health.on_task_success, dispatch_uid="zargar-job-success", weak=False)
    task_failure.connect(health.on_task_failure, dispatch_uid="zargar-job-failure", weak=False)

    schedule_register("tenant purge", "tenants.tenant_purge_due", every=3600,
                      description="Purges shops whose deletion grace period has ended.")
    schedule_register("announcement emails", "tenants.announcements_email_due", every=300,
                      description="Emails scheduled announcements once they start.")
