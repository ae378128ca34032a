"""The register's "Return" and "Old gold" actions (HTMX panels of pos/register.html).

Thin: the rules are in pos.returns.sale_return_create(), pos.carts.cart_old_gold_add()
(old gold credited to the current sale, bought back when the sale completes) and
pos.buybacks.buy_back_create() (old gold paid out in cash). Each answers with its
panel's fragment (422 with the form's messages and nothing changed); crediting old
gold also sends the cart and the payment panel's credit lines out of band. Without
JavaScript the forms fall back to the full pages (return form, buy-back form) or
back to the register.
"""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tenants.access import tenant_view, user_branch_bound
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add
from tenants.money import money_text

from .. import buybacks, carts, returns, selectors
from ..models import BuyBack
from ..return_forms import RegisterOldGoldForm, RegisterReturnFindForm, ReturnForm
from ..templatetags.pos_drawer import drawer_lines
from .register import _cart_response, _current_shift, _no_shift

RETURN_PREFIX = "ret"


# --- old gold --------------------------------------------------------------------


def _gold_panel(request: HttpRequest, *, form: RegisterOldGoldForm | None = None,
                status: int = 200, done: BuyBack | None = None, note: str = "",
                with_cart=None) -> HttpResponse:
    response = render(request, "pos/register.html#old-gold", {
        "gold_form": form or RegisterOldGoldForm(), "gold_done": done, "gold_note": note,
        "currency": request.tenant.currency}, status=status)
    if with_cart is not None:  # the cart and the payment credits changed: out of band
        cart = _cart_response(request, with_cart, oob=True)
        response.content += cart.content
    return response


def _gold_form_refused(request: HttpRequest, form: RegisterOldGoldForm) -> HttpResponse:
    """The old-gold form's errors: in the panel (422), or as messages without htmx."""
    if not request.htmx:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("pos:register")
    return _gold_panel(request, form=form, status=422)


def _gold_figures(form: RegisterOldGoldForm) -> dict:
    data = form.cleaned_data
    return {"weight": data["weight"], "karat": data.get("karat"), "purity": data.get("purity"),
            "melt_loss_percent": data.get("melt_loss_percent"), "rate": data.get("rate"),
            "seller_name": data.get("seller_name", ""),
            "seller_id_number": data.get("seller_id_number", ""),
            "description": data.get("description", "")}


@require_POST
@tenant_view()
def old_gold_credit(request: HttpRequest) -> HttpResponse:
    """Value the old gold now and keep it on the cart: the sale takes it as a tender
    ("Old gold credit") and the customer pays the rest."""
    shift = _current_shift(request)
    if shift is None:
        return _no_shift(request)
    form = RegisterOldGoldForm(request.POST)
    if form.is_valid():
        try:
            cart = carts.cart_old_gold_add(tenant=request.tenant, actor=request.user,
                                           shift=shift, **_gold_figures(form))
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            entry = cart.old_gold[-1]
            note = _("Old gold worth %(amount)s credited to this sale.") % {
                "amount": money_text(entry["payout"])}
            if not request.htmx:
                messages.success(request, note)
                return redirect("pos:register")
            return _gold_panel(request, note=note, with_cart=shift)
    return _gold_form_refused(request, form)


@require_POST
@tenant_view()
def old_gold_cash(request: HttpRequest) -> HttpResponse:
    """Buy the old gold for cash out of the shift's drawer (no sale involved)."""
    shift = _current_shift(request)
    if shift is None:
        return _no_shift(request)
    form = RegisterOldGoldForm(request.POST)
    if form.is_valid():
        figures = _gold_figures(form)
        customer = None
        if not (figures["seller_name"] or figures["seller_id_number"]):
            cart = carts.cart_active_for(shift=shift)
            customer = cart.customer if cart is not None else None
        try:
            row = buybacks.buy_back_create(tenant=request.tenant, actor=request.user,
                                           shift=shift, settlement=BuyBack.Settlement.CASH,
                                           customer=customer, **figures)
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            note = _("Buy-back %(number)s: pay %(amount)s in cash to the seller.") % {
                "number": row.display_number, "amount": money_text(row.payout)}
            if not request.htmx:
                messages.success(request, note)
                return redirect("pos:buyback-detail", buy_back_id=row.pk)
            return _with_drawer(request, shift, _gold_panel(request, done=row, note=note))
    return _gold_form_refused(request, form)


