"""The repair pages: list with filters, intake, detail with the workflow buttons,
photos, and the printable work-order ticket.

Thin: parse input, call a selector or service, render. RLS scopes every query to
the request's shop; another shop's id is a 404, and so is another branch's order for a
salesperson or cashier bound to a branch (repairs.selectors).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pos.drawer import Tender
from pos.views import receipts as pos_receipts
from pos.views.register import _current_shift
from tenants.access import branches_visible_to, tenant_view
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add
from tenants.fragments import page_or_partial
from tenants.models import User

from . import payments, selectors, services
from .forms import TILL_FIELDS, DepositForm, RepairForm, RepairPhotoForm, TransitionForm
from .models import ACTIONS, DepositOnCancel, RepairPayment, Status
from .receipts import repair_payment_receipt


def _till(request: HttpRequest, data: dict[str, Any]) -> payments.Till:
    """The register this browser works at (its open shift, as the register finds it)
    and the tender entered; the services refuse with a clear message without a shift."""
    values = {name: data.pop(name, None) for name in TILL_FIELDS}
    return payments.Till(
        shift=_current_shift(request),
        tender=Tender(method=values["method"] or RepairPayment.Method.CASH,
                      handed=values["handed"], reference=values["reference"] or ""),
        idempotency_key=values["idempotency_key"] or uuid.uuid4())


def _uuid_or_blank(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return ""


@require_GET
@tenant_view()
def order_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in ("open", "", *Status.values):
        status = "open"
    filters = {
        "status": status,
        "branch_id": _uuid_or_blank(request.GET.get("branch", "")),
        "craftsman_id": _uuid_or_blank(request.GET.get("craftsman", "")),
        "search": request.GET.get("q", "").strip()[:60],
        "overdue": request.GET.get("overdue") == "1",
    }
    page = selectors.repair_page(selectors.repair_list(user=request.user, **filters),
                                 request.GET.get("page"))
    template = page_or_partial(request, "repairs/order_list.html", target="repair-results")
    return render(request, template, {
        "page": page, "filters": filters, "statuses": Status.choices,
        "branches": branches_visible_to(request.user),
        "craftsmen": User.objects.filter(tenant=request.tenant, is_active=True)
        .order_by("full_name", "email"),
    })


@tenant_view()
def order_create(request: HttpRequest) -> HttpResponse:
    initial = {"branch": request.user.branch_id,
               "customer": _uuid_or_blank(request.GET.get("customer", "")) or None}
    form = RepairForm(request.POST or None, request.FILES or None, tenant=request.tenant,
                      user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        photo = data.pop("photo", None)
        till = _till(request, data)
        try:
            order = services.repair_create(tenant=request.tenant, actor=request.user,
                                           photos=[photo] if photo else [], till=till, **data)
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Repair R-%(number)s taken in.") % {
                "number": order.number})
            return redirect("repairs:order-detail", repair_id=order.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "repairs/order_form.html", {"form": form, "creating": True},
                  status=status)


@tenant_view()
def order_edit(request: HttpRequest, repair_id: str) -> HttpResponse:
    order = selectors.repair_get(order_id=repair_id, user=request.user)
    fields = ("service", "description", "design_specs", "metal_weight", "stones",
              "weight_in", "weight_out", "labour_estimate", "materials_estimate",
              "promised_on", "craftsman")
    form = RepairForm(request.POST or None, tenant=request.tenant, user=request.user,
                      editing=True,
                      initial={name: getattr(order, name) for name in fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.repair_update(tenant=request.tenant, actor=request.user, order=order,
                                   **form.cleaned_data)
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Repair R-%(number)s saved.") % {
                "number": order.number})
            return redirect("repairs:order-detail", repair_id=order.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "repairs/order_form.html",
                  {"form": form, "creating": False, "order": order}, status=status)


def _detail_context(request: HttpRequest, order: Any) -> dict[str, Any]:
    actions = services.repair_actions_for(order, request.user)
    return {
        "order": order,
        "events": selectors.repair_events(order=order),
        "photos": selectors.repair_photos(order=order),
        "actions": actions,
        "can_cancel": any(action == "cancel" for action, _label in actions),
        "deposit_choices": DepositOnCancel.choices,
        "photo_form": RepairPhotoForm(),
        "currency": request.tenant.currency,
        "payments": selectors.repair_payments(order=order),
        "deposit_form": DepositForm(),
        "transition_form": TransitionForm(),
        "shift": _current_shift(request),
    }


@require_GET
@tenant_view()
def order_detail(request: HttpRequest, repair_id: str) -> HttpResponse:
    order = selectors.repair_get(order_id=repair_id, user=request.user)
    return render(request, "repairs/order_detail.html", _detail_context(request, order))


@require_POST
@tenant_view()
def order_transition(request: HttpRequest, repair_id: str) -> HttpResponse:
    order = selectors.repair_get(order_id=repair_id, user=request.user)
    form = TransitionForm(request.POST)
    error = _("Check the values and try again.")
    if form.is_valid() and form.cleaned_data["action"] in ACTIONS:
        data = dict(form.cleaned_data)
        try:
            order = services.repair_transition(
                tenant=request.tenant, actor=request.user, order=order,
                action=data["action"], note=data["note"], weight_out=data["weight_out"],
                deposit_action=data["deposit_action"] or DepositOnCancel.REFUND,
                deposit_reason=data["deposit_reason"], till=_till(request, data))
        except BusinessRuleError as exc:
            error = exc.message
        else:
            messages.success(request, _("R-%(number)s is now: %(status)s.") % {
                "number": order.number, "status": order.get_status_display()})
            return redirect("repairs:order-detail", repair_id=order.pk)
    order = selectors.repair_get(order_id=repair_id, user=request.user)
    context = _detail_context(request, order)
    context["transition_error"] = error
    context["transition_form"] = form
    return render(request, "repairs/order_detail.html", context, status=422)


@require_POST
@tenant_view()
def deposit_take(request: HttpRequest, repair_id: str) -> HttpResponse:
    """Take a deposit on an open order at this browser's register."""
    order = selectors.repair_get(order_id=repair_id, user=request.user)
    form = DepositForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            payment = payments.repair_deposit_take(
                tenant=request.tenant, actor=request.user, order=order,
                amount=data.pop("amount"), till=_till(request, data))
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Deposit %(number)s taken.") % {
                "number": payment.display_number})
            return redirect("repairs:order-detail", repair_id=order.pk)
    context = _detail_context(request, order)
    context["deposit_form"] = form
    return render(request, "repairs/order_detail.html", context, status=422)


