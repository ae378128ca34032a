"""Template filters for Persian-speaking shops: Jalali dates and Persian digits.

Loaded as a builtin, so every template can use them without {% load %}:
    {{ sale.created_at|jdate }}          -> ۱۴۰۵/۰۹/۰۱ in Persian, 2026-11-22 in English
    {{ sale.created_at|jdate:"%d %B %Y" }}
    {{ item.net_weight|digits }}         -> ۱۲٫۳۴۵ in Persian (counts, percentages)
    {{ sale.total|money }}               -> ۱٬۲۳۴٬۵۶۷ ریال / IRR 1,234,567 (the shop's currency)
    {{ sale.total|money:sale.currency }} -> the same in an explicit currency
    {{ line.total|money_plain }}         -> ۱٬۲۳۴٬۵۶۷ (no label: a column headed by the currency)
    {{ item.net_weight|grams }}          -> ۱۲٫۳۴۵ (3 decimals, grouped)
    {{ entry.sell_rate|rate }}           -> ۴٬۵۰۰٬۰۰۰ (a rate per gram: up to 4 decimals)
    {% money_step %}                     -> "1" for IRR, "0.01" for USD (step of money inputs)
    {% currency_label %}                 -> ریال / IRR (the shop's, or {% currency_label code %})
Money and grams are formatted by tenants.money (Babel's locale data).
"""

import datetime
import functools
from decimal import Decimal

import jdatetime
from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from tenants import money as _money

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
def money(value: object, currency: str = "") -> str:
    """An amount with its currency label, in the currency's minor units."""
    return _money.money_text(value, currency or None)


@register.filter
def money_plain(value: object, currency: str = "") -> str:
    """An amount in the currency's minor units, without the label."""
    return _money.money_text(value, currency or None, label=False)


@register.filter
def grams(value: object) -> str:
    """A weight in grams with 3 decimals."""
    return _money.grams_text(value)


@register.filter
def rate(value: object) -> str:
    """A rate per gram: grouped, up to 4 decimals, no trailing zeros."""
    return _money.rate_text(value)


@register.simple_tag
def money_step(currency: str = "") -> str:
    """The step attribute of a money input in the shop's (or `currency`'s) minor unit."""
    return _money.money_step(currency or None)


@register.simple_tag
def money_places(currency: str = "") -> int:
    """Decimals of the shop's (or `currency`'s) money: 0 for IRR, 2 for USD."""
    return _money.currency_places(currency or _money.shop_currency())


@register.simple_tag
def currency_label(currency: str = "") -> str:
    """The shop's currency as people write it: ریال, $, IRR."""
    return _money.currency_label(currency or _money.shop_currency())


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


@register.simple_tag
def icon(name: str, icon_class: str = "") -> SafeString:
    """The outline icon `name` (partials/icon_svg.html) with CSS classes `icon_class`.

    Drawn once per (name, classes) and kept: the menu alone shows about 25 icons a
    page, and the SVG template picks a path through a long if/elif chain. (In
    development a change to icon_svg.html shows after a restart.)"""
    return _icon_svg(str(name or ""), str(icon_class or "size-5"))


@functools.lru_cache(maxsize=1024)
def _icon_svg(name: str, icon_class: str) -> SafeString:
    return mark_safe(render_to_string("partials/icon_svg.html",  # noqa: S308 - our template
                                      {"name": name, "icon_class": icon_class}))


_NAV_DRAWN: dict[tuple, SafeString] = {}
_NAV_KEPT = 512


@register.simple_tag(takes_context=True)
def nav_menu(context: template.Context, horizontal: bool = False) -> SafeString:
    """The menu (partials/nav.html), drawn once per process for what it shows: the
    entries the user may see, the language, the layout, the page marked current and
    the script prefix. The sidebar and the phone's menu panel show the same one."""
    request = context.get("request")
    groups = context.get("nav_groups") or ()
    match = getattr(request, "resolver_match", None)
    key = (tuple(id(entry) for group in groups for entry in group["entries"]),
           translation.get_language(), bool(horizontal),
           match.view_name if match is not None else None, get_script_prefix())
    drawn = _NAV_DRAWN.get(key)
    if drawn is None:
        nav = context.template.engine.get_template("partials/nav.html")
        with context.push(horizontal=bool(horizontal)):
            drawn = mark_safe(nav.render(context))  # noqa: S308 - our template
        if len(_NAV_DRAWN) < _NAV_KEPT:
            _NAV_DRAWN[key] = drawn
    return drawn
