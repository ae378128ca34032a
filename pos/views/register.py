"""The register's pages. Thin: parse input, call a service (pos.carts, pos.services,
crm.services) or a selector, render.

The cart is a database row per terminal (pos.carts); the session only remembers
which shift this browser works in (and an open shift of the user is found again
without it). Every cart change answers with the cart fragment for HTMX
(`pos/jinja2/pos/cart.html`; errors with status 422 and nothing changed) or redirects
back to the register without JavaScript.
"""

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from crm import selectors as crm_selectors
from crm import services as crm_services
from inventory import selectors as inventory_selectors
from inventory.models import Item, StockLevel
from tenants.access import branches_visible_to, tenant_view
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add
from tenants.models import Terminal

from .. import carts, receipts, selectors, services
from ..forms import (
    CartAddForm,
    CartPickForm,
    CompleteForm,
    CustomerPickForm,
    CustomerQuickForm,
    DiscountForm,
    HoldForm,
    LineForm,
    QuantityForm,
    ScanForm,
    ShiftCloseForm,
    ShiftOpenForm,
)
from ..models import Cart, Payment, Shift
from ..return_forms import RegisterOldGoldForm, RegisterReturnFindForm

SESSION_KEY = "pos_register"
SEARCH_RESULTS = 10


def _sellable_items():
    """Items the register offers: active ones that are no scrap lot."""
    return Item.objects.filter(is_active=True).filter(~services.scrap_lot_exists())


def _terminals(request: HttpRequest):
    return Terminal.objects.filter(is_active=True,
                                   branch__in=branches_visible_to(request.user))


def _current_shift(request: HttpRequest) -> Shift | None:
    """The shift this browser works in; else the user's own open shift (a new session
    after a restart finds it again)."""
    state = request.session.get(SESSION_KEY) or {}
    shift = None
    if state.get("shift"):
        shift = selectors.shift_open_get(shift_id=state["shift"])
    if shift is None:
        shift = (Shift.objects.filter(closed_at__isnull=True, opened_by=request.user,
                                      terminal__in=_terminals(request))
                 .select_related("terminal", "branch").order_by("-opened_at").first())
        if shift is not None:
            request.session[SESSION_KEY] = {"shift": str(shift.pk)}
    return shift


def _customer_balances(cart: Cart | None) -> dict[str, Any]:
    if cart is None or cart.customer is None:
        return {}
    # Points pay in money ("Paid with points" takes an amount): their worth beside them.
    points = crm_selectors.points_quote(customer=cart.customer)
    return {"store_credit": crm_selectors.store_credit_balance(customer=cart.customer),
            "points": points.available, "points_value": points.value}


def _cart_context(request: HttpRequest, shift: Shift, cart: Cart | None, *,
                  scan_form: ScanForm | None = None, discount_form: DiscountForm | None = None,
                  hold_form: HoldForm | None = None, error: str = "") -> dict[str, Any]:
    view = carts.cart_view(tenant=request.tenant, cart=cart, actor=request.user)
    return {
        "shift": shift,
        "cart": view,
        "balances": _customer_balances(cart),
        "scan_form": scan_form or ScanForm(),
        "discount_form": discount_form or DiscountForm(rows=view.rows),
        "hold_form": hold_form or HoldForm(),
        "cart_error": error or view.problem,
        "currency": request.tenant.currency,
    }


def _cart_html(request: HttpRequest, context: dict[str, Any]) -> str:
    """The cart (pos/jinja2/pos/cart.html): Jinja2, as it is drawn on every scan. Its
    forms share one CSRF input (the backend's `csrf_input` masks the token anew at each
    use)."""
    context = {**context, "csrf": csrf_input(request)}
    return mark_safe(  # noqa: S308 - our template's output, escaped by Jinja2's autoescape
        render_to_string("pos/cart.html", context, request=request, using="jinja2"))


