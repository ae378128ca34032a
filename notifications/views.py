"""The notification centre: the signed-in user's notifications, an unread badge the
header polls (HTMX), marking them read, and each user's preferences (which events
reach them in the app and by email)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenants.access import tenant_view

from . import selectors, services
from .forms import PreferencesForm


@require_GET
@tenant_view()
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notification_list(user=request.user), 30).get_page(
        request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_GET
@tenant_view()
def unread_badge(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/list.html#badge",
                  {"unread": selectors.unread_count(user=request.user)})


@require_POST
@tenant_view()
def mark_read(request: HttpRequest, notification_id: str | None = None) -> HttpResponse:
    if notification_id is not None and not selectors.notification_list(
            user=request.user).filter(pk=notification_id).exists():
        raise Http404
    services.notifications_mark_read(tenant=request.tenant, user=request.user,
                                     notification_id=notification_id)
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@tenant_view()
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None,
                           current=selectors.notification_preferences(user=request.user))
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(tenant=request.tenant, user=request.user,
                                              choices=form.choices())
        messages.success(request, _("Changes saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
