"""Transfer pages: the list, a new request, and the detail with the workflow buttons
and the receipt form. Thin: parse, call inventory.transfers, render. RLS scopes every
query; another shop's id is a 404."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tenants.access import branches_visible_to, tenant_view
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add
from tenants.models import Branch

from . import selectors, transfers
from .models import TRANSFER_ACTIONS, Item, Transfer, TransferEvent, TransferLine, TransferStatus


class TransferForm(forms.Form):
    source = forms.ModelChoiceField(label=gettext_lazy("From branch"),
                                    queryset=Branch.objects.none())
    destination = forms.ModelChoiceField(label=gettext_lazy("To branch"),
                                         queryset=Branch.objects.none())
    lines = forms.CharField(
        label=gettext_lazy("Items"),
        help_text=gettext_lazy("One item a line: SKU or barcode, then the number of pieces "
                               "(1 when left out)."),
        widget=forms.Textarea(attrs={"rows": 4, "dir": "ltr"}))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("source", "destination"):
            self.fields[name].queryset = Branch.objects.filter(is_active=True)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "input")

    def clean_lines(self) -> list[tuple[Item, int]]:
        parsed = []
        for raw in self.cleaned_data["lines"].splitlines():
            parts = raw.split()
            if not parts:
                continue
            code, count = parts[0], parts[1] if len(parts) > 1 else "1"
            item = (Item.objects.filter(sku=code).first()
                    or Item.objects.filter(barcode=code).first())
            if item is None:
                raise forms.ValidationError(_("No item with SKU or barcode %(code)s.")
                                            % {"code": code})
            if not count.isdigit() or int(count) < 1:
                raise forms.ValidationError(_("Give a whole number of pieces for %(code)s.")
                                            % {"code": code})
            parsed.append((item, int(count)))
        if not parsed:
            raise forms.ValidationError(_("Add at least one item."))
        return parsed


@require_GET
@tenant_view()
def transfer_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in TransferStatus.values:
        status = ""
    branch = request.GET.get("branch", "")
    try:
        branch = str(uuid.UUID(branch)) if branch else ""
    except ValueError:
        branch = ""
    rows = selectors.transfer_list(user=request.user, status=status, branch_id=branch or None)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(request, "inventory/transfer_list.html", {
        "page": page, "status": status, "branch": branch, "statuses": TransferStatus.choices,
        "branches": branches_visible_to(request.user)})


@tenant_view()
def transfer_create(request: HttpRequest) -> HttpResponse:
    form = TransferForm(request.POST or None,
                        initial={"source": request.user.branch_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = transfers.transfer_create(
                tenant=request.tenant, actor=request.user, source=data["source"],
                destination=data["destination"], lines=data["lines"], note=data["note"])
            if request.POST.get("submit") == "request":
                transfer = transfers.transfer_transition(tenant=request.tenant,
                                                         actor=request.user,
                                                         transfer=transfer, action="request")
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Transfer T-%(n)s saved.") % {"n": transfer.number})
            return redirect("inventory:transfer-detail", transfer_id=transfer.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "inventory/transfer_form.html", {"form": form}, status=status)


def _context(request: HttpRequest, transfer: Transfer) -> dict[str, Any]:
    return {
        "transfer": transfer,
        "lines": TransferLine.objects.filter(transfer=transfer).select_related("item")
        .order_by("item__sku"),
        "events": TransferEvent.objects.filter(transfer=transfer).select_related("actor")
        .order_by("created_at"),
        "actions": transfers.transfer_actions_for(transfer, request.user),
        "currency": request.tenant.currency,
    }


@require_GET
@tenant_view()
def transfer_detail(request: HttpRequest, transfer_id: str) -> HttpResponse:
    return render(request, "inventory/transfer_detail.html",
                  _context(request, selectors.transfer_get(transfer_id=transfer_id, user=request.user)))


@require_POST
@tenant_view()
def transfer_transition(request: HttpRequest, transfer_id: str) -> HttpResponse:
    transfer = selectors.transfer_get(transfer_id=transfer_id, user=request.user)
    action = request.POST.get("action", "")
    error = None
    received: dict[Any, tuple[int, Decimal | None]] = {}
    if action == "receive":
        for line in TransferLine.objects.filter(transfer=transfer):
            count = request.POST.get(f"qty-{line.pk}", "").strip()
            weight = request.POST.get(f"weight-{line.pk}", "").strip()
            try:
                received[line.pk] = (int(count) if count else line.quantity,
                                     Decimal(weight) if weight else None)
            except (ValueError, InvalidOperation):
                error = _("Check the pieces and weights received.")
    if action not in TRANSFER_ACTIONS:
        error = _("Unknown action.")
    if error is None:
        try:
            transfer = transfers.transfer_transition(
                tenant=request.tenant, actor=request.user, transfer=transfer, action=action,
                note=request.POST.get("note", ""), received=received)
        except BusinessRuleError as exc:
            error = exc.message
        else:
            messages.success(request, _("T-%(n)s is now: %(status)s.") % {
                "n": transfer.number, "status": transfer.get_status_display()})
            return redirect("inventory:transfer-detail", transfer_id=transfer.pk)
    context = _context(request, selectors.transfer_get(transfer_id=transfer_id, user=request.user))
    context["transition_error"] = error
    return render(request, "inventory/transfer_detail.html", context, status=422)
