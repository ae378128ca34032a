"""Input of the sales reports page: the report picker with its filters, and a schedule.
Branch querysets are declared here and evaluated in the request's tenant scope (RLS)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.dates import ShopDateField
from tenants.models import Branch

from .models import ReportSchedule
from .selectors import REPORTS, ReportFilter

MAX_DAYS = 366 * 3


class ReportFilterForm(forms.Form):
    report = forms.ChoiceField(label=_("Report"), choices=list(REPORTS.items()), initial="day")
    start = ShopDateField(label=_("From"), required=False)
    end = ShopDateField(label=_("To"), required=False)
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.order_by("name"),
                                    required=False, empty_label=_("All branches"))

    def clean(self) -> dict:
        data = super().clean()
        today = timezone.localdate()
        start = data.get("start") or today.replace(day=1)
        end = data.get("end") or today
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose at most three years."))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> ReportFilter:
        data = self.cleaned_data
        return ReportFilter(start=data["start"], end=data["end"], branch=data.get("branch"))

    @classmethod
    def for_request(cls, params: dict) -> ReportFilterForm:
        """The picker bound to the query string, with this month as the default period."""
        today = timezone.localdate()
        data = {"report": "day", "start": today.replace(day=1).isoformat(),
                "end": today.isoformat()}
        data.update({k: v for k, v in params.items() if v not in (None, "")})
        return cls(data)


class ReportScheduleForm(forms.Form):
    report = forms.ChoiceField(label=_("Report"), choices=ReportSchedule.Report.choices)
    frequency = forms.ChoiceField(label=_("Frequency"),
                                  choices=ReportSchedule.Frequency.choices)
    file_format = forms.ChoiceField(label=_("File format"), choices=ReportSchedule.Format.choices)
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.order_by("name"),
                                    required=False, empty_label=_("All branches"))
    recipients = forms.CharField(
        label=_("Recipients"), max_length=2000,
        help_text=_("Email addresses separated by commas (at most ten)."),
        widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr"}))

