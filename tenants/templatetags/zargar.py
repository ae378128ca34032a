"""Template filters for Persian-speaking shops: Jalali dates and Persian digits.

Loaded as a builtin, so every template can use them without {% load %}:
    {{ sale.created_at|jdate }}          -> ۱۴۰۵/۰۹/۰۱ in Persian, 2026-11-22 in English
    {{ sale.created_at|jdate:"%d %B %Y" }}
    {{ item.net_weight|digits }}         -> ۱۲٫۳۴۵ in Persian
"""

import datetime
from decimal import Decimal

import jdatetime
from django import template
from django.utils import timezone, translation

register = template.Library()

_FA_DIGITS = str.maketrans("0123456789.,", "۰۱۲۳۴۵۶۷۸۹٫٬")
_FA_DIGITS_ONLY = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _persian() -> bool:
    return (translation.get_language() or "").startswith("fa")


def to_persian_digits(value: object, *, separators: bool = True) -> str:
    text = str(value)
    return text.translate(_FA_DIGITS if separators else _FA_DIGITS_ONLY)


@register.filter
def digits(value: object) -> str:
    """Show numbers in the active language's digits (Persian digits for fa)."""
    if value is None or value == "":
        return ""
    if not _persian():
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return to_persian_digits(value)
    return to_persian_digits(value, separators=False)


@register.filter
def jdate(value: datetime.date | datetime.datetime | None, fmt: str = "") -> str:
    """A date in the shop's calendar: Jalali with Persian digits for fa, ISO-like otherwise."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        default = "%Y/%m/%d %H:%M"
    else:
        default = "%Y/%m/%d"
    fmt = fmt or default
    if not _persian():
        return value.strftime(fmt.replace("/", "-"))
    if isinstance(value, datetime.datetime):
        converted = jdatetime.datetime.fromgregorian(datetime=value, locale="fa_IR")
    else:
        converted = jdatetime.date.fromgregorian(date=value, locale="fa_IR")
    return to_persian_digits(converted.strftime(fmt), separators=False)


@register.simple_tag
def today() -> datetime.date:
    """Today's date in the shop's time zone: {% today as today_date %}{{ today_date|jdate }}."""
    return timezone.localdate()
