"""Dates as the shop types them: Jalali in Persian, ISO in English.

`ShopDateField` (with its widget `ShopDateInput`) is the form field of every
tenant-facing date input. It cleans to a Gregorian `datetime.date`, so selectors and
services never see the calendar.

    English  <input type="date" value="2026-12-07">            (the browser's picker)
    Persian  <input type="text" inputmode="numeric" dir="ltr" value="۱۴۰۵/۰۹/۱۶">

Typed text (`shop_date_parse`) is year, month, day separated by / or - (or eight
digits without separators: a phone's number pad has neither), in Persian, Arabic-Indic
or Latin digits, in either language: a four-digit year from 1700 on is
Gregorian (2026-12-07, what the English picker sends and what links built by code
carry), an earlier one Jalali (1405/09/16). A day the calendar does not have
(1405/13/01, 1404/12/30) is refused with a message naming the calendar.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import jdatetime
from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

# Years from here on are Gregorian, earlier ones Jalali (Jalali 1700 is Gregorian 2321).
GREGORIAN_FROM = 1700
_ASCII = str.maketrans(
    {**{chr(0x06F0 + i): str(i) for i in range(10)}, **{chr(0x0660 + i): str(i) for i in range(10)}}
)
_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_TYPED = re.compile(r"(\d{4})([/-])(\d{1,2})\2(\d{1,2})")
# Eight digits without separators: what a phone's number pad (no / or -) can type.
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
LRM = "\u200e"


class DateTypo(ValueError):
    """Text that is not year/month/day."""


class DateMissing(ValueError):
    """Year/month/day that the calendar does not have; `jalali` says which calendar."""

    def __init__(self, text: str, *, jalali: bool) -> None:
        super().__init__(text)
        self.jalali = jalali


def _persian() -> bool:
    return (translation.get_language() or "").startswith("fa")


def shop_date_parse(text: str) -> datetime.date:
    """The Gregorian date of typed text (module docstring). Raises DateTypo when the
    text is not a date, DateMissing when it names a day its calendar does not have."""
    ascii_text = text.strip().translate(_ASCII)
    match = _TYPED.fullmatch(ascii_text)
    if match is not None:
        year, month, day = int(match[1]), int(match[3]), int(match[4])
    elif match := _COMPACT.fullmatch(ascii_text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        raise DateTypo(text)
    jalali = year < GREGORIAN_FROM
    try:
        if jalali:
            return jdatetime.date(year, month, day).togregorian()
        return datetime.date(year, month, day)
    except ValueError:
        raise DateMissing(text, jalali=jalali) from None


def shop_date_text(value: datetime.date, *, persian: bool | None = None) -> str:
    """What a date input shows: ۱۴۰۵/۰۹/۱۶ in Persian, 2026-12-07 otherwise."""
    if persian is None:
        persian = _persian()
    if not persian:
        return value.isoformat()
    jalali = jdatetime.date.fromgregorian(date=value)
    return f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}".translate(_FA_DIGITS)


def _placeholder() -> str:
    # Left-to-right marks keep the words in the order of the digits typed (year on the
    # left); the leading one also where text is laid out by its first strong letter.
    return LRM + f"{LRM}/".join(
        [
            pgettext("date input", "year"),
            pgettext("date input", "month"),
            pgettext("date input", "day"),
        ]
    )


class ShopDateInput(forms.DateInput):
    """`type=date` with an ISO value in English; a text input with the Jalali date in
    Persian digits in Persian (decided when drawn, in the request's language)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"class": "input", "data-date": "", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str):  # typed (bound data) or an ISO initial
            try:
                value = shop_date_parse(value)
            except ValueError:
                return value or None  # shown back as typed, next to its error
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return shop_date_text(value)
        return None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        if _persian():
            widget["type"] = "text"
            widget["attrs"] = {
                "inputmode": "numeric",
                "dir": "ltr",
                "autocomplete": "off",
                "placeholder": _placeholder(),
                **widget["attrs"],
            }
        else:
            widget["type"] = "date"
        return context


class ShopDateField(forms.DateField):
    """A date typed in the shop's calendar (module docstring), cleaned to a Gregorian
    `datetime.date`."""

    widget = ShopDateInput
    default_error_messages = {
        "invalid": _("Enter a valid date, e.g. %(example)s."),
        "jalali": _("%(value)s is not a day of the Jalali calendar."),
        "gregorian": _("%(value)s is not a day of the Gregorian calendar."),
    }

    def to_python(self, value: Any) -> datetime.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        try:
            return shop_date_parse(text)
        except DateMissing as exc:
            code = "jalali" if exc.jalali else "gregorian"
            raise forms.ValidationError(
                self.error_messages[code], code=code, params={"value": text}
            ) from None
        except DateTypo:
            raise forms.ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"example": shop_date_text(timezone.localdate())},
            ) from None


class PeriodForm(forms.Form):
    """`?start=&end=` of a report page whose period has defaults: a date left empty or
    refused takes its default (the refusal is shown), a reversed period is turned round."""

    start = ShopDateField(label=_("From"), required=False)
    end = ShopDateField(label=_("To"), required=False)

    def period(
        self, *, start: datetime.date, end: datetime.date
    ) -> tuple[datetime.date, datetime.date]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})  # an unbound form has none
        first, last = data.get("start") or start, data.get("end") or end
        return (first, last) if first <= last else (last, first)

    def shown(self, start: datetime.date, end: datetime.date) -> PeriodForm:
        """The form to draw: this one with what was typed when a date was refused, else
        the period in use."""
        if self.errors:
            return self
        return PeriodForm(
            initial={"start": start, "end": end}, auto_id=self.auto_id, prefix=self.prefix
        )
