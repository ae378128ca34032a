from django.contrib import admin
from django.urls import include, path

from . import health

urlpatterns = [
    path("health/live/", health.live, name="health-live"),
    path("health/ready/", health.ready, name="health-ready"),
    path("", include("django_prometheus.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("inventory/", include("inventory.urls")),
    path("customers/", include("crm.urls")),
    path("pos/", include("pos.urls")),
    path("repairs/", include("repairs.urls")),
    path("notifications/", include("notifications.urls")),
    path("accounting/", include("accounting.urls")),
    path("reports/", include("reports.urls")),
    path("platform/backups/", include("backups.urls")),
    path("", include("tenants.urls")),
]

