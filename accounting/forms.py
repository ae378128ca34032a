"""Forms of the books' pages."""

from __future__ import annotations

import datetime

import jdatetime
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.dates import ShopDateField


def this_jalali_year_start() -> datetime.date:
    """1 Farvardin of the current Jalali year (the usual start of a Persian shop's year)."""
    today = jdatetime.date.fromgregorian(date=timezone.localdate())
    return jdatetime.date(today.year, 1, 1).togregorian()


class FiscalYearForm(forms.Form):
    start = ShopDateField(label=_("First day"),
                            help_text=_("Persian shops usually start their year on 1 Farvardin."))
    end = ShopDateField(label=_("Last day"), required=False,
                          help_text=_("Leave empty for one year (the day before the same "
                                      "Jalali date a year later)."))
    name = forms.CharField(label=_("Name"), max_length=40, required=False,
                           help_text=_("Leave empty for the Jalali year, e.g. 1404."))
