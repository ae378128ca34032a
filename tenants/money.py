"""Money and weights as people read them: the currency's minor units, thousands
grouping, Persian digits and separators in Persian, a currency label.

One place for templates (the `money`, `money_plain`, `grams` filters in
templatetags/zargar.py), PDFs and e-mails, so that a receipt, a statement and a
page show the same figure. Locale data (minor units from CLDR/ISO 4217, grouping,
the separators ٬ and ٫, currency symbols) comes from Babel; Babel leaves the
digits Latin, so Persian digits are put in here.

    money_text(Decimal("1234567"), "IRR")     fa: ۱٬۲۳۴٬۵۶۷ ریال     en: IRR 1,234,567
    money_text(Decimal("-1234.5"), "USD")     fa: ‎-۱٬۲۳۴٫۵۰ $       en: -$1,234.50
    grams_text(Decimal("12.3456"))            fa: ۱۲٫۳۴۶             en: 12.346
    rate_text(Decimal("4500000.5000"))        fa: ۴٬۵۰۰٬۰۰۰٫۵        en: 4,500,000.5

Money is stored with 2 decimals (MONEY fields), so a currency is never given more
than 2 places here or in pricing (inventory.pricing.minor_unit_places uses
currency_places), and displayed = stored.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, get_currency_precision, get_currency_symbol
from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

STORED_PLACES = 2
# Not in ISO 4217 but used by Iranian shops: the toman (10 rials), whole numbers only.
_EXTRA_PLACES = {"IRT": 0}
_EXTRA_LABELS = {("IRT", "fa"): "تومان", ("IRT", "en"): "Toman"}
_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
LRM = "\u200e"
NBSP = "\u00a0"


def currency_places(currency: str) -> int:
    """Decimals of an amount in `currency`: its minor unit (IRR 0, JPY 0, USD 2),
    never more than money is stored with."""
    code = (currency or "").upper()
    if code in _EXTRA_PLACES:
        return _EXTRA_PLACES[code]
    return min(get_currency_precision(code), STORED_PLACES)


def _language(lang: str | None) -> str:
    return (lang or translation.get_language() or settings.LANGUAGE_CODE or "en").lower()


@lru_cache(maxsize=16)
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _persian(lang: str) -> bool:
    return lang.startswith("fa")


def currency_label(currency: str, lang: str | None = None) -> str:
    """What a shop calls the currency: ریال / $ in Persian, IRR / $ in English."""
    lang = _language(lang)
    code = (currency or "").upper()
    extra = _EXTRA_LABELS.get((code, "fa" if _persian(lang) else "en"))
    if extra:
        return extra
    return get_currency_symbol(code, locale=_locale(lang))


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def number_text(value: Decimal, places: int, lang: str | None = None) -> str:
    """`value` rounded half-up to `places` decimals, grouped by thousands, in the
    language's digits and separators (the sign, if any, first)."""
    lang = _language(lang)
    exponent = Decimal(1).scaleb(-places)
    value = value.quantize(exponent, rounding=ROUND_HALF_UP)
    if value == 0:
        value = abs(value)  # no "-0"
    pattern = "#,##0" + ("." + "0" * places if places else "")
    if _persian(lang):
        text = format_decimal(value, format=pattern, locale=_locale(lang),
                              numbering_system="arabext").translate(_FA_DIGITS)
        # A left-to-right mark keeps the minus sign on the number's left in RTL text.
        return LRM + text if value < 0 else text
    return format_decimal(value, format=pattern, locale=_locale(lang))


def money_text(value: object, currency: str | None = None, *, label: bool = True,
               lang: str | None = None) -> str:
    """An amount of money for people: "" for None/"", the value unchanged when it is
    not a number; else see the module docstring. `currency` defaults to the current
    shop's (tenants.context), then settings.DEFAULT_CURRENCY or USD."""
    if value is None or value == "":
        return ""
    number = _decimal(value)
    if number is None:
        return str(value)
    currency = (currency or shop_currency()).upper()
    lang = _language(lang)
    text = number_text(number, currency_places(currency), lang)
    if not label:
        return text
    symbol = currency_label(currency, lang)
    if _persian(lang):
        return f"{text}{NBSP}{symbol}"
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    space = NBSP if symbol[-1:].isalpha() else ""
    return f"{sign}{symbol}{space}{digits}"


