"""The sales and shifts pages: what was sold, when, where and by whom, and each
shift's Z report. Thin: the filters are forms, the reads pos.selectors (branch scope
included)."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tenants.access import STAFF_MANAGERS, tenant_view, user_branch_bound
from tenants.fragments import page_or_partial, restore_status
from tenants.models import Branch

from .. import exports, selectors
from ..forms import SaleFilterForm, ShiftFilterForm

SHIFT_PAGE_SIZE = 50


def _branches(request: HttpRequest):
    """The branches whose rows the user may filter by: their own when bound to one,
    else every branch (a closed one's history included)."""
    user = request.user
    if user_branch_bound(user):
        return Branch.objects.filter(pk=user.branch_id)
    return Branch.objects.all()


@require_GET
@tenant_view()
def sale_list(request: HttpRequest) -> HttpResponse:
    form = SaleFilterForm(request.GET, branches=_branches(request))
    page = totals = None
    status = 422
    if form.is_valid():
        filters = form.filters()
        sales = selectors.sale_list(user=request.user, filters=filters)
        page = selectors.sale_page(sales, older_than=request.GET.get("older"),
                                   newer_than=request.GET.get("newer"),
                                   size=selectors.SALE_PAGE_SIZE)
        totals = selectors.sale_totals(sales=sales, filters=filters)
        status = 200
    query = request.GET.copy()
    for key in ("older", "newer"):
        query.pop(key, None)
    template = page_or_partial(request, "pos/sale_list.html", target="sale-results")
    return render(request, template, {
        "form": form, "page": page, "totals": totals, "query": query.urlencode(),
        "bound": user_branch_bound(request.user),
        "totals_max_days": selectors.SALE_TOTALS_MAX_DAYS,
        "can_export": request.user.role in STAFF_MANAGERS,
    }, status=restore_status(request, status))


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def sale_export(request: HttpRequest) -> HttpResponse:
    """The filtered sales of a period (at most SALE_TOTALS_MAX_DAYS days, as the totals)
    as a CSV file; without such a period, the sales page with the reason (422)."""
    form = SaleFilterForm(request.GET, branches=_branches(request))
    if form.is_valid():
        filters = form.filters()
        sales = selectors.sale_list(user=request.user, filters=filters)
        if selectors.sale_period_bounded(filters):
            response = HttpResponse(exports.sales_csv(sales), content_type="text/csv; charset=utf-8")
            # The period's end when one is given (its default, today, otherwise).
            stamp = (filters.end or timezone.localdate()).isoformat()
            response["Content-Disposition"] = (
                f'attachment; filename="sales-{filters.start.isoformat()}-{stamp}.csv"')
            return response
        form.add_error(None, _("Choose a period of up to %(days)s days to export.")
                       % {"days": selectors.SALE_TOTALS_MAX_DAYS})
    return render(request, "pos/sale_list.html", {
        "form": form, "page": None, "totals": None, "query": "",
        "bound": user_branch_bound(request.user),
        "totals_max_days": selectors.SALE_TOTALS_MAX_DAYS, "can_export": True,
    }, status=422)


@require_GET
@tenant_view()
def shift_list(request: HttpRequest) -> HttpResponse:
    form = ShiftFilterForm(request.GET, branches=_branches(request))
    page = None
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        shifts = selectors.shift_list(
            user=request.user, state=data.get("state") or "",
            branch_id=data["branch"].pk if data.get("branch") else None,
            terminal_id=data["terminal"].pk if data.get("terminal") else None)
        page = Paginator(shifts, SHIFT_PAGE_SIZE).get_page(request.GET.get("page"))
        for shift in page:  # Over or Short is said in words: the amount without its sign.
            shift.over_short_amount = (abs(shift.over_short) if shift.over_short is not None
                                       else None)
        status = 200
    template = page_or_partial(request, "pos/shift_list.html", target="shift-results")
    return render(request, template, {
        "form": form, "page": page, "bound": user_branch_bound(request.user),
    }, status=restore_status(request, status))