def _cart_response(request: HttpRequest, shift: Shift, *, status: int = 200,
                   with_held: bool = False, cart: Cart | None = None, oob: bool = False,
                   **kwargs: Any) -> HttpResponse:
    """The cart fragment (HTMX) with the payment panel's credit lines out of band, or,
    without JavaScript, back to the register (an error is then shown as a message).
    `oob`: the cart too goes out of band (another panel is the target)."""
    if not request.htmx:
        if kwargs.get("error"):
            messages.error(request, kwargs["error"])
        for form in (kwargs.get("scan_form"), kwargs.get("discount_form"),
                     kwargs.get("hold_form")):
            if form is not None and form.errors:
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, error)
        return redirect("pos:register")
    if cart is None:
        cart = carts.cart_active_for(shift=shift)
    context = _cart_context(request, shift, cart, **kwargs)
    context["oob"] = oob
    response = HttpResponse(_cart_html(request, context), status=status)
    response.content += render_to_string("pos/register.html#payment-credits", {
        "cart": context["cart"], "currency": context["currency"], "oob": True,
    }, request=request).encode()
    if with_held:
        held = render_to_string("pos/register.html#held", {
            "held_carts": carts.carts_held(branch_id=shift.branch_id), "oob": True,
        }, request=request)
        response.content += held.encode()
    return response


def _no_shift(request: HttpRequest) -> HttpResponse:
    if request.htmx:
        response = HttpResponse()
        response["HX-Redirect"] = reverse("pos:register")
        return response
    return redirect("pos:register")


@never_cache  # "back" after a sale draws the page again, with a new sale key
@require_GET
@tenant_view()
def register(request: HttpRequest) -> HttpResponse:
    shift = _current_shift(request)
    if shift is None:
        form = ShiftOpenForm(terminals=_terminals(request))
        return render(request, "pos/shift_open.html", {"form": form})
    return _register_page(request, shift)


def _register_page(request: HttpRequest, shift: Shift, *, status: int = 200,
                   complete_form: CompleteForm | None = None,
                   close_form: ShiftCloseForm | None = None,
                   customer_form: CustomerQuickForm | None = None) -> HttpResponse:
    cart = carts.cart_active_for(shift=shift)
    context = _cart_context(request, shift, cart, scan_form=ScanForm(autofocus=True))
    context["cart_html"] = _cart_html(request, context)
    context.update({
        "held_carts": carts.carts_held(branch_id=shift.branch_id),
        # A fresh key each time the page is drawn; the page keeps it until the sale is
        # made, so a resubmission cannot sell twice.
        "complete_form": complete_form or CompleteForm(
            initial={"idempotency_key": uuid.uuid4()}),
        "close_form": close_form or ShiftCloseForm(),
        "customer_form": customer_form or CustomerQuickForm(),
        # the Return and Old gold panels (pos.views.exchange)
        "find_form": RegisterReturnFindForm(),
        "gold_form": RegisterOldGoldForm(),
        "limit": selectors.pos_settings_get().return_approval_limit,
    })
    return render(request, "pos/register.html", context, status=status)


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
            request.session[SESSION_KEY] = {"shift": str(shift.pk)}
            return redirect("pos:register")
    return render(request, "pos/shift_open.html", {"form": form}, status=422)


# --- the cart --------------------------------------------------------------------


def _cart_change(request: HttpRequest, change, *, form=None, form_key: str = "",
                 with_held: bool = False) -> HttpResponse:
    """Run `change(shift)` (a cart service); the fragment after it, or 422 with the
    message and the cart as it was."""
    shift = _current_shift(request)
    if shift is None:
        return _no_shift(request)
    if form is not None and not form.is_valid():
        return _cart_response(request, shift, status=422, **{form_key: form}) if form_key \
            else _cart_response(request, shift, status=422,
                                error=_("Check the entry and try again."))
    try:
        result = change(shift)
    except BusinessRuleError as exc:
        if form_key:
            form_error_add(form, exc)
            return _cart_response(request, shift, status=422, with_held=with_held,
                                  **{form_key: form})
        return _cart_response(request, shift, status=422, error=exc.message,
                              with_held=with_held)
    cart = result if isinstance(result, Cart) and result.status == Cart.Status.ACTIVE \
        else None
    return _cart_response(request, shift, with_held=with_held, cart=cart)


def _open(request: HttpRequest, shift: Shift) -> Cart:
    return carts.cart_open(tenant=request.tenant, actor=request.user, shift=shift)


