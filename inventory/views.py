"""The inventory pages: thin views over selectors and services.

Everybody of the shop reads (stock, rates, labels); owners and managers write.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tenants.access import STAFF_MANAGERS, tenant_view
from tenants.dates import PeriodForm
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add, form_page
from tenants.fragments import page_or_partial

from . import alerts, imports, labels, reports, selectors, services
from .forms import (
    ITEM_FORM_FIELDS,
    KARAT_CHOICES,
    CategoryForm,
    ImportForm,
    InventorySettingsForm,
    ItemForm,
    ItemPhotoForm,
    PricingRuleForm,
    RateAlertForm,
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
    template = page_or_partial(request, "inventory/item_list.html", target="item-results")
    return render(request, template, context)


def _item_detail_context(request: HttpRequest, item: Item) -> dict[str, Any]:
    return {
        "item": item,
        "breakdown": services.item_price_breakdown(item, services.pricing_context(request.tenant)),
        "levels": selectors.item_stock(item=item),
        "movements": selectors.item_movements(item=item),
        "photos": selectors.item_photos(item=item),
        "photo_form": ItemPhotoForm(),
        "currency": request.tenant.currency,
        "can_edit": request.user.role in STAFF_MANAGERS,
    }


@require_GET
@tenant_view()
def item_detail(request: HttpRequest, item_id: str) -> HttpResponse:
    item = selectors.item_get(item_id=item_id)
    return render(request, "inventory/item_detail.html", _item_detail_context(request, item))


@require_POST
@tenant_view(roles=STAFF_MANAGERS)
def item_photo_upload(request: HttpRequest, item_id: str) -> HttpResponse:
    item = selectors.item_get(item_id=item_id)
    form = ItemPhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.item_photo_add(tenant=request.tenant, actor=request.user, item=item,
                                    upload=form.cleaned_data["photo"])
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Photo added."))
            return redirect("inventory:item-detail", item_id=item.pk)
    context = _item_detail_context(request, item)
    context["photo_form"] = form
    return render(request, "inventory/item_detail.html", context, status=422)


@require_GET
@tenant_view()
def item_photo_file(request: HttpRequest, photo_id: str) -> HttpResponse:
    """The photo's bytes, after reading its row through RLS (another shop's id is a 404).
    Media is never served as static files."""
    photo = selectors.item_photo_get(photo_id=photo_id)
    try:
        handle = photo.image.storage.open(photo.image.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = f'inline; filename="{photo.pk}.{photo.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
@tenant_view(roles=STAFF_MANAGERS)
def item_photo_delete(request: HttpRequest, photo_id: str) -> HttpResponse:
    photo = selectors.item_photo_get(photo_id=photo_id)
    services.item_photo_delete(tenant=request.tenant, actor=request.user, photo=photo)
    messages.success(request, _("Photo deleted."))
    return redirect("inventory:item-detail", item_id=photo.item_id)


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
        "chart": selectors.rate_history_chart(currency=request.tenant.currency),
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


# --- reports -----------------------------------------------------------------


def _int_param(value: str, default: int, *, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


def _report_render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.update(categories=selectors.category_list(), branches=selectors.branch_options(),
                   currency=request.tenant.currency)
    return render(request, page_or_partial(request, template, target="report-results"), context)


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def dead_stock_report(request: HttpRequest) -> HttpResponse:
    filters = reports.DeadStockFilters(
        days=_int_param(request.GET.get("days", ""), reports.DEAD_STOCK_DAYS, low=1, high=3650),
        branch_id=_uuid_or_blank(request.GET.get("branch", "")),
        category_id=_uuid_or_blank(request.GET.get("category", "")),
    )
    page = selectors.item_page(reports.dead_stock(filters=filters), request.GET.get("page"))
    now = timezone.now()
    for item in page:
        item.idle_days = reports.idle_days(item.since, now)
        item.value_at_cost = item.stock * item.cost
    return _report_render(request, "inventory/report_dead_stock.html",
                          {"page": page, "filters": filters})


@require_GET
@tenant_view(roles=STAFF_MANAGERS)
def turnover_report(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    period = PeriodForm(request.GET, auto_id="report-%s")
    start, end = period.period(start=today - datetime.timedelta(days=29), end=today)
    filters = reports.TurnoverFilters(
        start=start, end=end,
        branch_id=_uuid_or_blank(request.GET.get("branch", "")),
        category_id=_uuid_or_blank(request.GET.get("category", "")),
    )
    items, categories, total = reports.turnover(filters=filters)
    page = Paginator(items, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    return _report_render(request, "inventory/report_turnover.html", {
        "page": page, "category_rows": categories, "total": total, "filters": filters,
        "period": period.shown(start, end),
    })


# --- rate alerts -------------------------------------------------------------


@tenant_view(roles=STAFF_MANAGERS)
def rate_alert_list(request: HttpRequest) -> HttpResponse:
    """The shop's rate alerts, with the form to add one."""
    return form_page(
        request,
        form=RateAlertForm(request.POST or None, initial={"is_active": True}),
        template="inventory/rate_alerts.html",
        context={"alerts": selectors.rate_alert_list(), "currency": request.tenant.currency},
        save=lambda data: alerts.rate_alert_save(tenant=request.tenant, actor=request.user,
                                                 **data),
        success_message=_("Alert saved."),
        success_url=reverse("inventory:rate-alerts"),
    )


