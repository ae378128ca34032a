"""Old-gold buy-back pages: the list, the form and a buy-back's page. Thin: the rules
are in pos.buybacks.buy_back_create()."""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.models import Customer
from inventory.models import RateBoard
from tenants.access import tenant_view
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add

from .. import buybacks, selectors
from ..return_forms import BuyBackForm
from .register import _current_shift


@require_GET
@tenant_view()
def buyback_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.buy_back_list(user=request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "pos/buyback_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@tenant_view()
def buyback_create(request: HttpRequest) -> HttpResponse:
    shift = _current_shift(request)
    form = BuyBackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if shift is None:
            form.add_error(None, _("Open a shift at the register first: the payout comes out "
                                   "of its drawer."))
        elif form.is_valid():
            data = form.cleaned_data
            customer = None
            if data.get("customer_number"):
                customer = Customer.objects.filter(number=data["customer_number"]).first()
                if customer is None:
                    form.add_error("customer_number", _("No customer has this number."))
            if not form.errors:
                try:
                    row = buybacks.buy_back_create(
                        tenant=request.tenant, actor=request.user, shift=shift,
                        weight=data["weight"], karat=data.get("karat"),
                        purity=data.get("purity"),
                        melt_loss_percent=data.get("melt_loss_percent"),
                        rate=data.get("rate"), settlement=data["settlement"],
                        customer=customer, seller_name=data.get("seller_name", ""),
                        seller_id_number=data.get("seller_id_number", ""),
                        description=data.get("description", ""))
                except BusinessRuleError as exc:
                    form_error_add(form, exc)
                else:
                    messages.success(request, _("Buy-back %(number)s recorded.")
                                     % {"number": row.display_number})
                    return redirect("pos:buyback-detail", buy_back_id=row.pk)
    board = RateBoard.objects.filter(code__startswith="gold", buy_rate__gt=0).order_by("code")
    return render(request, "pos/buyback_form.html",
                  {"form": form, "shift": shift, "board": board}, status=status)


@require_GET
@tenant_view()
def buyback_detail(request: HttpRequest, buy_back_id: uuid.UUID) -> HttpResponse:
    return render(request, "pos/buyback_detail.html", {
        "row": selectors.buy_back_get(buy_back_id=buy_back_id, user=request.user)})
