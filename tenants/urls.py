from django.urls import include, path

from .views import mfa, platform, shell, staff

platform_patterns = [
    path("", platform.dashboard, name="dashboard"),
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
    path("branches/", staff.branch_list, name="branch-list"),
    path("branches/new/", staff.branch_create, name="branch-create"),
    path("branches/<uuid:branch_id>/", staff.branch_edit, name="branch-edit"),
    path("settings/security/", staff.security_settings, name="security-settings"),
    path("platform/", include((platform_patterns, "platform"))),
]
