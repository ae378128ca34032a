"""Input of the repair pages. Rules live in repairs.services; forms parse."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from crm.models import Customer
from tenants.access import branches_visible_to
from tenants.dates import ShopDateField
from tenants.models import Branch, User
from tenants.money import LocalDecimalField, MoneyField

from .models import DepositOnCancel, RepairOrder, RepairPayment


def _decimal(label: Any, places: int = 2, **kwargs: Any) -> forms.DecimalField:
    if places == 2:  # money: steps by the shop's minor unit
        return MoneyField(label=label, required=False, min_value=0, **kwargs)
    step = "0.001"
    return LocalDecimalField(label=label, max_digits=14, decimal_places=places,
                             required=False, min_value=0,
                             widget=forms.NumberInput(attrs={"class": "input", "step": step,
                                                             "inputmode": "decimal"}), **kwargs)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Customer) -> str:
        return f"{obj.number} · {obj.full_name}" + (f" · {obj.phone}" if obj.phone else "")


class RepairForm(forms.Form):
    customer = CustomerChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=RepairOrder.Kind.choices)
    service = forms.ChoiceField(label=_("Service"), choices=RepairOrder.Service.choices)
    description = forms.CharField(label=_("Item and work description"),
                                  widget=forms.Textarea(attrs={"rows": 3}))
    design_specs = forms.CharField(label=_("Design specifications (custom orders)"),
                                   required=False, widget=forms.Textarea(attrs={"rows": 2}))
    metal_weight = _decimal(_("Metal weight (g)"), places=3)
    stones = forms.CharField(label=_("Stones"), required=False, max_length=500)
    weight_in = _decimal(_("Weight in (g)"), places=3)
    labour_estimate = _decimal(_("Labour estimate"))
    materials_estimate = _decimal(_("Materials estimate"))
    deposit = _decimal(_("Deposit"))
    promised_on = ShopDateField(label=_("Promised date"), required=False)
    craftsman = StaffChoiceField(label=_("Craftsman"), queryset=User.objects.none(),
                                 required=False)
    photo = forms.FileField(label=_("Intake photo"), required=False,
                            widget=forms.ClearableFileInput(
                                attrs={"accept": "image/jpeg,image/png,image/webp"}))

    def __init__(self, *args: Any, tenant: Any, user: User, editing: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.fields["customer"].queryset = Customer.objects.order_by("last_name", "first_name")
        # A salesperson or cashier bound to a branch takes repairs in for it only (the
        # service refuses the others too).
        self.fields["branch"].queryset = branches_visible_to(user)
        self.fields["craftsman"].queryset = User.objects.filter(
            tenant=tenant, is_active=True).order_by("full_name", "email")
        self.fields["photo"].help_text = _("JPEG, PNG or WebP, at most %(size)s.") % {
            "size": filesizeformat(settings.REPAIR_PHOTO_MAX_BYTES)}
        if editing:
            for name in ("customer", "branch", "kind", "photo", "deposit"):
                del self.fields[name]
            self.fields["weight_out"] = _decimal(_("Weight out (g)"), places=3)
        else:  # the deposit is taken at the register (repairs.payments)
            self.fields.update(till_fields())
            self.fields["deposit"].help_text = _(
                "Taken at the register: a shift must be open at your terminal.")
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "input")


def till_fields() -> dict[str, forms.Field]:
    """How money changes hands at the register: method, cash handed over, card
    reference, and the client's idempotency key (a new one with every page)."""
    return {
        "method": forms.ChoiceField(label=_("Paid by"), choices=RepairPayment.Method.choices,
                                    initial=RepairPayment.Method.CASH, required=False),
        "handed": _decimal(_("Cash handed over (for the change)")),
        "reference": forms.CharField(label=_("Card reference"), required=False,
                                     max_length=100),
        "idempotency_key": forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4,
                                           required=False),
    }


TILL_FIELDS = ("method", "handed", "reference", "idempotency_key")


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=20)
    note = forms.CharField(required=False, max_length=500)
    # On cancellation: pay the deposit back (the default) or keep it, with a reason.
    deposit_action = forms.ChoiceField(required=False, choices=DepositOnCancel.choices)
    deposit_reason = forms.CharField(required=False, max_length=500)
    weight_out = LocalDecimalField(required=False, max_digits=10, decimal_places=3,
                                   min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(till_fields())
        for name in TILL_FIELDS:
            self.fields[name].widget.attrs.setdefault("class", "input")


class DepositForm(forms.Form):
    amount = _decimal(_("Deposit"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].required = True
        self.fields.update(till_fields())
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "input")


class RepairPhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo"), widget=forms.ClearableFileInput(
        attrs={"accept": "image/jpeg,image/png,image/webp", "class": "input"}))
