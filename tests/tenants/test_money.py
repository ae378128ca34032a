"""tenants.money and its template filters: money in the currency's minor units,
grouped, in Persian digits and separators for Persian, with the shop's label."""

from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from inventory import pricing
from tenants.context import tenant_context
from tenants.money import (
    MoneyField,
    currency_label,
    currency_places,
    grams_text,
    money_step,
    money_text,
    rate_text,
)

D = Decimal
LRM, NBSP = "\u200e", "\u00a0"


@pytest.mark.parametrize(("value", "currency", "lang", "expected"), [
    (D("1234567"), "IRR", "fa", f"۱٬۲۳۴٬۵۶۷{NBSP}ریال"),
    (D("1234567"), "IRR", "en", f"IRR{NBSP}1,234,567"),
    (D("1234.5"), "USD", "en", "$1,234.50"),
    (D("1234.5"), "USD", "fa", f"۱٬۲۳۴٫۵۰{NBSP}$"),
    (D("-1234.5"), "USD", "en", "-$1,234.50"),
    (D("-1234.5"), "USD", "fa", f"{LRM}-۱٬۲۳۴٫۵۰{NBSP}$"),
    (D("-98765"), "IRR", "fa", f"{LRM}-۹۸٬۷۶۵{NBSP}ریال"),
    (D("-98765"), "IRR", "en", f"-IRR{NBSP}98,765"),
    (D("0"), "IRR", "fa", f"۰{NBSP}ریال"),
    (D("-0.00"), "USD", "en", "$0.00"),  # no "-0"
    (D("123456789012.34"), "USD", "en", "$123,456,789,012.34"),
    (D("123456789012"), "IRR", "fa", f"۱۲۳٬۴۵۶٬۷۸۹٬۰۱۲{NBSP}ریال"),
    (D("1500"), "IRT", "fa", f"۱٬۵۰۰{NBSP}تومان"),
    (D("1500"), "JPY", "en", "¥1,500"),
    (1234, "USD", "en", "$1,234.00"),
    ("300.00", "USD", "en", "$300.00"),  # amounts kept as text (the cart's old gold)
])
def test_money_text(value, currency, lang, expected) -> None:
    assert money_text(value, currency, lang=lang) == expected


def test_money_without_label_and_odd_values() -> None:
    assert money_text(D("1234567"), "IRR", label=False, lang="fa") == "۱٬۲۳۴٬۵۶۷"
    assert money_text(D("1234.5"), "USD", label=False, lang="en") == "1,234.50"
    assert money_text(None, "USD", lang="en") == ""
    assert money_text("", "USD", lang="en") == ""
    assert money_text("n/a", "USD", lang="en") == "n/a"
    assert money_text(D("NaN"), "USD", lang="en") == "NaN"


def test_display_rounds_half_up_to_the_minor_unit() -> None:
    assert money_text(D("1234.5"), "IRR", lang="en") == f"IRR{NBSP}1,235"
    assert money_text(D("0.125"), "USD", lang="en") == "$0.13"


def test_minor_units_come_from_cldr_and_pricing_uses_them() -> None:
    assert [currency_places(c) for c in ("IRR", "IRT", "JPY", "KRW", "USD", "EUR")] == \
        [0, 0, 0, 0, 2, 2]
    assert currency_places("KWD") == 2  # 3 in ISO 4217, but money is stored with 2
    assert pricing.minor_unit_places("irr") == 0
    assert pricing.money_round(D("12345.5"), "VND") == D("12346")
    assert (money_step("IRR"), money_step("USD")) == ("1", "0.01")


def test_labels_grams_and_rates() -> None:
    assert (currency_label("IRR", "fa"), currency_label("IRR", "en")) == ("ریال", "IRR")
    assert (currency_label("USD", "fa"), currency_label("USD", "en")) == ("$", "$")
    assert grams_text(D("1234.5"), "fa") == "۱٬۲۳۴٫۵۰۰"
    assert grams_text(D("12.3456"), "en") == "12.346"
    assert grams_text(None) == ""
    assert rate_text(D("4500000.0000"), "fa") == "۴٬۵۰۰٬۰۰۰"
    assert rate_text(D("65.5000"), "en") == "65.5"


def _render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.django_db
def test_filters_use_the_current_shop_currency(shop_a) -> None:
    tenant = shop_a.tenant
    tenant.currency = "IRR"
    source = "{{ a|money }}|{{ a|money_plain }}|{{ b|money:'USD' }}|{{ w|grams }}|" \
             "{% money_step %}|{% currency_label %}|{{ n|digits }}"
    values = {"a": D("1234567.00"), "b": D("5"), "w": D("2.5"), "n": 12}
    with tenant_context(tenant):
        with translation.override("fa"):
            assert _render(source, **values) == \
                f"۱٬۲۳۴٬۵۶۷{NBSP}ریال|۱٬۲۳۴٬۵۶۷|۵٫۰۰{NBSP}$|۲٫۵۰۰|1|ریال|۱۲"
        with translation.override("en"):
            assert _render(source, **values) == \
                f"IRR{NBSP}1,234,567|1,234,567|$5.00|2.500|1|IRR|12"
    # Outside a shop (platform pages): the default currency, USD.
    with translation.override("en"):
        assert _render("{{ a|money }}", a=D("12.5")) == "$12.50"


class _Form(forms.Form):
    amount = MoneyField(required=False)


@pytest.mark.django_db
def test_money_input_takes_a_persian_keyboard_and_refuses_fractions(shop_a) -> None:
    """A text input (a number input drops ۰-۹ typed on a Persian keyboard): Persian and
    Arabic digits, the Persian decimal sign and grouping are read; a whole amount in a
    currency without decimals is drawn without ".00"."""
    tenant = shop_a.tenant
    with tenant_context(tenant):
        html = str(_Form(initial={"amount": D("1000.00")})["amount"])
        assert 'type="text"' in html and 'inputmode="decimal"' in html
        assert 'dir="ltr"' in html and 'value="1000.00"' in html
        assert _Form({"amount": "10.25"}).is_valid()
        for typed, value in (("۱۰٫۲۵", D("10.25")), ("١٢٣٤", D("1234")),
                             ("۲٬۰۰۰٫۵۰", D("2000.50")), ("1,234.50", D("1234.50"))):
            form = _Form({"amount": typed})
            assert form.is_valid(), (typed, form.errors)
            assert form.cleaned_data["amount"] == value
        assert not _Form({"amount": "۱۰x"}).is_valid()
        tenant.currency = "IRR"
        html = str(_Form(initial={"amount": D("1000.00")})["amount"])
        assert 'value="1000"' in html
        form = _Form({"amount": "1000.5"})
        assert not form.is_valid()
        assert form.errors["amount"] == ["Amounts in IRR are whole numbers, without decimals."]
        assert _Form({"amount": "1000"}).is_valid()
