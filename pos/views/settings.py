"""The register's settings page (owners): the discount and refund limits above which a
manager approves, and the receipt footer."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tenants.access import OWNERS, tenant_view
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add

from .. import selectors, services
from ..forms import PosSettingsForm


@require_http_methods(["GET", "POST"])
@tenant_view(roles=OWNERS)
def pos_settings(request: HttpRequest) -> HttpResponse:
    form = PosSettingsForm(request.POST or None, instance=selectors.pos_settings_get())
    if request.method == "POST" and form.is_valid():
        try:
            services.pos_settings_update(
                tenant=request.tenant, actor=request.user,
                **{name: form.cleaned_data[name] for name in PosSettingsForm.Meta.fields})
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("pos:settings")
    status = 422 if request.method == "POST" else 200
    return render(request, "pos/settings.html", {"form": form}, status=status)