def grams_text(value: object, lang: str | None = None, places: int = 3) -> str:
    """A weight in grams with its 3 decimals, grouped, in the language's digits."""
    if value is None or value == "":
        return ""
    number = _decimal(value)
    if number is None:
        return str(value)
    return number_text(number, places, lang)


def rate_text(value: object, lang: str | None = None, max_places: int = 4) -> str:
    """A price per gram (stored with 4 decimals): grouped, without trailing zeros."""
    if value is None or value == "":
        return ""
    number = _decimal(value)
    if number is None:
        return str(value)
    number = number.quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP).normalize()
    return number_text(number, max(0, -number.as_tuple().exponent), lang)


def money_number_format(currency: str | None = None) -> str:
    """A spreadsheet number format for money cells (the cells stay numbers):
    "#,##0" for IRR, "#,##0.00" for USD."""
    places = currency_places(currency or shop_currency())
    return "#,##0" + ("." + "0" * places if places else "")


def money_step(currency: str | None = None) -> str:
    """The step of a money input: "1" for IRR, "0.01" for USD."""
    places = currency_places(currency or shop_currency())
    return "1" if places == 0 else str(Decimal(1).scaleb(-places))


def shop_currency() -> str:
    from .context import current_tenant

    tenant = current_tenant()
    if tenant is not None and getattr(tenant, "currency", ""):
        return tenant.currency
    return getattr(settings, "DEFAULT_CURRENCY", "USD")


# --- inputs ----------------------------------------------------------------------


# Digits typed on a Persian or Arabic keyboard, and their separators, as ASCII.
_TYPED = str.maketrans({**{chr(0x06F0 + i): str(i) for i in range(10)},
                        **{chr(0x0660 + i): str(i) for i in range(10)},
                        "\u066b": ".", "\u066c": "", ",": "", "\u060c": "", " ": "",
                        "\u00a0": "", "\u200c": ""})


def typed_number(value: Any) -> Any:
    """A typed number as Decimal() reads it: Persian/Arabic digits and decimal sign
    (٫) made ASCII, grouping (, ٬ and spaces) dropped. Anything else is left as is."""
    return value.translate(_TYPED) if isinstance(value, str) else value


class DecimalInput(forms.TextInput):
    """A text input for a number (inputmode "decimal": a phone shows its number pad;
    pass inputmode "numeric" for whole numbers).
    Not type="number": browsers drop digits typed on a Persian keyboard (۰-۹) from
    those, and a scroll wheel changes them. Left to right on RTL pages."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"class": "input", "inputmode": "decimal", "dir": "ltr",
                          "autocomplete": "off", **(attrs or {})})


class LocalDecimalField(forms.DecimalField):
    """A DecimalField that reads what a Persian keyboard types (typed_number)."""

    widget = DecimalInput

    def to_python(self, value: Any) -> Decimal | None:
        return super().to_python(typed_number(value))


class MoneyInput(DecimalInput):
    """An amount (DecimalInput); a whole amount in a currency without decimals shows
    without ".00" (decided when drawn, inside the request's tenant scope)."""

    def format_value(self, value: Any) -> str | None:
        number = _decimal(value) if value not in (None, "") else None
        if number is not None and currency_places(shop_currency()) == 0 \
                and number == number.to_integral_value():
            return str(number.quantize(Decimal(1)))
        return super().format_value(value)


class MoneyField(LocalDecimalField):
    """A DecimalField for money: stored with 2 decimals, refused with a clear message
    when it has more decimals than the shop's currency (1000.50 in a Rial shop)."""

    widget = MoneyInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", STORED_PLACES)
        super().__init__(**kwargs)

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        currency = shop_currency()
        places = currency_places(currency)
        if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):
            raise forms.ValidationError(
                _("Amounts in %(currency)s have at most %(n)s decimals.")
                % {"currency": currency, "n": places}, code="money_places")
