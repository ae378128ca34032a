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

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, get_currency_precision, get_currency_symbol
from django import forms
from django.conf import settings
from django.core import validators as validators_module
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


def local_number(value: Decimal | int, lang: str | None = None) -> str:
    """A limit or a count as the language writes it (Persian digits in Persian), with
    the decimals it has and no grouping: 0 → ۰, 0.001 → ۰٫۰۰۱ in Persian."""
    number = Decimal(value).normalize() if not isinstance(value, int) else Decimal(value)
    places = max(0, -number.as_tuple().exponent)
    lang = _language(lang)
    text = f"{number:.{places}f}"
    if _persian(lang):
        text = text.replace(".", "\u066b").translate(_FA_DIGITS)
        return LRM + text if number < 0 else text
    return text


# A number as people type it once typed_number has made it ASCII: digits with at most
# one decimal point and a sign. No exponent (1e99), no NaN or Infinity.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_PLAIN_WHOLE = re.compile(r"[+-]?\d+(?:\.0*)?")
# Whole numbers without a max_value are kept inside a PostgreSQL integer.
INTEGER_LIMIT = 2_147_483_647


def _local_limits(validators: list) -> list:
    """The field's min/max validators, their limit written in the active language's
    digits when they refuse (Django's message shows 0 in Latin digits)."""
    swap = {validators_module.MinValueValidator: _LocalMin,
            validators_module.MaxValueValidator: _LocalMax}
    return [swap[type(v)](v.limit_value) if type(v) in swap else v for v in validators]


class _LocalLimit:
    def __call__(self, value: Any) -> None:
        try:
            super().__call__(value)  # type: ignore[misc]
        except ValidationError as exc:
            limit = local_number(self.limit_value)  # type: ignore[attr-defined]
            raise ValidationError(self.message, code=self.code,  # type: ignore[attr-defined]
                                  params={"limit_value": limit, "value": value}) from exc


class _LocalMin(_LocalLimit, validators_module.MinValueValidator):
    pass


class _LocalMax(_LocalLimit, validators_module.MaxValueValidator):
    pass


class LocalDecimalField(forms.DecimalField):
    """A DecimalField that reads what a Persian keyboard types (typed_number) and takes
    only plain numbers: an exponent (1e5, 1e99), NaN, Infinity or more whole digits
    than the field holds are refused before any arithmetic, with a message and never a
    500. Limits in its messages are written in the active language's digits."""

    widget = DecimalInput
    default_error_messages = {
        "invalid": gettext_lazy("Enter a number like 12.5, without letters or an exponent."),
        "too_large": gettext_lazy("This number is too large: at most %(n)s digits before the "
                           "decimal point."),
        "places": gettext_lazy("Enter at most %(n)s decimals."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = _local_limits(self.validators)

    def to_python(self, value: Any) -> Decimal | None:
        value = typed_number(value)
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            if isinstance(value, Decimal) and not value.is_finite():
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            text = f"{value:f}" if isinstance(value, Decimal) else str(value)
        else:
            text = str(value).strip()
        if not _PLAIN_NUMBER.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        whole, _point, fraction = text.lstrip("+-").partition(".")
        if self.max_digits is not None and self.decimal_places is not None:
            room = self.max_digits - self.decimal_places
            if len(whole.lstrip("0")) > room:
                raise ValidationError(self.error_messages["too_large"], code="too_large",
                                      params={"n": local_number(room)})
        self.check_places(len(fraction.rstrip("0")))
        number = Decimal(text)
        if self.decimal_places is not None and -number.as_tuple().exponent > self.decimal_places:
            number = number.quantize(Decimal(1).scaleb(-self.decimal_places))  # only 0s dropped
        return abs(number) if number == 0 else number  # no "-0"

    def check_places(self, decimals: int) -> None:
        """Refuse more decimals than the field keeps (zeros at the end do not count)."""
        if self.decimal_places is not None and decimals > self.decimal_places:
            raise ValidationError(self.error_messages["places"], code="places",
                                  params={"n": local_number(self.decimal_places)})


class LocalIntegerField(forms.IntegerField):
    """An IntegerField like LocalDecimalField: Persian/Arabic digits read, only plain
    whole numbers taken, limits in the language's digits. Without a max_value (min_value)
    it stays inside a PostgreSQL integer, so a long number is a message, not a 500."""

    default_error_messages = {
        "invalid": gettext_lazy("Enter a whole number like 12."),
    }

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("max_value") is None:
            kwargs["max_value"] = INTEGER_LIMIT
        if kwargs.get("min_value") is None:
            kwargs["min_value"] = -INTEGER_LIMIT
        super().__init__(**kwargs)
        self.validators = _local_limits(self.validators)

    def to_python(self, value: Any) -> int | None:
        value = typed_number(value)
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not _PLAIN_WHOLE.fullmatch(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        whole = text.partition(".")[0]
        if len(whole.lstrip("+-").lstrip("0")) > 18:  # past any limit: no need to read it
            whole = ("-" if whole.startswith("-") else "") + "9" * 19
        return int(whole)


def local_formfield(model_field: Any, **kwargs: Any) -> forms.Field | None:
    """A ModelForm's `formfield_callback` (also for fields_for_model): the model's
    decimal and integer fields become LocalDecimalField / LocalIntegerField, so a typed
    1e5 or a 30-digit number is a message there too."""
    from django.db import models

    if isinstance(model_field, models.DecimalField):
        kwargs.setdefault("form_class", LocalDecimalField)
    elif isinstance(model_field, models.IntegerField) and not model_field.primary_key:
        kwargs.setdefault("form_class", LocalIntegerField)
        # The column's range (a small integer's 32767) in the form too, for forms that
        # do not run the model's validation (fields_for_model in a plain Form).
        for validator in model_field.validators:
            if isinstance(validator, validators_module.MaxValueValidator):
                kwargs.setdefault("max_value", validator.limit_value)
            elif isinstance(validator, validators_module.MinValueValidator):
                kwargs.setdefault("min_value", validator.limit_value)
    return model_field.formfield(**kwargs)


class MoneyInput(DecimalInput):
    """An amount (DecimalInput); a whole amount in a currency without decimals shows
    without ".00" (decided when drawn, inside the request's tenant scope)."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str):  # as typed (a refused entry comes back unchanged)
            return value
        number = _decimal(value) if value not in (None, "") else None
        if number is not None and currency_places(shop_currency()) == 0 \
                and number == number.to_integral_value():
            return str(number.quantize(Decimal(1)))
        return super().format_value(value)


class MoneyField(LocalDecimalField):
    """A DecimalField for money: stored with 2 decimals, refused with a clear message
    when it has more decimals than the shop's currency (1000.50 in a Rial shop)."""

    widget = MoneyInput
    default_error_messages = {
        "invalid": gettext_lazy("Enter an amount like 1250.50, without letters or an exponent."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", STORED_PLACES)
        super().__init__(**kwargs)

    def check_places(self, decimals: int) -> None:
        currency = shop_currency()
        if decimals > currency_places(currency):
            raise ValidationError(places_message(currency), code="money_places")


def places_message(currency: str, lang: str | None = None) -> str:
    """Why an amount with too many decimals for `currency` is refused, naming the
    currency as the shop sees it (ریال) in the language's digits."""
    places = currency_places(currency)
    label = currency_label(currency, lang)
    if places == 0:
        return _("Amounts in %(currency)s are whole numbers, without decimals.") \
            % {"currency": label}
    return _("Amounts in %(currency)s have at most %(n)s decimals.") \
        % {"currency": label, "n": local_number(places, lang)}
