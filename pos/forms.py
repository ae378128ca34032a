"""Input of the register's pages."""

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.normalize import phone_readable
from tenants.dates import ShopDateField, shop_date_text
from tenants.models import Branch, Terminal
from tenants.money import LocalDecimalField, LocalIntegerField, MoneyField

from .models import Sale
from .selectors import SaleFilter

# The sales page's dates: a typed 9999-12-31 would overflow the day after it.
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


class ShiftOpenForm(forms.Form):
    terminal = forms.ModelChoiceField(label=_("Terminal"), queryset=Terminal.objects.none())
    opening_float = MoneyField(label=_("Cash in the drawer (float)"), initial=0, **MONEY)

    def __init__(self, *args, terminals=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["terminal"]
        field.empty_label = _("Choose a terminal")
        if terminals is not None:
            field.queryset = terminals
            # One terminal the cashier may use: it is the one, already chosen.
            only = list(terminals[:2])
            if len(only) == 1:
                field.empty_label, field.initial = None, only[0].pk


class ShiftCloseForm(forms.Form):
    counted_cash = MoneyField(label=_("Cash counted in the drawer"), **MONEY)


class ScanForm(forms.Form):
    code = forms.CharField(label=_("Scan or type a barcode or SKU"), max_length=64,
                           widget=forms.TextInput(attrs={"autocomplete": "off",
                                                         "class": "input",
                                                         "data-scanner": "1"}))

    def __init__(self, *args, autofocus: bool = False, **kwargs) -> None:
        # Only on the full page: in a fragment, htmx would focus an [autofocus] field
        # when the swap settles, taking the cursor from a field the cashier went to.
        super().__init__(*args, **kwargs)
        if autofocus:
            self.fields["code"].widget.attrs["autofocus"] = True


class CartAddForm(forms.Form):
    item = forms.UUIDField(widget=forms.HiddenInput)
    quantity = LocalIntegerField(label=_("Quantity"), min_value=1, initial=1, required=False)


class LineForm(forms.Form):
    line = forms.UUIDField(widget=forms.HiddenInput)


class QuantityForm(LineForm):
    quantity = LocalIntegerField(label=_("Quantity"), min_value=1, max_value=100000)


class DiscountForm(forms.Form):
    """A discount on a line or on the whole cart (target "cart"); the PIN only when it
    is above the shop's limit."""

    target = forms.ChoiceField(label=_("Discount on"), choices=())
    amount = MoneyField(label=_("Discount amount"), **MONEY)
    manager_pin = forms.CharField(
        label=_("Manager PIN (above the limit)"), max_length=32, required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))

    def __init__(self, *args, rows=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("cart", _("The whole cart"))] + [
            (str(row.line.pk), f"{row.item.sku} · {row.item.name}") for row in rows]


class HoldForm(forms.Form):
    name = forms.CharField(label=_("Name to find it by"), max_length=60, required=False)


class CartPickForm(forms.Form):
    cart = forms.UUIDField(widget=forms.HiddenInput)


class CustomerPickForm(forms.Form):
    customer = forms.UUIDField(widget=forms.HiddenInput, required=False)


class CustomerQuickForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=60, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=60, error_messages={
        "required": _("Give at least the customer's last name.")})
    phone = forms.CharField(label=_("Mobile"), max_length=20, required=False)

    def clean_phone(self) -> str:
        """A typed mobile must be a phone number: text the CRM cannot read as one
        ("abc") is refused with the CRM's message, not saved as no phone."""
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and not phone_readable(phone):
            raise forms.ValidationError(gettext("Enter a phone number."))
        return phone


