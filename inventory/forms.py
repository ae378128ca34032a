"""Input validation for the inventory pages. Querysets are declared here and evaluated
inside the request's tenant scope, so RLS lists this shop's rows only."""

from decimal import Decimal

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from tenants.models import Branch
from tenants.money import (
    LocalDecimalField,
    LocalIntegerField,
    MoneyField,
    MoneyInput,
    local_formfield,
)

from .models import (
    Category,
    InventorySettings,
    Item,
    Karat,
    RateAlert,
    RateBoard,
    RateCode,
)

ITEM_FORM_FIELDS = [
    "sku", "name", "category", "metal", "karat", "gross_weight", "net_weight",
    "making_charge_mode", "making_charge_value", "stone_details", "stone_value", "cost",
    "price_mode", "fixed_price", "tracking", "serial_number", "barcode", "branch",
    "low_stock_threshold", "is_active",
]


class ItemForm(forms.Form):
    def __init__(self, *args: object, can_override: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Item, fields=ITEM_FORM_FIELDS,
                                            formfield_callback=local_formfield))
        self.fields["category"].queryset = Category.objects.order_by("name")
        self.fields["branch"].queryset = Branch.objects.filter(is_active=True).order_by("name")
        self.fields["barcode"].required = False
        self.fields["barcode"].help_text = _("Leave empty to use the SKU.")
        self.fields["stone_details"].widget.attrs["rows"] = 2
        for name in ("stone_value", "cost", "fixed_price"):  # money: the shop's minor unit
            model_field = self.fields[name]
            self.fields[name] = MoneyField(
                label=model_field.label, required=model_field.required,
                initial=model_field.initial, help_text=model_field.help_text,
                min_value=model_field.min_value,
                widget=MoneyInput(attrs=model_field.widget.attrs))
        if can_override:
            self.fields["price_override"] = MoneyField(
                label=_("Price override"), required=False,
                min_value=Decimal(0),
                help_text=_("Replaces the computed price until cleared."),
            )


class StockAdjustForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none())
    quantity = LocalIntegerField(
        label=_("Change in quantity"),
        help_text=_("Positive to add, negative to remove (for example -2)."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(is_active=True).order_by("name")


class RateForm(forms.Form):
    code = forms.ChoiceField(label=_("Rate"), choices=RateCode.choices)
    mode = forms.ChoiceField(label=_("Mode"), choices=RateBoard.Mode.choices)
    buy_rate = LocalDecimalField(label=_("Buy rate per gram"), max_digits=16, decimal_places=4,
                                 required=False, min_value=Decimal(0))
    sell_rate = LocalDecimalField(label=_("Sell rate per gram"), max_digits=16,
                                  decimal_places=4, required=False, min_value=Decimal(0))
    buy_margin_percent = LocalDecimalField(label=_("Buy margin %"), max_digits=7,
                                           decimal_places=3, required=False)
    sell_margin_percent = LocalDecimalField(label=_("Sell margin %"), max_digits=7,
                                            decimal_places=3, required=False)


class InventorySettingsForm(forms.ModelForm):
    class Meta:
        model = InventorySettings
        formfield_callback = local_formfield
        fields = ["tax_rate_percent", "tax_on_gold", "tax_on_making", "tax_on_stone",
                  "stale_after_minutes"]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("CSV or XLSX with a header row."))
    dry_run = forms.BooleanField(label=_("Only check, import nothing"), required=False)


KARAT_CHOICES = [("", _("All karats")), *[(str(v), lbl) for v, lbl in Karat.choices]]


class RateAlertForm(forms.Form):
    karat = forms.TypedChoiceField(label=_("Karat"), choices=Karat.choices, coerce=int)
    direction = forms.ChoiceField(label=_("When the rate"), choices=RateAlert.Direction.choices)
    threshold = LocalDecimalField(label=_("Threshold per gram"), max_digits=16, decimal_places=4,
                                  min_value=Decimal("0.0001"))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    parent = forms.ModelChoiceField(label=_("Parent"), queryset=Category.objects.none(),
                                    required=False, empty_label=_("(top level)"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Category.objects.order_by("name")


class PricingRuleForm(forms.Form):
    karat = forms.TypedChoiceField(label=_("Karat"), choices=[("", _("Any karat")), *Karat.choices],
                                   coerce=int, empty_value=None, required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(),
                                      required=False, empty_label=_("Any category"))
    customer_tier = forms.ChoiceField(label=_("Customer tier"), required=False,
                                      help_text=_("The loyalty tier whose customers get this "
                                                  "markup at the register."))
    markup_percent = LocalDecimalField(label=_("Markup %"), max_digits=7, decimal_places=3)

    def __init__(self, *args: object, **kwargs: object) -> None:
        from crm.models import LoyaltyTier  # crm knows nothing of inventory; this way only

        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("name")
        names = list(LoyaltyTier.objects.order_by("threshold").values_list("name", flat=True))
        kept = str(self.initial.get("customer_tier") or "")
        if kept and kept.casefold() not in {n.casefold() for n in names}:
            names.append(kept)  # a rule for a tier since deleted can still be edited
        self.fields["customer_tier"].choices = [("", _("Every customer")),
                                                *((n, n) for n in names)]




class ItemPhotoForm(forms.Form):
    # Checked by content in services.item_photo_add (not by name or declared type).
    photo = forms.FileField(label=_("Photo"), help_text=_("JPEG, PNG or WebP, at most 5 MB."),
                            widget=forms.ClearableFileInput(
                                attrs={"accept": "image/jpeg,image/png,image/webp"}))
