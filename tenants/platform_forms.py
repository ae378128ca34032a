"""Input validation for the platform panel's forms."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Announcement, Plan, Subscription, Tenant
from .money import LocalDecimalField, LocalIntegerField


def _active_plans() -> object:
    return Plan.objects.using("platform").filter(is_archived=False).order_by("price", "name")


class TenantCreateForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=150)
    slug = forms.SlugField(label=_("Address (slug)"), max_length=60,
                           help_text=_("Lowercase letters, digits and hyphens."))
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.none())
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="USD")
    owner_email = forms.EmailField(label=_("Owner's email"))
    owner_name = forms.CharField(label=_("Owner's full name"), max_length=150)
    language = forms.ChoiceField(label=_("Owner's language"), choices=settings.LANGUAGES)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = _active_plans()


class TenantEditForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), max_length=150)
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.none())
    currency = forms.CharField(label=_("Currency"), max_length=3)

    def __init__(self, *args: object, tenant: Tenant, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        self.fields["plan"].queryset = Plan.objects.using("platform").filter(
            Q(is_archived=False) | Q(pk=tenant.plan_id)
        ).order_by("price", "name")


class DeletionForm(forms.Form):
    confirm_slug = forms.CharField(label=_("Type the shop's address to confirm"), max_length=60)


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    price = LocalDecimalField(label=_("Price"), max_digits=12, decimal_places=2, min_value=0)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="USD")
    billing_cycle = forms.ChoiceField(label=_("Billing cycle"), choices=Plan.BillingCycle.choices)
    max_users = LocalIntegerField(label=_("Users"), min_value=0)
    max_branches = LocalIntegerField(label=_("Branches"), min_value=0)
    max_items = LocalIntegerField(label=_("Items"), min_value=0)
    max_terminals = LocalIntegerField(label=_("Terminals"), min_value=0)


class SubscriptionForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Subscription.Status.choices)
    next_billing_date = forms.DateField(
        label=_("Next billing date"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    max_users = LocalIntegerField(label=_("Users (override)"), min_value=0, required=False,
                                  help_text=_("Empty: as the plan says."))
    max_branches = LocalIntegerField(label=_("Branches (override)"), min_value=0, required=False,
                                     help_text=_("Empty: as the plan says."))
    max_items = LocalIntegerField(label=_("Items (override)"), min_value=0, required=False,
                                  help_text=_("Empty: as the plan says."))
    max_terminals = LocalIntegerField(label=_("Terminals (override)"), min_value=0,
                                      required=False, help_text=_("Empty: as the plan says."))


TRISTATE = [("", _("By rollout rules")), ("on", _("On for every shop")),
            ("off", _("Off for every shop"))]


class FlagForm(forms.Form):
    name = forms.SlugField(label=_("Flag name"), max_length=100)
    everyone = forms.ChoiceField(label=_("Global"), choices=TRISTATE, required=False)
    percent_of_tenants = LocalIntegerField(label=_("Percentage of shops"), min_value=0,
                                           max_value=100, initial=0)
    killed = forms.BooleanField(label=_("Kill switch (off everywhere)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_everyone(self) -> bool | None:
        return {"on": True, "off": False}.get(self.cleaned_data.get("everyone") or "")


class FlagOverrideForm(forms.Form):
    tenant = forms.ModelChoiceField(label=_("Shop"), queryset=Tenant.objects.none())
    state = forms.ChoiceField(label=_("State"), choices=[
        ("on", _("On")), ("off", _("Off")), ("clear", _("Remove override"))])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = Tenant.objects.using("platform").order_by("name")


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    severity = forms.ChoiceField(label=_("Severity"), choices=Announcement.Severity.choices)
    starts_at = forms.DateTimeField(label=_("Starts"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                    help_text=_("Empty: now."))
    ends_at = forms.DateTimeField(label=_("Ends"), required=False,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                  help_text=_("Empty: until ended by hand."))
    target_plans = forms.ModelMultipleChoiceField(
        label=_("Only shops on these plans"), queryset=Plan.objects.none(), required=False,
        help_text=_("None selected: every plan."))
    target_statuses = forms.MultipleChoiceField(
        label=_("Only shops with these statuses"), choices=Tenant.Status.choices, required=False,
        help_text=_("None selected: every status."))
    send_email = forms.BooleanField(label=_("Also email the shops' owners"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_plans"].queryset = Plan.objects.using("platform").order_by("name")


class PeriodicTaskForm(forms.Form):
    every = LocalIntegerField(label=_("Every (seconds)"), min_value=10)
    enabled = forms.BooleanField(label=_("Enabled"), required=False)
