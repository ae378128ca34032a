from django.urls import path

from . import views, wizard

app_name = "backups"
urlpatterns = [
    path("", views.backup_list, name="list"),
    path("export/", views.backup_export, name="export"),
    path("dump/", views.backup_dump, name="dump"),
    path("<uuid:run_id>/restore/", views.backup_restore, name="restore"),
    path("restore/", wizard.restore_wizard, name="restore-wizard"),
    path("alerts/banner/", views.backup_alert_banner, name="alert-banner"),
    path("alerts/<uuid:backup_alert_id>/resolve/", views.backup_alert_resolve,
         name="alert-resolve"),
]
