"""tenants.dates: a date typed in the shop's calendar (Jalali in Persian, ISO in English),
cleaned to a Gregorian date; its input drawn in the active language."""

import datetime

import jdatetime
import pytest
from django import forms
from django.utils import translation

from tenants.dates import PeriodForm, ShopDateField, shop_date_parse, shop_date_text


class DayForm(forms.Form):
    day = ShopDateField(label="Day", required=False)


def _clean(value: str, lang: str = "fa") -> forms.Form:
    with translation.override(lang):
        form = DayForm({"day": value})
        form.is_valid()
        return form


@pytest.mark.parametrize("lang", ["fa", "en"])
@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("۱۴۰۵/۰۹/۱۶", datetime.date(2026, 12, 7)),  # Persian digits
        ("1405/09/16", datetime.date(2026, 12, 7)),  # Latin digits
        ("١٤٠٥/٠٩/١٦", datetime.date(2026, 12, 7)),  # Arabic-Indic digits
        ("1405-9-16", datetime.date(2026, 12, 7)),  # - and no leading zero
        (" ۱۴۰۵-۰۱-۰۱ ", datetime.date(2026, 3, 21)),  # 1 Farvardin
        ("14050916", datetime.date(2026, 12, 7)),  # a phone's number pad
        ("2026-12-01", datetime.date(2026, 12, 1)),  # ISO: links and bookmarks
        ("۲۰۲۶-۱۲-۰۱", datetime.date(2026, 12, 1)),
        ("2026/12/01", datetime.date(2026, 12, 1)),
        ("1700-01-01", datetime.date(1700, 1, 1)),  # from 1700 on, Gregorian
        ("1699/12/29", jdatetime.date(1699, 12, 29).togregorian()),  # before, Jalali
    ],
)
def test_jalali_and_iso_dates_are_read_in_both_languages(lang, typed, day) -> None:
    form = _clean(typed, lang)
    assert form.errors == {}
    assert form.cleaned_data["day"] == day
    assert type(form.cleaned_data["day"]) is datetime.date  # not a jdatetime.date


def test_the_leap_day_of_a_jalali_leap_year_only() -> None:
    assert jdatetime.date(1403, 1, 1).isleap() and not jdatetime.date(1404, 1, 1).isleap()
    assert _clean("1403/12/30").cleaned_data["day"] == datetime.date(2025, 3, 20)
    form = _clean("1404/12/30")
    assert form.errors["day"] == ["1404/12/30 is not a day of the Jalali calendar."]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1405/13/01", "1405/13/01 is not a day of the Jalali calendar."),
        ("1405/07/31", "1405/07/31 is not a day of the Jalali calendar."),  # Mehr has 30
        ("۱۴۰۵/۰۰/۱۰", "۱۴۰۵/۰۰/۱۰ is not a day of the Jalali calendar."),
        ("2026-02-29", "2026-02-29 is not a day of the Gregorian calendar."),
        ("2026-13-01", "2026-13-01 is not a day of the Gregorian calendar."),
        ("yesterday", "Enter a valid date, e.g."),
        ("05/09/16", "Enter a valid date, e.g."),  # a two-digit year says nothing
        ("1405/09/16/1", "Enter a valid date, e.g."),
        ("1405/09-16", "Enter a valid date, e.g."),
        ("12/01/2026", "Enter a valid date, e.g."),
    ],
)
def test_impossible_or_unreadable_dates_are_refused_with_a_message(typed, message) -> None:
    with translation.override("en"):
        form = _clean(typed, "en")
    assert "day" not in form.cleaned_data
    assert form.errors["day"][0].startswith(message)


def test_the_messages_are_translated() -> None:
    with translation.override("fa"):
        form = DayForm({"day": "1404/12/30"})
        assert not form.is_valid()
        message = form.errors["day"][0]
        assert "1404/12/30" in message and "not a day" not in message
        form = DayForm({"day": "nonsense"})
        assert not form.is_valid()
        assert "Enter" not in form.errors["day"][0]


def test_in_persian_the_input_is_text_with_the_jalali_date_in_persian_digits() -> None:
    with translation.override("fa"):
        html = str(DayForm(initial={"day": datetime.date(2026, 12, 7)})["day"])
        assert 'type="text"' in html and 'value="۱۴۰۵/۰۹/۱۶"' in html
        assert 'inputmode="numeric"' in html and 'dir="ltr"' in html
        assert 'placeholder="' in html and "data-date" in html
        # What was typed in Latin digits or ISO comes back in the shop's calendar...
        assert 'value="۱۴۰۵/۰۹/۱۶"' in str(DayForm({"day": "2026-12-07"})["day"])
        assert 'value="۱۴۰۵/۰۹/۱۶"' in str(DayForm({"day": "1405/9/16"})["day"])
        # ...and a refused one as it was typed, next to its message.
        assert 'value="1405/13/01"' in str(DayForm({"day": "1405/13/01"})["day"])


def test_in_english_the_input_is_the_browsers_date_picker_with_iso() -> None:
    with translation.override("en"):
        html = str(DayForm(initial={"day": datetime.date(2026, 12, 7)})["day"])
        assert 'type="date"' in html and 'value="2026-12-07"' in html
        assert "placeholder" not in html and "inputmode" not in html
        assert 'value="2026-12-07"' in str(DayForm({"day": "1405/09/16"})["day"])


def test_shop_date_text_and_parse_go_round() -> None:
    day = datetime.date(2025, 3, 20)
    assert shop_date_text(day, persian=True) == "۱۴۰۳/۱۲/۳۰"
    assert shop_date_text(day, persian=False) == "2025-03-20"
    assert shop_date_parse(shop_date_text(day, persian=True)) == day


def test_a_period_takes_its_defaults_for_empty_or_refused_dates_and_turns_round() -> None:
    first, last = datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)
    with translation.override("fa"):
        form = PeriodForm({"start": "1405/13/01", "end": ""})
        assert form.period(start=first, end=last) == (first, last)
        assert form.errors and form.shown(first, last) is form
        form = PeriodForm({"start": "1404/10/20", "end": "2026-01-05"})
        start, end = form.period(start=first, end=last)
        assert (start, end) == (datetime.date(2026, 1, 5), datetime.date(2026, 1, 10))
        assert 'value="۱۴۰۴/۱۰/۱۵"' in str(form.shown(start, end)["start"])