def _payment_receipt(request: HttpRequest, pk: uuid.UUID):  # noqa: ANN202
    payment = selectors.repair_payment_get(payment_id=pk, user=request.user)
    url = request.build_absolute_uri(reverse("repairs:order-detail",
                                             kwargs={"repair_id": payment.order_id}))
    return repair_payment_receipt(tenant=request.tenant, payment=payment, url=url)


# The POS receipt pages (80 mm page, PDF, email) serve repair payments too.
pos_receipts.KINDS["repair_payment"] = (_payment_receipt, "repairs:payment-receipt",
                                        "repair_payment_id")


@require_GET
@tenant_view()
def payment_receipt(request: HttpRequest, repair_payment_id: uuid.UUID) -> HttpResponse:
    return pos_receipts._page(request, "repair_payment", repair_payment_id)


@require_GET
@tenant_view()
def payment_receipt_pdf(request: HttpRequest, repair_payment_id: uuid.UUID) -> HttpResponse:
    return pos_receipts._pdf(request, "repair_payment", repair_payment_id)


@require_POST
@tenant_view()
def payment_receipt_email(request: HttpRequest, repair_payment_id: uuid.UUID) -> HttpResponse:
    return pos_receipts._email(request, "repair_payment", repair_payment_id)


@require_POST
@tenant_view()
def photo_add(request: HttpRequest, repair_id: str) -> HttpResponse:
    order = selectors.repair_get(order_id=repair_id, user=request.user)
    form = RepairPhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.repair_photo_add(tenant=request.tenant, actor=request.user, order=order,
                                      upload=form.cleaned_data["photo"])
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Photo added."))
            return redirect("repairs:order-detail", repair_id=order.pk)
    context = _detail_context(request, order)
    context["photo_form"] = form
    return render(request, "repairs/order_detail.html", context, status=422)


@require_GET
@tenant_view()
def photo_file(request: HttpRequest, repair_photo_id: str) -> HttpResponse:
    """The photo's bytes, after reading its row through RLS (another shop's id is a 404)."""
    photo = selectors.repair_photo_get(photo_id=repair_photo_id,
                                         user=request.user)
    try:
        handle = photo.image.storage.open(photo.image.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = f'inline; filename="{photo.pk}.{photo.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@tenant_view()
def order_ticket(request: HttpRequest, repair_id: str) -> HttpResponse:
    """The printable work order (the browser prints it; one page, no navigation)."""
    order = selectors.repair_get(order_id=repair_id, user=request.user)
    return render(request, "repairs/order_ticket.html", {
        "order": order, "photos": selectors.repair_photos(order=order),
        "currency": request.tenant.currency, "shop": request.tenant,
    })


@require_GET
@tenant_view()
def order_ticket_pdf(request: HttpRequest, repair_id: str) -> HttpResponse:
    """The work order as a PDF download (A4, Persian shaped like the POS receipts)."""
    from .ticket_pdf import repair_ticket_pdf

    order = selectors.repair_get(order_id=repair_id, user=request.user)
    url = request.build_absolute_uri(reverse("repairs:order-detail", args=[order.pk]))
    response = HttpResponse(repair_ticket_pdf(tenant=request.tenant, order=order, url=url),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="R-{order.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