def _active(shift: Shift) -> Cart:
    cart = carts.cart_active_for(shift=shift)
    if cart is None:
        raise BusinessRuleError(_("The cart is empty."))
    return cart


@require_POST
@tenant_view()
def scan(request: HttpRequest) -> HttpResponse:
    """Scanner (keyboard wedge: code + Enter) or a typed SKU: one of the item into the
    cart. A code that is no barcode or SKU may still name one item (serial number)."""
    form = ScanForm(request.POST)

    def change(shift: Shift) -> None:
        code = form.cleaned_data["code"].strip()
        item = inventory_selectors.item_get_by_code(code=code)
        if item is None:
            found = list(inventory_selectors.item_search(_sellable_items(), code)
                         .order_by("sku")[:2])
            if len(found) != 1:
                raise BusinessRuleError(_("No item has this code."), field="code")
            item = found[0]
        return carts.cart_line_add(tenant=request.tenant, actor=request.user, shift=shift,
                                   item=item).cart

    response = _cart_change(request, change, form=form, form_key="scan_form")
    return response


@require_POST
@tenant_view()
def cart_add(request: HttpRequest) -> HttpResponse:
    """An item picked from the search results."""
    form = CartAddForm(request.POST)

    def change(shift: Shift) -> None:
        item = Item.objects.filter(pk=form.cleaned_data["item"]).first()
        if item is None:
            raise BusinessRuleError(_("This item cannot be sold."))
        return carts.cart_line_add(tenant=request.tenant, actor=request.user, shift=shift,
                                   item=item,
                                   quantity=form.cleaned_data.get("quantity") or 1).cart

    return _cart_change(request, change, form=form)


@require_POST
@tenant_view()
def line_remove(request: HttpRequest) -> HttpResponse:
    form = LineForm(request.POST)
    return _cart_change(request, lambda shift: carts.cart_line_remove(
        tenant=request.tenant, actor=request.user, cart=_active(shift),
        line_id=form.cleaned_data["line"]), form=form)


@require_POST
@tenant_view()
def line_quantity(request: HttpRequest) -> HttpResponse:
    form = QuantityForm(request.POST)
    return _cart_change(request, lambda shift: carts.cart_line_set_quantity(
        tenant=request.tenant, actor=request.user, cart=_active(shift),
        line_id=form.cleaned_data["line"], quantity=form.cleaned_data["quantity"]),
        form=form)


@require_POST
@tenant_view()
def discount(request: HttpRequest) -> HttpResponse:
    """A line or cart discount; above the shop's limit with a manager's PIN."""
    shift = _current_shift(request)
    if shift is None:
        return _no_shift(request)
    cart = carts.cart_active_for(shift=shift)
    form = DiscountForm(request.POST, rows=carts.cart_view(tenant=request.tenant,
                                                           cart=cart).rows)

    def change(shift: Shift) -> None:
        data = form.cleaned_data
        if cart is None:
            raise BusinessRuleError(_("The cart is empty."), field="amount")
        if data["target"] == "cart":
            carts.cart_set_discount(tenant=request.tenant, actor=request.user, cart=cart,
                                    amount=data["amount"], manager_pin=data["manager_pin"])
        else:
            carts.cart_line_set_discount(tenant=request.tenant, actor=request.user,
                                         cart=cart, line_id=data["target"],
                                         amount=data["amount"],
                                         manager_pin=data["manager_pin"])

    return _cart_change(request, change, form=form, form_key="discount_form")


@require_POST
@tenant_view()
def cart_clear(request: HttpRequest) -> HttpResponse:
    def change(shift: Shift) -> None:
        cart = carts.cart_active_for(shift=shift)
        if cart is not None:
            carts.cart_clear(tenant=request.tenant, actor=request.user, cart=cart)

    return _cart_change(request, change)


@require_POST
@tenant_view()
def cart_hold(request: HttpRequest) -> HttpResponse:
    form = HoldForm(request.POST)
    return _cart_change(request, lambda shift: carts.cart_hold(
        tenant=request.tenant, actor=request.user, cart=_active(shift),
        name=form.cleaned_data["name"]), form=form, form_key="hold_form", with_held=True)


