"""The CRM's pages: customers, their balances, gift cards and the loyalty programme.

Thin: parse input, call a selector or service, render. RLS scopes every query to
the request's shop; another shop's id is a 404 from the selector.
"""

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tenants.access import STAFF_MANAGERS, tenant_view
from tenants.errors import BusinessRuleError
from tenants.formviews import form_error_add, form_page
from tenants.fragments import page_or_partial

from . import selectors, services
from .forms import (
    CustomerForm,
    GiftCardCheckForm,
    GiftCardForm,
    LoyaltySettingsForm,
    LoyaltyTierForm,
    StoreCreditForm,
)
from .models import loyalty_defaults, point_value_fits
from .services import DuplicateCustomer


def _uuid_or_blank(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return ""


# --- customers ---------------------------------------------------------------------


@tenant_view()
def customer_list(request: HttpRequest) -> HttpResponse:
    tier = request.GET.get("tier", "")
    filters = {
        "search": request.GET.get("q", "").strip()[:100],
        "tier_id": tier if tier == "none" else _uuid_or_blank(tier),
        "tag": request.GET.get("tag", "").strip()[:40],
        "opt_in": request.GET.get("opt_in", ""),
    }
    if filters["opt_in"] not in ("email", "sms", "none"):
        filters["opt_in"] = ""
    page = selectors.customer_page(selectors.customer_list(**filters), request.GET.get("page"))
    template = page_or_partial(request, "crm/customer_list.html", target="customer-results")
    return render(request, template, {
        "page": page, "filters": filters, "tiers": selectors.tier_list(),
    })


def _customer_form_page(request: HttpRequest, *, form: CustomerForm, save: Any,
                        context: dict[str, Any]) -> HttpResponse:
    """form_page plus the duplicate report: the existing customer, linked, and a
    checkbox to save anyway."""
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            customer = save(form.cleaned_data)
        except DuplicateCustomer as exc:
            duplicate = exc.existing
            form_error_add(form, exc)
            form.show_duplicate_confirmation()
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Customer %(number)s saved.") % {"number": customer.number})
            return redirect("crm:customer-detail", customer_id=customer.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "crm/customer_form.html",
                  {"form": form, "duplicate": duplicate, **context}, status=status)


@tenant_view()
def customer_create(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None)
    return _customer_form_page(
        request, form=form, context={"creating": True},
        save=lambda data: services.customer_create(tenant=request.tenant, actor=request.user,
                                                   **data),
    )


@tenant_view()
def customer_edit(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer = selectors.customer_get(customer_id=customer_id)
    initial = {name: getattr(customer, name) for name in (
        "first_name", "last_name", "phone", "email", "birthday", "anniversary", "notes",
        "preferences", "email_opt_in", "sms_opt_in")}
    initial["tags"] = ", ".join(customer.tags)
    form = CustomerForm(request.POST or None, initial=initial, editing=True)
    return _customer_form_page(
        request, form=form, context={"creating": False, "customer": customer},
        save=lambda data: services.customer_update(tenant=request.tenant, actor=request.user,
                                                   customer=customer, **data),
    )


@tenant_view()
def customer_detail(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer = selectors.customer_get(customer_id=customer_id)
    return render(request, "crm/customer_detail.html", {
        "customer": customer,
        **selectors.customer_profile(customer=customer),
        "currency": request.tenant.currency,
    })


@tenant_view(roles=STAFF_MANAGERS)
def store_credit_change(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer = selectors.customer_get(customer_id=customer_id)

    def save(data: dict[str, Any]) -> Any:
        common = {"tenant": request.tenant, "actor": request.user, "customer": customer}
        amount: Decimal = data["amount"]
        if data["kind"] == "issue":
            return services.store_credit_issue(**common, amount=amount, reason=data["reason"])
        sign = 1 if data["kind"] == "adjust_up" else -1
        return services.store_credit_adjust(**common, amount=sign * amount, reason=data["reason"])

    return form_page(
        request,
        form=StoreCreditForm(request.POST or None),
        template="crm/store_credit_form.html",
        context={"customer": customer,
                 "balance": selectors.store_credit_balance(customer=customer),
                 "currency": request.tenant.currency},
        save=save,
        success_message=_("Store credit updated."),
        success_url=reverse("crm:customer-detail", kwargs={"customer_id": customer.pk}),
    )


# --- gift cards ----------------------------------------------------------------------


@tenant_view()
def gift_card_list(request: HttpRequest) -> HttpResponse:
    page = selectors.gift_card_page(selectors.gift_card_list(), request.GET.get("page"))
    template = page_or_partial(request, "crm/gift_card_list.html", target="gift-card-results")
    return render(request, template, {"page": page, "currency": request.tenant.currency})


@tenant_view()
def gift_card_issue(request: HttpRequest) -> HttpResponse:
    """A new card, for a customer when ?customer=<id> (the profile's button)."""
    customer_id = request.GET.get("customer", "")
    customer = selectors.customer_get(customer_id=customer_id) if customer_id else None
    return form_page(
        request,
        form=GiftCardForm(request.POST or None),
        template="crm/gift_card_form.html",
        context={"customer": customer, "currency": request.tenant.currency},
        save=lambda data: services.gift_card_issue(tenant=request.tenant, actor=request.user,
                                                   customer=customer, **data),
        success_message=lambda card: _("Gift card %(code)s issued.") % {"code": card.display_code},
        success_url=lambda card: reverse("crm:gift-card-detail",
                                         kwargs={"gift_card_id": card.pk}),
    )


@tenant_view()
def gift_card_detail(request: HttpRequest, gift_card_id: str) -> HttpResponse:
    card = selectors.gift_card_get(gift_card_id=gift_card_id)
    return render(request, "crm/gift_card_detail.html", {
        "card": card,
        "balance": selectors.gift_card_balance_of(card=card),
        "history": selectors.gift_card_history(card=card),
        "currency": request.tenant.currency,
    })


@require_http_methods(["GET"])
@tenant_view()
def gift_card_check(request: HttpRequest) -> HttpResponse:
    """Balance by code, as a customer reads it from the card (GET: nothing changes)."""
    form = GiftCardCheckForm(request.GET if "code" in request.GET else None)
    card = balance = None
    status = 200
    if form.is_bound and form.is_valid():
        card = selectors.gift_card_by_code(code=form.cleaned_data["code"])
        if card is None:
            # A refusal of what was typed (422: htmx swaps it in place), whether the
            # code is another shop's or nobody's.
            form.add_error("code", _("No gift card has this code."))
            status = 422
        else:
            balance = selectors.gift_card_balance_of(card=card)
    template = page_or_partial(
        request, "crm/gift_card_check.html", target="gift-card-balance", partial="balance"
    )
    return render(request, template, {"form": form, "card": card, "balance": balance,
                                      "currency": request.tenant.currency}, status=status)


# --- loyalty ---------------------------------------------------------------------------


@tenant_view(roles=STAFF_MANAGERS)
def loyalty_settings(request: HttpRequest) -> HttpResponse:
    current = services.loyalty_settings_get()
    form = LoyaltySettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.loyalty_settings_update(
                tenant=request.tenant, actor=request.user,
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("crm:loyalty-settings")
    status = 422 if request.method == "POST" else 200
    currency = request.tenant.currency
    # A value stored before the currency defaults existed (0.01 in a Rial shop whose
    # customers already hold points): the owner chooses, nothing is changed for them.
    unfit = not point_value_fits(current.point_value, currency)
    return render(request, "crm/loyalty_settings.html",
                  {"form": form, "tiers": selectors.tier_list(), "currency": currency,
                   "point_value_unfit": unfit, **(_point_value_advice(current, currency)
                                                   if unfit else {})},
                  status=status)


def _point_value_advice(current: Any, currency: str) -> dict[str, Decimal]:
    per_unit, value = loyalty_defaults(currency)
    return {"stored_value": current.point_value, "suggested_value": value,
            "suggested_spend": 1 / per_unit}


_TIER_FIELDS = ("name", "threshold", "validity_months", "discount_percent", "points_multiplier")


@tenant_view(roles=STAFF_MANAGERS)
def tier_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        form=LoyaltyTierForm(request.POST or None),
        template="crm/tier_form.html",
        context={"creating": True},
        save=lambda data: services.tier_create(
            tenant=request.tenant, actor=request.user, **{k: data[k] for k in _TIER_FIELDS}),
        success_message=_("Tier added."),
        success_url="crm:loyalty-settings",
    )


@tenant_view(roles=STAFF_MANAGERS)
def tier_edit(request: HttpRequest, tier_id: str) -> HttpResponse:
    tier = selectors.tier_get(tier_id=tier_id)
    initial = {k: getattr(tier, k) for k in _TIER_FIELDS}
    return form_page(
        request,
        form=LoyaltyTierForm(request.POST or None, initial=initial),
        template="crm/tier_form.html",
        context={"creating": False, "tier": tier},
        save=lambda data: services.tier_update(
            tenant=request.tenant, actor=request.user, tier=tier,
            **{k: data[k] for k in _TIER_FIELDS}),
        success_message=_("Changes saved."),
        success_url="crm:loyalty-settings",
    )
