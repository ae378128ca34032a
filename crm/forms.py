from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.dates import ShopDateField
from tenants.money import MoneyField, MoneyInput, local_formfield

from .models import LoyaltySettings, LoyaltyTier


def _money_field(label: str, **kwargs: object) -> forms.DecimalField:
    return MoneyField(label=label, **kwargs)


class StyledForm(forms.Form):
    """Gives every widget the shared `input` class (checkboxes keep their own look)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "input")


class CustomerForm(StyledForm):
    first_name = forms.CharField(label=_("First name"), max_length=80, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr"}))
    email = forms.EmailField(label=_("Email"), required=False,
                             widget=forms.EmailInput(attrs={"dir": "ltr"}))
    birthday = ShopDateField(label=_("Birthday"), required=False)
    anniversary = ShopDateField(label=_("Anniversary"), required=False)
    tags = forms.CharField(label=_("Tags"), max_length=400, required=False,
                           help_text=_("Separate tags with commas, e.g. VIP, wedding."))
    email_opt_in = forms.BooleanField(label=_("Accepts marketing by email"), required=False)
    sms_opt_in = forms.BooleanField(label=_("Accepts marketing by SMS"), required=False)
    preferences = forms.CharField(label=_("Preferences"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("Metals, styles, ring size…"))
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    referral_code = forms.CharField(label=_("Referral code"), max_length=20, required=False,
                                    help_text=_("The code of the customer who sent them, if any."))
    allow_duplicate = forms.BooleanField(
        label=_("Save anyway: this is a different person"), required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: object, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["referral_code"]

    def show_duplicate_confirmation(self) -> None:
        """After a duplicate was reported, offer the checkbox that confirms it."""
        field = self.fields["allow_duplicate"]
        field.widget = forms.CheckboxInput()


class StoreCreditForm(StyledForm):
    KIND_CHOICES = (
        ("issue", _("Issue store credit")),
        ("adjust_up", _("Adjust: add")),
        ("adjust_down", _("Adjust: remove")),
    )
    kind = forms.ChoiceField(label=_("What"), choices=KIND_CHOICES)
    amount = _money_field(_("Amount"), min_value=Decimal("0.01"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False,
                             help_text=_("Required for adjustments."))


class GiftCardForm(StyledForm):
    amount = _money_field(_("Amount"), min_value=Decimal("0.01"))
    expires_on = ShopDateField(label=_("Expires on"), required=False)
    reference = forms.CharField(label=_("Reference"), max_length=80, required=False,
                                help_text=_("A receipt number, for instance."))


class GiftCardCheckForm(StyledForm):
    code = forms.CharField(label=_("Gift card code"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr",
                                                         "autofocus": True}))


class LoyaltyTierForm(forms.ModelForm):
    class Meta:
        model = LoyaltyTier
        formfield_callback = local_formfield
        fields = ["name", "threshold", "validity_months", "discount_percent", "points_multiplier"]
        field_classes = {"threshold": MoneyField}
        widgets = {"threshold": MoneyInput}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "input")

    def validate_unique(self) -> None:
        # The service checks names and thresholds within the shop (the model's unique
        # constraints include tenant, which a form cannot see).
        pass


class LoyaltySettingsForm(forms.ModelForm):
    class Meta:
        model = LoyaltySettings
        formfield_callback = local_formfield
        fields = ["points_per_unit", "point_value", "expiry_months", "qualification_months",
                  "referral_points_referrer", "referral_points_referee"]
        field_classes = {"point_value": MoneyField}
        widgets = {"point_value": MoneyInput}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "input")

    def validate_unique(self) -> None:
        pass
