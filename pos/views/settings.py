"""The register's settings page (owners): the discount and refund limits above which a
manager approves, and what receipts print (footer, tax ID, logo)."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tenants.access import OWNERS, tenant_view
from tenants.formviews import form_page

from .. import selectors, services
from ..forms import PosSettingsForm


@require_http_methods(["GET", "POST"])
@tenant_view(roles=OWNERS)
def pos_settings(request: HttpRequest) -> HttpResponse:
    row = selectors.pos_settings_get()
    form = PosSettingsForm(request.POST or None, request.FILES or None, initial={
        name: getattr(row, name) for name in services.POS_SETTINGS_FIELDS})
    return form_page(
        request, form=form, template="pos/settings.html",
        save=lambda data: services.pos_settings_update(
            tenant=request.tenant, actor=request.user, **data),
        success_message=_("Changes saved."), success_url="pos:settings",
        context={"logo": row.receipt_logo})
