"""Return pages: the list, a return's page, and the return form of a sale. Thin: the
rules are in pos.returns.sale_return_create()."""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tenants.access import tenant_view
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add

from .. import returns, selectors
from ..return_forms import ReturnForm
from .register import _current_shift


@require_GET
@tenant_view()
def return_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.sale_return_list(user=request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "pos/return_list.html", {"page": page})


@require_GET
@tenant_view()
def return_detail(request: HttpRequest, return_id: uuid.UUID) -> HttpResponse:
    ret = selectors.sale_return_get(return_id=return_id, user=request.user)
    return render(request, "pos/return_detail.html", {
        "ret": ret, "lines": ret.lines.select_related("sale_line"),
        "refunds": ret.refunds.all()})


@require_http_methods(["GET", "POST"])
@tenant_view()
def return_create(request: HttpRequest, sale_id: uuid.UUID) -> HttpResponse:
    """Take back some of a sale's lines in the current shift (its drawer pays cash)."""
    sale = selectors.sale_get(sale_id=sale_id, user=request.user)
    shift = _current_shift(request)
    lines = list(sale.lines.all())
    left = returns.returnable_quantities(sale=sale)
    form = ReturnForm(request.POST or None, lines=lines, left=left)
    status = 200
    if request.method == "POST":
        status = 422
        if shift is None:
            form.add_error(None, _("Open a shift at the register first: the refund comes out "
                                   "of its drawer."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                ret = returns.sale_return_create(
                    tenant=request.tenant, actor=request.user, shift=shift, sale=sale,
                    lines=form.return_lines(), reason=data["reason"],
                    settlement=data["settlement"], manager_pin=data.get("manager_pin", ""),
                    card_reference=data.get("card_reference", ""))
            except BusinessRuleError as exc:
                form_error_add(form, exc)
            else:
                messages.success(request, _("Return %(number)s recorded.")
                                 % {"number": ret.display_number})
                return redirect("pos:return-detail", return_id=ret.pk)
    return render(request, "pos/return_form.html", {
        "sale": sale, "form": form, "shift": shift, "nothing_left": not any(left.values()),
        "limit": selectors.pos_settings_get().return_approval_limit}, status=status)
