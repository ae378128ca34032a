"""The inventory pages: thin views over selectors and services.

Everybody of the shop reads (stock, rates, labels); owners and managers write.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tenants.access import STAFF_MANAGERS, tenant_view
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add, form_page

from . import imports, labels, selectors, services
from .forms import (
    ITEM_FORM_FIELDS,
    KARAT_CHOICES,
    ImportForm,
    InventorySettingsForm,
    ItemForm,
    RateForm,
    StockAdjustForm,
)
from .models import Item


def _uuid_or_blank(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError):
        return ""


@require_GET
@tenant_view()
def item_list(request: HttpRequest) -> HttpResponse:
    karat = request.GET.get("karat", "")
    filters = selectors.ItemFilters(
        search=request.GET.get("q", "").strip()[:100],
        category_id=_uuid_or_blank(request.GET.get("category", "")),
        karat=int(karat) if karat in {c for c, _l in KARAT_CHOICES if c} else None,
        branch_id=_uuid_or_blank(request.GET.get("branch", "")),
        status=request.GET.get("status", "active") if request.GET.get("status", "active") in (
            "", "active", "inactive") else "active",
    )
    page = selectors.item_page(selectors.item_list(filters=filters), request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "karats": KARAT_CHOICES,
        "categories": selectors.category_list(),
        "branches": selectors.branch_options(),
        "currency": request.tenant.currency,
        "can_edit": request.user.role in STAFF_MANAGERS,
    }
    template = "inventory/item_list.html"
    if request.htmx and request.htmx.target == "item-results":
        template += "#results"
    return render(request, template, context)


@require_GET
@tenant_view()
def item_detail(request: HttpRequest, item_id: str) -> HttpResponse:
    item = selectors.item_get(item_id=item_id)
    breakdown = services.item_price_breakdown(item, services.pricing_context(request.tenant))
    return render(request, "inventory/item_detail.html", {
        "item": item,
        "breakdown": breakdown,
        "levels": selectors.item_stock(item=item),
        "movements": selectors.item_movements(item=item),
        "currency": request.tenant.currency,
        "can_edit": request.user.role in STAFF_MANAGERS,
    })


def _item_save(request: HttpRequest, data: dict[str, Any], item: Item | None) -> Item:
    override_given = "price_override" in data
    override = data.pop("price_override", None)
    if item is None:
        item = services.item_create(tenant=request.tenant, actor=request.user, **data)
    else:
        item = services.item_update(tenant=request.tenant, actor=request.user, item=item, **data)
    if override_given and override != item.price_override:
        item = services.item_set_price_override(tenant=request.tenant, actor=request.user,
                                                item=item, price=override)
    return item


@tenant_view(roles=STAFF_MANAGERS)
def item_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        form=ItemForm(request.POST or None, can_override=True,
                      initial={"is_active": True, "branch": request.user.branch}),
        template="inventory/item_form.html",
        save=lambda data: _item_save(request, data, None),
        success_message=lambda item: _("%(sku)s added.") % {"sku": item.sku},
        success_url=lambda item: reverse("inventory:item-detail", args=[item.pk]),
    )


@tenant_view(roles=STAFF_MANAGERS)
def item_edit(request: HttpRequest, item_id: str) -> HttpResponse:
    item = selectors.item_get(item_id=item_id)
    initial = {f: getattr(item, f) for f in ITEM_FORM_FIELDS}
    initial["price_override"] = item.price_override
    return form_page(
        request,
        form=ItemForm(request.POST or None, can_override=True, initial=initial),
        template="inventory/item_form.html",
        context={"item": item},
        save=lambda data: _item_save(request, data, item),
        success_message=_("Changes saved."),
        success_url=lambda saved: reverse("inventory:item-detail", args=[saved.pk]),
    )


@tenant_view(roles=STAFF_MANAGERS)
def stock_adjust(request: HttpRequest, item_id: str) -> HttpResponse:
    item = selectors.item_get(item_id=item_id)
    return form_page(
        request,
        form=StockAdjustForm(request.POST or None, initial={"branch": item.branch}),
        template="inventory/stock_adjust.html",
        context={"item": item},
        save=lambda data: services.stock_adjust(tenant=request.tenant, actor=request.user,
                                                item=item, **data),
        success_message=_("Stock adjusted."),
        success_url=reverse("inventory:item-detail", args=[item.pk]),
    )


@require_GET
@tenant_view()
def low_stock(request: HttpRequest) -> HttpResponse:
    page = selectors.item_page(selectors.low_stock_list(), request.GET.get("page"))
    return render(request, "inventory/low_stock.html", {"page": page})


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def valuation(request: HttpRequest) -> HttpResponse:
    group = request.GET.get("by", "branch")
    if group not in selectors.GROUPS:
        group = "branch"
    rows = selectors.valuation(group_by=group)
    totals = {k: sum((r[k] or 0) for r in rows) for k in ("pieces", "weight", "at_cost", "at_rate")}
    return render(request, "inventory/valuation.html", {
        "rows": rows, "group": group, "totals": totals, "currency": request.tenant.currency,
    })


@require_GET
@tenant_view()
def rate_board(request: HttpRequest) -> HttpResponse:
    return render(request, "inventory/rate_board.html", _rate_context(request))


def _rate_context(request: HttpRequest, form: RateForm | None = None) -> dict[str, Any]:
    return {
        "lines": selectors.rate_board(tenant=request.tenant),
        "form": form or RateForm(),
        "settings_form": InventorySettingsForm(instance=selectors.inventory_settings()),
        "currency": request.tenant.currency,
        "can_edit": request.user.role in STAFF_MANAGERS,
        "units": selectors.UNIT_ORDER,
    }


@require_POST
@tenant_view(roles=STAFF_MANAGERS)
def rate_set(request: HttpRequest) -> HttpResponse:
    form = RateForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        try:
            services.rate_board_set(tenant=request.tenant, actor=request.user, **data)
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Rate saved. Reprice the items to apply it."))
            return redirect("inventory:rate-board")
    return render(request, "inventory/rate_board.html", _rate_context(request, form), status=422)


@require_POST
@tenant_view(roles=STAFF_MANAGERS)
def settings_edit(request: HttpRequest) -> HttpResponse:
    form = InventorySettingsForm(request.POST, instance=selectors.inventory_settings())
    if form.is_valid():
        try:
            services.inventory_settings_update(tenant=request.tenant, actor=request.user,
                                               **form.cleaned_data)
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("inventory:rate-board")
    context = _rate_context(request)
    context["settings_form"] = form
    return render(request, "inventory/rate_board.html", context, status=422)


@require_POST
@tenant_view(roles=STAFF_MANAGERS)
def items_reprice(request: HttpRequest) -> HttpResponse:
    changed = services.items_reprice(tenant=request.tenant, actor=request.user)
    messages.success(request, _("%(n)s prices changed.") % {"n": changed})
    return redirect("inventory:rate-board")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
@tenant_view()
def item_label(request: HttpRequest, item_id: str) -> HttpResponse:
    item = selectors.item_get(item_id=item_id)
    return _pdf(labels.label_sheet_pdf([item], currency=request.tenant.currency),
                f"label-{item.barcode}.pdf")


@require_GET
@tenant_view()
def labels_pdf(request: HttpRequest) -> HttpResponse:
    """A label sheet for the items ticked on the list (?item=<id>&item=<id>...)."""
    ids = [i for i in (_uuid_or_blank(v) for v in request.GET.getlist("item")[:500]) if i]
    items = selectors.items_by_ids(ids)
    return _pdf(labels.label_sheet_pdf(items, currency=request.tenant.currency), "labels.pdf")


@tenant_view(roles=STAFF_MANAGERS)
def item_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            dataset = imports.dataset_load(upload.read(), upload.name)
            report = imports.items_import(tenant=request.tenant, actor=request.user,
                                          dataset=dataset, dry_run=form.cleaned_data["dry_run"])
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            if report.imported:
                messages.success(request, _("%(created)s items added, %(updated)s updated.") % {
                    "created": report.created, "updated": report.updated})
                return redirect("inventory:item-list")
    status = 422 if request.method == "POST" and (report is None or report.problems) else 200
    return render(request, "inventory/item_import.html", {"form": form, "report": report},
                  status=status)


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def item_export(request: HttpRequest) -> HttpResponse:
    file_format = request.GET.get("format", "csv")
    if file_format not in imports.FORMATS:
        file_format = "csv"
    content, content_type = imports.items_export(file_format=file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="items.{file_format}"'
    return response