@tenant_view(roles=STAFF_MANAGERS)
def rate_alert_edit(request: HttpRequest, alert_id: str) -> HttpResponse:
    alert = selectors.rate_alert_get(alert_id=alert_id)
    initial = {f: getattr(alert, f) for f in ("karat", "direction", "threshold", "is_active")}
    return form_page(
        request,
        form=RateAlertForm(request.POST or None, initial=initial),
        template="inventory/rate_alert_form.html",
        context={"alert": alert},
        save=lambda data: alerts.rate_alert_save(tenant=request.tenant, actor=request.user,
                                                 alert=alert, **data),
        success_message=_("Alert saved."),
        success_url=reverse("inventory:rate-alerts"),
    )


@require_POST
@tenant_view(roles=STAFF_MANAGERS)
def rate_alert_delete(request: HttpRequest, alert_id: str) -> HttpResponse:
    alert = selectors.rate_alert_get(alert_id=alert_id)
    alerts.rate_alert_delete(tenant=request.tenant, actor=request.user, alert=alert)
    messages.success(request, _("Alert deleted."))
    return redirect("inventory:rate-alerts")


# --- categories and pricing rules --------------------------------------------


@tenant_view(roles=STAFF_MANAGERS)
def category_list(request: HttpRequest) -> HttpResponse:
    """The category tree, with the form to add a category."""
    counts = selectors.category_item_counts()
    categories = selectors.category_list()
    for c in categories:
        c.item_count = counts.get(c.pk, 0)
    return form_page(
        request,
        form=CategoryForm(request.POST or None),
        template="inventory/categories.html",
        context={"categories": categories},
        save=lambda data: services.category_create(tenant=request.tenant, actor=request.user,
                                                   **data),
        success_message=lambda c: _("%(name)s added.") % {"name": c.name},
        success_url=reverse("inventory:categories"),
    )


@tenant_view(roles=STAFF_MANAGERS)
def category_edit(request: HttpRequest, category_id: str) -> HttpResponse:
    category = selectors.category_get(category_id=category_id)
    return form_page(
        request,
        form=CategoryForm(request.POST or None,
                          initial={"name": category.name, "parent": category.parent_id}),
        template="inventory/category_form.html",
        context={"category": category},
        save=lambda data: services.category_update(tenant=request.tenant, actor=request.user,
                                                   category=category, **data),
        success_message=_("Changes saved."),
        success_url=reverse("inventory:categories"),
    )


def _rule_data(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "customer_tier": data.get("customer_tier") or ""}


@tenant_view(roles=STAFF_MANAGERS)
def pricing_rule_list(request: HttpRequest) -> HttpResponse:
    """The shop's markup rules, with the form to add (or change the markup of) one."""
    return form_page(
        request,
        form=PricingRuleForm(request.POST or None),
        template="inventory/pricing_rules.html",
        context={"rules": selectors.pricing_rule_list()},
        save=lambda data: services.pricing_rule_set(tenant=request.tenant, actor=request.user,
                                                    **_rule_data(data)),
        success_message=_("Rule saved. Reprice the items to apply it."),
        success_url=reverse("inventory:pricing-rules"),
    )


@tenant_view(roles=STAFF_MANAGERS)
def pricing_rule_edit(request: HttpRequest, rule_id: str) -> HttpResponse:
    rule = selectors.pricing_rule_get(rule_id=rule_id)
    initial = {"karat": rule.karat, "category": rule.category_id,
               "customer_tier": rule.customer_tier, "markup_percent": rule.markup_percent}
    return form_page(
        request,
        form=PricingRuleForm(request.POST or None, initial=initial),
        template="inventory/pricing_rule_form.html",
        context={"rule": rule},
        save=lambda data: services.pricing_rule_update(tenant=request.tenant, actor=request.user,
                                                       rule=rule, **_rule_data(data)),
        success_message=_("Rule saved. Reprice the items to apply it."),
        success_url=reverse("inventory:pricing-rules"),
    )


@require_POST
@tenant_view(roles=STAFF_MANAGERS)
def pricing_rule_delete(request: HttpRequest, rule_id: str) -> HttpResponse:
    rule = selectors.pricing_rule_get(rule_id=rule_id)
    services.pricing_rule_delete(tenant=request.tenant, actor=request.user, rule=rule)
    messages.success(request, _("Rule deleted. Reprice the items to apply it."))
    return redirect("inventory:pricing-rules")