@require_POST
@tenant_view()
def cart_resume(request: HttpRequest) -> HttpResponse:
    form = CartPickForm(request.POST)
    return _cart_change(request, lambda shift: carts.cart_resume(
        tenant=request.tenant, actor=request.user, shift=shift,
        cart_id=form.cleaned_data["cart"]), form=form, with_held=True)


@require_POST
@tenant_view()
def cart_discard(request: HttpRequest) -> HttpResponse:
    form = CartPickForm(request.POST)
    return _cart_change(request, lambda shift: carts.cart_discard(
        tenant=request.tenant, actor=request.user, cart_id=form.cleaned_data["cart"]),
        form=form, with_held=True)


# --- searches and the customer ---------------------------------------------------


@require_GET
@tenant_view()
def item_search(request: HttpRequest) -> HttpResponse:
    """Items by SKU, barcode, serial number or name words, to add with a click: those in
    stock at the shift's branch first; the others are shown without the button.

    Each at the price the cart will charge (services.unit_prices): for the loyalty tier
    of the cart's customer, read with the items (carts.cart_tier_name), so a tier costs
    at most the pricing context's one statement per search."""
    query = request.GET.get("q", "").strip()[:100]
    results: list[tuple[Item, Decimal]] = []
    shift = _current_shift(request)
    if query:
        here = Exists(StockLevel.objects.filter(
            item=OuterRef("pk"), branch_id=shift.branch_id if shift else None, quantity__gt=0))
        # Scrap lots (old gold bought back) are not for sale: not offered here.
        found = inventory_selectors.item_search(_sellable_items(), query).annotate(here=here)
        if shift is not None:
            found = found.annotate(cart_tier=carts.cart_tier_name(terminal_id=shift.terminal_id))
        items = list(found.order_by("-here", "sku")[:SEARCH_RESULTS])
        tier = (getattr(items[0], "cart_tier", None) or "") if items else ""
        results = list(zip(items, services.unit_prices(tenant=request.tenant, items=items,
                                                       tier=tier), strict=True))
    return render(request, "pos/register.html#item-results",
                  {"results": results, "query": query, "currency": request.tenant.currency})


@require_GET
@tenant_view()
def customer_search(request: HttpRequest) -> HttpResponse:
    """Customers by name, phone, email or number, to put on the cart with a click."""
    query = request.GET.get("q", "").strip()[:100]
    customers = []
    if query:
        customers = list(crm_selectors.customer_list(search=query)[:SEARCH_RESULTS])
    return render(request, "pos/register.html#customer-results",
                  {"customers": customers, "query": query})


@require_POST
@tenant_view()
def customer_pick(request: HttpRequest) -> HttpResponse:
    """Put a customer on the cart (an empty choice takes the customer off)."""
    form = CustomerPickForm(request.POST)

    def change(shift: Shift) -> None:
        customer = None
        if form.cleaned_data.get("customer"):
            customer = crm_selectors.customer_get(customer_id=form.cleaned_data["customer"])
        carts.cart_set_customer(tenant=request.tenant, actor=request.user,
                                cart=_open(request, shift), customer=customer)

    return _cart_change(request, change, form=form)


@require_POST
@tenant_view()
def customer_create(request: HttpRequest) -> HttpResponse:
    """A walk-in customer created at the till and put on the cart; a phone that is
    already a customer's picks that customer. A refusal comes back as the quick form
    itself (422: its messages, what was typed), not in the cart: the cashier fixes it
    where they typed it."""
    shift = _current_shift(request)
    if shift is None:
        return _no_shift(request)
    form = CustomerQuickForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            try:
                customer = crm_services.customer_create(
                    tenant=request.tenant, actor=request.user, first_name=data["first_name"],
                    last_name=data["last_name"], phone=data["phone"])
            except crm_services.DuplicateCustomer as exc:
                customer = exc.existing
            carts.cart_set_customer(tenant=request.tenant, actor=request.user,
                                    cart=_open(request, shift), customer=customer)
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            response = _cart_response(request, shift)
            if request.htmx:  # the quick form again, empty (out of band)
                response.content += render_to_string("pos/register.html#customer-new", {
                    "customer_form": CustomerQuickForm(), "oob": True}, request=request).encode()
            return response
    if not request.htmx:
        return _register_page(request, shift, status=422, customer_form=form)
    response = render(request, "pos/register.html#customer-new", {"customer_form": form},
                      status=422)
    return reswap(retarget(response, "#customer-new"), "outerHTML")


