from django.urls import include, path

from . import impersonation
from .views import announcements, mfa, platform, shell, staff

platform_patterns = [
    path("", platform.dashboard, name="dashboard"),
    path("tenants/", platform.tenant_list, name="tenant-list"),
    path("tenants/new/", platform.tenant_create_view, name="tenant-create"),
    path("tenants/<uuid:tenant_id>/", platform.tenant_detail, name="tenant-detail"),
    path("tenants/<uuid:tenant_id>/edit/", platform.tenant_edit, name="tenant-edit"),
    path("tenants/<uuid:tenant_id>/status/", platform.tenant_status, name="tenant-status"),
    path("tenants/<uuid:tenant_id>/delete/", platform.tenant_delete, name="tenant-delete"),
    path(
        "tenants/<uuid:tenant_id>/subscription/",
        platform.tenant_subscription,
        name="tenant-subscription",
    ),
    path(
        "tenants/<uuid:tenant_id>/users/<uuid:user_id>/password-reset/",
        platform.user_password_reset,
        name="user-password-reset",
    ),
    path("impersonate/", platform.impersonation_start, name="impersonation-start"),
    path("plans/", platform.plan_list, name="plan-list"),
    path("plans/new/", platform.plan_create, name="plan-create"),
    path("plans/<uuid:plan_id>/", platform.plan_edit, name="plan-edit"),
    path("plans/<uuid:plan_id>/archive/", platform.plan_archive, name="plan-archive"),
    path("flags/", platform.flag_list, name="flag-list"),
    path("flags/<slug:name>/kill/", platform.flag_kill, name="flag-kill"),
    path("flags/<slug:name>/override/", platform.flag_override, name="flag-override"),
    path("announcements/", platform.announcement_list, name="announcement-list"),
    path("announcements/new/", platform.announcement_create, name="announcement-create"),
    path(
        "announcements/<int:announcement_id>/",
        platform.announcement_detail,
        name="announcement-detail",
    ),
    path(
        "announcements/<int:announcement_id>/end/",
        platform.announcement_end,
        name="announcement-end",
    ),
    path("audit/", platform.audit_list, name="audit-list"),
    path("audit/export.csv", platform.audit_export, name="audit-export"),
    path("health/", platform.health_view, name="health"),
    path("jobs/", platform.job_list, name="job-list"),
    path("jobs/<int:task_id>/", platform.job_edit, name="job-edit"),
    path("jobs/<int:task_id>/run/", platform.job_run, name="job-run"),
]

urlpatterns = [
    path("", shell.home, name="home"),
    path("preferences/language/", shell.preferences_language, name="preferences-language"),
    path("preferences/theme/", shell.preferences_theme, name="preferences-theme"),
    path("account/two-factor/", mfa.mfa_verify, name="mfa-verify"),
    path("account/two-factor/setup/", mfa.mfa_setup, name="mfa-setup"),
    path("account/two-factor/backup-codes/", mfa.mfa_backup_codes, name="mfa-backup-codes"),
    path("staff/", staff.staff_list, name="staff-list"),
    path("staff/invite/", staff.staff_invite, name="staff-invite"),
    path("staff/<uuid:user_id>/", staff.staff_edit, name="staff-edit"),
    path("staff/<uuid:user_id>/active/", staff.staff_set_active, name="staff-set-active"),
    path("staff/<uuid:user_id>/pin/clear/", staff.staff_pin_clear, name="staff-pin-clear"),
    path("branches/", staff.branch_list, name="branch-list"),
    path("branches/new/", staff.branch_create, name="branch-create"),
    path("branches/<uuid:branch_id>/", staff.branch_edit, name="branch-edit"),
    path("settings/security/", staff.security_settings, name="security-settings"),
    path("settings/security/pin/", staff.security_pin, name="security-pin"),
    path("announcements/", announcements.announcement_banners, name="announcement-banners"),
    path("announcements/dismiss/", announcements.announcement_dismiss, name="announcement-dismiss"),
    path("impersonation/stop/", impersonation.impersonation_stop, name="impersonation-stop"),
    path("platform/", include((platform_patterns, "platform"))),
]
