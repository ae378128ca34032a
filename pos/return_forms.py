"""Input of the return, buy-back and receipt pages (pos.views.returns, .buyback,
.receipts). The register's own forms are in pos.forms."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import Karat
from tenants.money import DecimalInput, LocalDecimalField, LocalIntegerField
from tenants.templatetags.zargar import digits

from .models import BuyBack, SaleReturn

PIN_WIDGET = forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"})


class ReturnForm(forms.Form):
    """One quantity field per sale line (`qty_<line id>`), then reason and settlement."""

    reason = forms.CharField(label=_("Reason"), max_length=200)
    settlement = forms.ChoiceField(label=_("Refund"), choices=SaleReturn.Settlement.choices,
                                   initial=SaleReturn.Settlement.ORIGINAL,
                                   widget=forms.RadioSelect)
    card_reference = forms.CharField(label=_("Card refund reference"), max_length=100,
                                     required=False)
    manager_pin = forms.CharField(label=_("Manager PIN (above the refund limit)"),
                                  max_length=32, required=False, widget=PIN_WIDGET)

    def __init__(self, *args, lines=(), left=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.line_fields = []
        fields = dict(self.fields)
        self.fields.clear()
        for line in lines:
            room = (left or {}).get(line.pk, line.quantity)
            name = f"qty_{line.pk}"
            self.fields[name] = LocalIntegerField(
                label=f"{line.sku} · {line.name}", min_value=0, max_value=max(room, 0),
                initial=0, required=False,
                help_text=_("%(n)s can come back") % {"n": digits(room)},
                widget=DecimalInput(attrs={"class": "input w-20", "inputmode": "numeric"}))
            self.line_fields.append((line, name))
        self.fields.update(fields)

    def return_lines(self) -> list[tuple[object, int]]:
        return [(line.pk, self.cleaned_data.get(name) or 0) for line, name in self.line_fields
                if self.cleaned_data.get(name)]


class BuyBackForm(forms.Form):
    weight = LocalDecimalField(label=_("Weight (g)"), max_digits=10, decimal_places=3,
                                min_value=Decimal("0.001"))
    karat = forms.TypedChoiceField(label=_("Karat"), choices=[("", "—"), *Karat.choices],
                                   coerce=int, empty_value=None, required=False)
    purity = LocalDecimalField(label=_("Tested purity (‰)"), max_digits=5, decimal_places=1,
                                required=False,
                                help_text=_("Leave empty to use the karat's purity."))
    melt_loss_percent = LocalDecimalField(label=_("Melt loss (%)"), max_digits=5,
                                           decimal_places=2, min_value=Decimal("0"),
                                           initial=Decimal("0"), required=False)
    rate = LocalDecimalField(label=_("Buy rate per gram"), max_digits=16, decimal_places=4,
                              required=False,
                              help_text=_("Leave empty for today's rate from the rate board."))
    customer_number = LocalIntegerField(
        label=_("Customer number"), min_value=1, required=False,
        widget=DecimalInput(attrs={"inputmode": "numeric"}),
        help_text=_("Or, for a seller who is not a customer, the name and ID number below."))
    seller_name = forms.CharField(label=_("Seller's name"), max_length=200, required=False)
    seller_id_number = forms.CharField(label=_("Seller's ID document number"), max_length=40,
                                       required=False)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    settlement = forms.ChoiceField(label=_("Pay the seller"),
                                   choices=BuyBack.Settlement.choices,
                                   initial=BuyBack.Settlement.CASH, widget=forms.RadioSelect)


class ReceiptEmailForm(forms.Form):
    email = forms.EmailField(label=_("Email the receipt to"))


class RegisterOldGoldForm(BuyBackForm):
    """Old gold at the register (prefix "gold" on the page): credited to the current sale
    or paid out in cash. The seller is the cart's customer unless a name and an ID
    document number are given."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "gold")
        super().__init__(*args, **kwargs)
        for name in ("customer_number", "settlement"):
            del self.fields[name]
        self.fields["seller_name"].help_text = _(
            "Leave the seller empty when the cart's customer sells the gold.")
        self.fields["weight"].widget.attrs.update({"inputmode": "decimal",
                                                   "autocomplete": "off"})


class RegisterReturnFindForm(forms.Form):
    code = forms.CharField(
        label=_("Sale number or receipt QR"), max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "input",
                                      "placeholder": "S-000123"}))

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "find")
        super().__init__(*args, **kwargs)