# --- payment ---------------------------------------------------------------------


def _sale_url(sale) -> str:
    """The receipt when the receipts module provides one, else the sale's page."""
    try:
        return reverse("pos:sale-receipt", args=[sale.pk])
    except NoReverseMatch:
        return reverse("pos:sale-detail", args=[sale.pk])


@require_POST
@tenant_view()
def complete(request: HttpRequest) -> HttpResponse:
    """Complete the sale with any split of tenders; the page's key makes a
    resubmission return the sale already made. Errors come back in the payment panel
    (422) and nothing is sold."""
    shift = _current_shift(request)
    if shift is None:
        return _no_shift(request)
    form = CompleteForm(request.POST)
    in_cart = False
    if form.is_valid():
        try:
            sale = carts.cart_complete(
                tenant=request.tenant, actor=request.user, shift=shift,
                cart=carts.cart_active_for(shift=shift),
                idempotency_key=form.cleaned_data["idempotency_key"],
                payments=form.payments())
        except BusinessRuleError as exc:
            # A discount still needing a manager is already the cart's message (next
            # to the discounts it names): said there, once, not again under Pay.
            in_cart = exc.field == "discount" and exc.message == carts.cart_view(
                tenant=request.tenant, actor=request.user,
                cart=carts.cart_active_for(shift=shift)).problem
            if not in_cart:
                form_error_add(form, exc)
        else:
            messages.success(request, _("Sale %(number)s completed.")
                             % {"number": sale.display_number})
            url = _sale_url(sale)
            if request.htmx:
                response = HttpResponse()
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    if request.htmx:
        response = render(request, "pos/register.html#payment",
                          {"complete_form": form, "shift": shift,
                           "currency": request.tenant.currency,
                           "cart": carts.cart_view(tenant=request.tenant,
                                                   cart=carts.cart_active_for(shift=shift))},
                          status=422)
        if in_cart:  # the cart again (out of band): its alert is read out anew
            context = _cart_context(request, shift, carts.cart_active_for(shift=shift))
            response.content += _cart_html(request, {**context, "oob": True}).encode()
        return response
    return _register_page(request, shift, status=422, complete_form=form)


@require_GET
@tenant_view()
def sale_detail(request: HttpRequest, sale_id: uuid.UUID) -> HttpResponse:
    sale = selectors.sale_get(sale_id=sale_id, user=request.user)
    payments = list(sale.payments.all())
    return render(request, "pos/sale_detail.html", {
        "sale": sale, "lines": sale.lines.all(), "payments": payments,
        "discounts": receipts.sale_discounts(sale),
        "change": sum((p.change_given for p in payments), Decimal(0)),
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
            form_error_add(form, exc)
        else:
            request.session[SESSION_KEY] = {}
            return redirect("pos:shift-report", shift_id=shift.pk)
    return _register_page(request, shift, status=422, close_form=form)


@require_GET
@tenant_view()
def shift_report(request: HttpRequest, shift_id: uuid.UUID) -> HttpResponse:
    """The Z report of a shift (open: so far; closed: with the count). Staff who are
    bound to a branch read their own shifts and their branch's; owners and managers
    every shift (another till's drawer is not a cashier's business)."""
    shift = selectors.shift_get(shift_id=shift_id, user=request.user)
    report = selectors.shift_z_report(shift=shift)
    methods = [(Payment.Method(m).label, amount) for m, amount in report.by_method.items()]
    refunds = [(Payment.Method(m).label, amount) for m, amount in report.refunds_by_method.items()]
    return render(request, "pos/shift_report.html", {
        "report": report, "shift": shift, "methods": methods, "refunds": refunds,
        # Over or Short is said in words: the amount without its sign.
        "over_short_amount": abs(report.over_short) if report.over_short is not None
        else None,
        "currency": request.tenant.currency})
