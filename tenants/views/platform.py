"""The platform panel (operators). Reads go through the read-only platform connection."""

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..access import platform_view
from ..models import Tenant, User


@platform_view
def dashboard(request: HttpRequest) -> HttpResponse:
    tenants = Tenant.objects.using("platform")
    context = {
        "tenant_counts": dict(
            tenants.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        ),
        "tenant_total": tenants.count(),
        "user_total": User.objects.using("platform").filter(tenant__isnull=False).count(),
        "recent_tenants": tenants.select_related("plan").order_by("-created_at")[:10],
    }
    return render(request, "tenants/platform_dashboard.html", context)