class CompleteForm(forms.Form):
    """The payments panel. The key is made when the page is drawn and kept by the page:
    sending the same form twice (a double click, a retry after a timeout) gives the
    same sale."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    cash = MoneyField(label=_("Cash received"), required=False, **MONEY)
    card = MoneyField(label=_("Card"), required=False, **MONEY)
    card_reference = forms.CharField(label=_("Card reference"), max_length=100, required=False)
    store_credit = MoneyField(label=_("Store credit"), required=False, **MONEY)
    gift_card = MoneyField(label=_("Gift card"), required=False, **MONEY)
    gift_card_code = forms.CharField(label=_("Gift card code"), max_length=40, required=False)
    points = MoneyField(label=_("Paid with points"), required=False, **MONEY)

    def payments(self) -> list[tuple[str, Decimal, str]]:
        """[(method, amount, reference)] of the tenders filled in, in a fixed order
        (cash last: change comes from it)."""
        data = self.cleaned_data
        refs = {"card": data.get("card_reference") or "",
                "gift_card": data.get("gift_card_code") or ""}
        return [(method, data[method], refs.get(method, ""))
                for method in ("card", "store_credit", "gift_card", "points", "cash")
                if data.get(method)]


class PosSettingsForm(forms.Form):
    """The register's limits and what receipts print (owners). Their rules (0-100 %, the
    currency's decimals, the logo's format and size) are pos.services.pos_settings_update's."""

    discount_limit_percent = LocalDecimalField(
        label=_("Discount a cashier may give without a manager (%)"), max_digits=5,
        decimal_places=2,
        help_text=_("Of a line's amount, or of the cart's for a cart discount. Above it a "
                    "manager types their PIN."))
    return_approval_limit = MoneyField(
        label=_("Refund a cashier may give without a manager"), **MONEY,
        help_text=_("Counting the sale's earlier refunds. 0: every return needs a "
                    "manager's PIN."))
    receipt_footer = forms.CharField(
        label=_("Receipt footer"), max_length=200, required=False,
        help_text=_("Printed at the bottom of every receipt, e.g. your returns policy."))
    receipt_tax_id = forms.CharField(
        label=_("Tax ID"), max_length=40, required=False,
        help_text=_("Your shop's tax or VAT number, printed under its name on every "
                    "receipt."), widget=forms.TextInput(attrs={"dir": "ltr"}))
    receipt_logo = forms.FileField(
        label=_("Logo"), required=False,
        help_text=_("Printed at the top of every receipt: a JPEG, PNG or WebP image of at "
                    "most 1 MB; a wide, dark logo on a white background prints best."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
    receipt_logo_clear = forms.BooleanField(label=_("Remove the logo"), required=False)


class _BranchTerminalChoices:
    """Branches and terminals offered are those the user works with
    (tenants.access.branches_visible_to), terminals named with their branch."""

    def __init__(self, *args, branches=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if branches is not None:
            self.fields["branch"].queryset = branches.order_by("name")
            self.fields["terminal"].queryset = (
                Terminal.objects.filter(branch__in=branches)
                .select_related("branch").order_by("branch__name", "name"))
            self.fields["terminal"].label_from_instance = (
                lambda t: f"{t.branch.name} · {t.name}")


class SaleFilterForm(_BranchTerminalChoices, forms.Form):
    """The sales page's filters (GET)."""
    q = forms.CharField(label=_("Sale number or customer"), max_length=100, required=False)
    start = ShopDateField(label=_("From"), required=False)
    end = ShopDateField(label=_("To"), required=False)
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none(),
                                    required=False, empty_label=_("All branches"))
    terminal = forms.ModelChoiceField(label=_("Terminal"), queryset=Terminal.objects.none(),
                                      required=False, empty_label=_("All terminals"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *Sale.Status.choices])

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        for name, day in (("start", start), ("end", end)):
            if day and not FIRST_DAY <= day <= LAST_DAY:
                # In the shop's calendar: ۱۲۷۸/۱۰/۱۱ to ۲۳۷۸/۱۰/۱۰ in Persian.
                self.add_error(name, _("Choose a date between %(first)s and %(last)s.") % {
                    "first": shop_date_text(FIRST_DAY), "last": shop_date_text(LAST_DAY)})
                return data
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filters(self) -> SaleFilter:
        data = self.cleaned_data
        return SaleFilter(
            search=data.get("q") or "", start=data.get("start"), end=data.get("end"),
            branch_id=data["branch"].pk if data.get("branch") else None,
            terminal_id=data["terminal"].pk if data.get("terminal") else None,
            status=data.get("status") or "")


class ShiftFilterForm(_BranchTerminalChoices, forms.Form):
    """The shifts page's filters (GET)."""
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none(),
                                    required=False, empty_label=_("All branches"))
    terminal = forms.ModelChoiceField(label=_("Terminal"), queryset=Terminal.objects.none(),
                                      required=False, empty_label=_("All terminals"))
    state = forms.ChoiceField(label=_("State"), required=False, choices=[
        ("", _("Open and closed")), ("open", _("Open")), ("closed", _("Closed"))])
