"""Shop users dismiss or acknowledge the platform's announcement banners."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ..access import tenant_view
from ..announcements import announcement_banners as banners
from ..announcements import announcement_dismiss as dismiss
from ..announcements import announcements_for_tenant
from ..errors import BusinessRuleError
from ..models import Announcement
from .shell import _next_url


@tenant_view()
@require_GET
def announcement_banners(request: HttpRequest) -> HttpResponse:
    """The banners, loaded by HTMX after the page (so pages pay no query for them);
    seeing them here is what read tracking records."""
    current = request.headers.get("HX-Current-URL", "")
    context = {"announcements": banners(user=request.user, tenant=request.tenant),
               "next_url": current or "/"}
    return render(request, "tenants/platform/announcement_banners.html", context)


@tenant_view()
@require_POST
def announcement_dismiss(request: HttpRequest) -> HttpResponse:
    """POST id (and acknowledge=1 for critical ones); only announcements shown to this shop."""
    try:
        announcement = announcements_for_tenant(request.tenant).get(pk=request.POST.get("id"))
    except (Announcement.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc
    try:
        dismiss(user=request.user, announcement=announcement,
                acknowledge=request.POST.get("acknowledge") == "1")
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    if getattr(request, "htmx", False):
        return HttpResponse("")
    return HttpResponseRedirect(_next_url(request))
