"""The register's pages. Thin: parse input, call a service or selector, render.

The cart lives in the session, per terminal shift: {"shift": id, "lines": {item id:
quantity}, "key": idempotency key of the next sale}. Every cart change answers with
the cart fragment for HTMX (`pos/register.html#cart`) or redirects without JavaScript.
"""

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from inventory import selectors as inventory_selectors
from inventory.models import Item
from tenants.access import branches_visible_to, tenant_view
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add
from tenants.models import Terminal

from .. import selectors, services, totals
from ..forms import CompleteForm, ScanForm, ShiftCloseForm, ShiftOpenForm
from ..models import Payment, Shift

SESSION_KEY = "pos_register"


def _state(request: HttpRequest) -> dict[str, Any]:
    return request.session.get(SESSION_KEY) or {}


def _save(request: HttpRequest, state: dict[str, Any]) -> None:
    request.session[SESSION_KEY] = state


def _terminals(request: HttpRequest):
    return Terminal.objects.filter(is_active=True,
                                   branch__in=branches_visible_to(request.user))


def _current_shift(request: HttpRequest) -> Shift | None:
    shift_id = _state(request).get("shift")
    if not shift_id:
        return None
    return Shift.objects.filter(pk=shift_id, closed_at__isnull=True,
                                terminal__in=_terminals(request)).first()


def _cart(request: HttpRequest) -> dict[str, Any]:
    """The cart's items, quantities and running totals (tax is worked out at completion)."""
    state = _state(request)
    wanted = state.get("lines", {})
    items = {str(i.pk): i for i in Item.objects.filter(pk__in=list(wanted))}
    lines = [(items[pk], qty) for pk, qty in wanted.items() if pk in items]
    total = Decimal(0)
    if lines:
        total = totals.cart_totals(
            [totals.LineInput(item.selling_price, qty) for item, qty in lines],
            currency=request.tenant.currency).total
    return {"lines": lines, "total": total}


def _register(request: HttpRequest, *, shift: Shift, status: int = 200,
              scan_form: ScanForm | None = None, complete_form: CompleteForm | None = None,
              fragment: str = "") -> HttpResponse:
    state = _state(request)
    if not state.get("key"):
        state["key"] = str(uuid.uuid4())
        _save(request, state)
    context = {
        "shift": shift,
        "cart": _cart(request),
        "scan_form": scan_form or ScanForm(),
        "complete_form": complete_form or CompleteForm(initial={"idempotency_key": state["key"]}),
        "close_form": ShiftCloseForm(),
        "currency": request.tenant.currency,
    }
    template = "pos/register.html" + (f"#{fragment}" if fragment else "")
    return render(request, template, context, status=status)


@require_GET
@tenant_view()
def register(request: HttpRequest) -> HttpResponse:
    shift = _current_shift(request)
    if shift is None:
        form = ShiftOpenForm(terminals=_terminals(request))
        return render(request, "pos/shift_open.html", {"form": form})
    return _register(request, shift=shift)


@require_POST
@tenant_view()
def shift_open(request: HttpRequest) -> HttpResponse:
    form = ShiftOpenForm(request.POST, terminals=_terminals(request))
    if form.is_valid():
        try:
            shift = services.shift_open(tenant=request.tenant, actor=request.user,
                                        terminal=form.cleaned_data["terminal"],
                                        opening_float=form.cleaned_data["opening_float"])
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            _save(request, {"shift": str(shift.pk), "lines": {}, "key": str(uuid.uuid4())})
            return redirect("pos:register")
    return render(request, "pos/shift_open.html", {"form": form}, status=422)


@require_POST
@tenant_view()
def scan(request: HttpRequest) -> HttpResponse:
    """Add the scanned or typed code's item to the cart (a single piece once)."""
    shift = _current_shift(request)
    if shift is None:
        return redirect("pos:register")
    form = ScanForm(request.POST)
    status = 200
    if form.is_valid():
        item = inventory_selectors.item_get_by_code(code=form.cleaned_data["code"])
        state = _state(request)
        lines = state.setdefault("lines", {})
        if item is None or not item.is_active:
            form.add_error("code", _("No item has this code."))
        elif item.is_serial and str(item.pk) in lines:
            form.add_error("code", _("This piece is already in the cart."))
        else:
            lines[str(item.pk)] = lines.get(str(item.pk), 0) + 1
            _save(request, state)
            form = ScanForm()
    if form.errors:
        status = 422
    if request.htmx:
        return _register(request, shift=shift, scan_form=form, fragment="cart", status=status)
    if status == 422:
        return _register(request, shift=shift, scan_form=form, status=status)
    return redirect("pos:register")


@require_POST
@tenant_view()
def cart_clear(request: HttpRequest) -> HttpResponse:
    state = _state(request)
    state["lines"] = {}
    _save(request, state)
    shift = _current_shift(request)
    if request.htmx and shift is not None:
        return _register(request, shift=shift, fragment="cart")
    return redirect("pos:register")


@require_POST
@tenant_view()
def complete(request: HttpRequest) -> HttpResponse:
    """Complete the sale with cash and/or card; the form's key makes a resubmission
    return the sale already made."""
    shift = _current_shift(request)
    if shift is None:
        return redirect("pos:register")
    form = CompleteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        cart = _cart(request)
        payments = [(method, data[method], data["card_reference"] if method == "card" else "")
                    for method in ("card", "cash") if data.get(method)]
        try:
            sale = services.sale_complete(
                tenant=request.tenant, actor=request.user, shift=shift,
                idempotency_key=data["idempotency_key"],
                lines=[(item, qty, Decimal(0)) for item, qty in cart["lines"]],
                cart_discount=data.get("cart_discount") or Decimal(0), payments=payments)
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            _save(request, {"shift": str(shift.pk), "lines": {}, "key": str(uuid.uuid4())})
            messages.success(request, _("Sale %(number)s completed.")
                             % {"number": sale.display_number})
            return redirect("pos:sale-detail", sale_id=sale.pk)
    return _register(request, shift=shift, complete_form=form, status=422)


@require_GET
@tenant_view()
def sale_detail(request: HttpRequest, sale_id: uuid.UUID) -> HttpResponse:
    sale = selectors.sale_get(sale_id=sale_id)
    return render(request, "pos/sale_detail.html", {
        "sale": sale, "lines": sale.lines.all(), "payments": sale.payments.all(),
        "change": sum((p.change_given for p in sale.payments.all()), Decimal(0)),
    })


@require_POST
@tenant_view()
def shift_close(request: HttpRequest) -> HttpResponse:
    shift = _current_shift(request)
    if shift is None:
        return redirect("pos:register")
    form = ShiftCloseForm(request.POST)
    if form.is_valid():
        try:
            services.shift_close(tenant=request.tenant, actor=request.user, shift=shift,
                                 counted_cash=form.cleaned_data["counted_cash"])
        except BusinessRuleError as exc:
            messages.error(request, exc.message)
        else:
            _save(request, {})
            return redirect("pos:shift-report", shift_id=shift.pk)
    return _register(request, shift=shift, status=422)


@require_GET
@tenant_view()
def shift_report(request: HttpRequest, shift_id: uuid.UUID) -> HttpResponse:
    """The Z report of a shift (open: so far; closed: with the count)."""
    shift = selectors.shift_get(shift_id=shift_id)
    report = selectors.shift_z_report(shift=shift)
    methods = [(Payment.Method(m).label, amount) for m, amount in report.by_method.items()]
    return render(request, "pos/shift_report.html", {
        "report": report, "shift": shift, "methods": methods,
        "currency": request.tenant.currency})


