"""Input of the register's pages."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import Terminal

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


class ShiftOpenForm(forms.Form):
    terminal = forms.ModelChoiceField(label=_("Terminal"), queryset=Terminal.objects.none())
    opening_float = forms.DecimalField(label=_("Cash in the drawer (float)"), initial=0, **MONEY)

    def __init__(self, *args, terminals=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if terminals is not None:
            self.fields["terminal"].queryset = terminals


class ShiftCloseForm(forms.Form):
    counted_cash = forms.DecimalField(label=_("Cash counted in the drawer"), **MONEY)


class ScanForm(forms.Form):
    code = forms.CharField(label=_("Scan or type a barcode or SKU"), max_length=64,
                           widget=forms.TextInput(attrs={"autofocus": True,
                                                         "autocomplete": "off",
                                                         "class": "input"}))


class CompleteForm(forms.Form):
    # Made when the cart page is drawn: sending the same form twice (a double click, a
    # retry after a timeout) gives the same sale.
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    cart_discount = forms.DecimalField(label=_("Cart discount"), initial=0, required=False,
                                       **MONEY)
    cash = forms.DecimalField(label=_("Cash received"), required=False, **MONEY)
    card = forms.DecimalField(label=_("Card"), required=False, **MONEY)
    card_reference = forms.CharField(label=_("Card reference"), max_length=100, required=False)