@require_POST
@tenant_view()
def old_gold_remove(request: HttpRequest) -> HttpResponse:
    """Take old gold off the cart (the customer keeps it)."""
    shift = _current_shift(request)
    if shift is None:
        return _no_shift(request)
    cart = carts.cart_active_for(shift=shift)
    try:
        if cart is None:
            raise BusinessRuleError(_("This old gold is no longer on the cart."))
        carts.cart_old_gold_remove(tenant=request.tenant, actor=request.user, cart=cart,
                                   entry_id=request.POST.get("entry", ""))
    except BusinessRuleError as exc:
        return _cart_response(request, shift, status=422, error=exc.message)
    return _cart_response(request, shift)


def _with_drawer(request: HttpRequest, shift, response: HttpResponse) -> HttpResponse:
    """Cash left the drawer: the register's drawer lines (shift close) out of band too."""
    response.content += render_to_string(
        "pos/_drawer_lines.html", drawer_lines(shift, oob=True), request=request).encode()
    return response


# --- returns ---------------------------------------------------------------------


def _return_panel(request: HttpRequest, *, status: int = 200, **context) -> HttpResponse:
    context.setdefault("find_form", RegisterReturnFindForm())
    context["limit"] = selectors.pos_settings_get().return_approval_limit
    return render(request, "pos/register.html#return", context, status=status)


def _return_form(sale, data=None) -> tuple[ReturnForm, bool]:
    left = returns.returnable_quantities(sale=sale)
    form = ReturnForm(data, lines=list(sale.lines.all()), left=left, prefix=RETURN_PREFIX)
    return form, not any(left.values())


@require_GET
@tenant_view()
def return_find(request: HttpRequest) -> HttpResponse:
    """The sale named by its number or its receipt's QR code, with its return form."""
    find = RegisterReturnFindForm(request.GET)
    sale = selectors.sale_find(code=find.cleaned_data["code"], user=request.user) if find.is_valid() else None
    if sale is None:
        if find.is_valid():
            # A cashier bound to a branch finds its sales only (another branch's take
            # them back, or a manager): say so rather than "no such sale".
            find.add_error("code", _("No sale of your branch has this number or code.")
                           if user_branch_bound(request.user)
                           else _("No sale has this number or code."))
        if not request.htmx:
            for errors in find.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("pos:register")
        return _return_panel(request, find_form=find, status=422)
    if not request.htmx:
        return redirect("pos:return-create", sale_id=sale.pk)
    form, nothing_left = _return_form(sale)
    return _return_panel(request, find_form=find, sale=sale, return_form=form,
                         nothing_left=nothing_left)


@require_POST
@tenant_view()
def return_create(request: HttpRequest, sale_id: uuid.UUID) -> HttpResponse:
    """Take back lines of the sale in the current shift; refunds as chosen."""
    sale = selectors.sale_get(sale_id=sale_id, user=request.user)
    shift = _current_shift(request)
    if shift is None:
        return _no_shift(request)
    form, nothing_left = _return_form(sale, request.POST)
    if form.is_valid():
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
            note = _("Return %(number)s recorded: refund %(amount)s.") % {
                "number": ret.display_number, "amount": money_text(ret.total)}
            if ret.credit_card_id:  # the customer needs the new card's code to spend it
                note += " " + _("Gift card code: %(code)s") % {
                    "code": ret.credit_card.display_code}
            if not request.htmx:
                messages.success(request, note)
                return redirect("pos:return-detail", return_id=ret.pk)
            return _with_drawer(request, shift, _return_panel(
                request, done=ret, note=note, refunds=list(ret.refunds.all())))
    if not request.htmx:
        return redirect(reverse("pos:return-create", args=[sale.pk]))
    return _return_panel(request, sale=sale, return_form=form, nothing_left=nothing_left,
                         status=422)

