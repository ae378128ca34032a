"""Items in and out of CSV and XLSX (django-import-export for the formats and the export).

Import is all or nothing: every row is checked (types by a form, shop rules by
item_create/item_update); if any row is bad, the whole file is rolled back and the
report names each bad row and why. A row whose SKU exists updates that item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import tablib
from django import forms
from django.db import transaction
from django.forms.models import fields_for_model
from django.utils.translation import gettext as _
from import_export import fields as ie_fields
from import_export import resources
from import_export.formats.base_formats import CSV, XLSX

from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.limits import limit_check
from tenants.models import Branch, Tenant, User

from . import services
from .models import Category, Item

COLUMNS = [
    "sku", "name", "category", "metal", "karat", "gross_weight", "net_weight",
    "making_charge_mode", "making_charge_value", "stone_details", "stone_value", "cost",
    "price_mode", "fixed_price", "tracking", "serial_number", "barcode", "branch",
    "low_stock_threshold", "is_active",
]
FORMATS = {"csv": CSV, "xlsx": XLSX}


class ItemResource(resources.ModelResource):
    """The export: one row per item, categories and branches by name / code."""

    category = ie_fields.Field(attribute="category__name", column_name="category")
    branch = ie_fields.Field(attribute="branch__code", column_name="branch")

    class Meta:
        model = Item
        fields = [*COLUMNS, "price", "price_override"]
        export_order = [*COLUMNS, "price", "price_override"]


def items_export(*, file_format: str) -> tuple[bytes | str, str]:
    """(content, content type) of every item of the shop in CSV or XLSX."""
    fmt = FORMATS[file_format]()
    dataset = ItemResource().export(
        queryset=Item.objects.select_related("category", "branch").order_by("sku"))
    return fmt.export_data(dataset), fmt.get_content_type()


class _RowForm(forms.Form):
    """Types and choices of one row; names of category and branch resolve to rows."""

    category = forms.CharField(required=False)
    branch = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(Item, fields=[c for c in COLUMNS
                                                      if c not in ("category", "branch")])
        model_fields["barcode"].required = False
        self.fields.update(model_fields)

    def clean_category(self) -> Category | None:
        name = self.cleaned_data["category"].strip()
        if not name:
            return None
        category = Category.objects.filter(name__iexact=name).first()
        if category is None:
            raise forms.ValidationError(_("No category is called “%(name)s”.") % {"name": name})
        return category

    def clean_branch(self) -> Branch | None:
        code = self.cleaned_data["branch"].strip()
        if not code:
            return None
        branch = Branch.objects.filter(code__iexact=code).first()
        if branch is None:
            raise forms.ValidationError(_("No branch has the code “%(code)s”.") % {"code": code})
        return branch


@dataclass
class RowProblem:
    row: int  # 1-based data row; the header is row 1 of the file, so file line = row + 1
    sku: str
    messages: list[str]


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    imported: bool = False


class _Rollback(Exception):
    pass


def dataset_load(content: bytes, filename: str) -> tablib.Dataset:
    """Read an uploaded CSV or XLSX into a dataset; raise BusinessRuleError if unreadable."""
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            return XLSX().create_dataset(content)
        if name.endswith(".csv"):
            return CSV().create_dataset(content.decode("utf-8-sig"))
    except Exception as exc:  # tablib raises many kinds; all mean "not a file we can read"
        raise BusinessRuleError(_("This file cannot be read."), field="file") from exc
    raise BusinessRuleError(_("Upload a .csv or .xlsx file."), field="file")


def items_import(*, tenant: Tenant, actor: User | None, dataset: tablib.Dataset,
                 dry_run: bool = False) -> ImportReport:
    """Create or update items from rows; nothing is kept if any row is bad (or dry_run)."""
    report = ImportReport(total=len(dataset))
    headers = [str(h or "").strip().lower() for h in (dataset.headers or [])]
    missing = {"sku", "name"} - set(headers)
    if missing:
        raise BusinessRuleError(
            _("The header row lacks: %(columns)s.") % {"columns": ", ".join(sorted(missing))},
            field="file")
    touched: dict[Any, Item] = {}
    try:
        with transaction.atomic(), tenant_context(tenant):
            for number, values in enumerate(dataset, start=1):
                raw = {h: ("" if v is None else str(v).strip())
                       for h, v in zip(headers, values, strict=False) if h in COLUMNS}
                item = _import_row(tenant, actor, number, raw, report)
                if item is not None:
                    touched[item.pk] = item  # a SKU twice in a file: its last state
            if report.created and not report.problems:
                # The plan's item limit, once for the whole file (LimitReached: nothing kept).
                in_use = Item.objects.filter(is_active=True).count() - 1
                limit_check(tenant, "items", in_use=in_use)
            if report.problems or dry_run:
                raise _Rollback
            # Search tokens of every created or updated item, in bulk (the rows skip it).
            services.item_tokens_refresh(tenant=tenant, items=touched.values())
    except _Rollback:
        report.imported = False
    else:
        report.imported = True
    return report


def _import_row(tenant: Tenant, actor: User | None, number: int, raw: dict[str, str],
                report: ImportReport) -> Item | None:
    """Create or update the row's item (None if the row is bad); its search tokens are
    left to the caller's bulk refresh."""
    sku = raw.get("sku", "")
    existing = Item.objects.filter(sku__iexact=sku).first() if sku else None
    data = dict(raw)
    if existing is not None:
        # Columns left out of the file keep the item's values.
        for column in COLUMNS:
            if column not in raw:
                value = getattr(existing, column)
                data[column] = "" if value is None else (
                    value.name if column == "category" else
                    value.code if column == "branch" else value)
    else:
        # Columns left out of the file take the model's defaults.
        for column in COLUMNS:
            if column not in raw:
                default = Item._meta.get_field(column).get_default()
                data[column] = "" if default is None else default
    data.setdefault("is_active", "true")
    data["is_active"] = str(data["is_active"]).lower() in ("1", "true", "yes", "y", "on")
    form = _RowForm(data)
    if not form.is_valid():
        report.problems.append(RowProblem(number, sku, [
            f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]))
        return None
    try:
        with transaction.atomic():
            if existing is None:
                item = services.item_create(tenant=tenant, actor=actor, refresh_tokens=False,
                                            check_limit=False, **form.cleaned_data)
                report.created += 1
            else:
                item = services.item_update(tenant=tenant, actor=actor, item=existing,
                                            refresh_tokens=False, **form.cleaned_data)
                report.updated += 1
    except BusinessRuleError as exc:
        label = f"{exc.field}: " if exc.field else ""
        report.problems.append(RowProblem(number, sku, [f"{label}{exc.message}"]))
        return None
    return item
