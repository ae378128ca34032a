"""Numbers typed into money, weight, rate and count fields: an exponent (1e5, 1e99),
NaN or Infinity is refused with a translated message and changes nothing (never a
500); Persian/Arabic digits and grouping are read; messages name the currency as the
shop shows it, with the language's digits."""

import re
from decimal import Decimal

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import translation

from inventory.models import RateBoard
from pos.models import Cart, Sale, Shift
from tenants import services as tenants_services
from tenants.context import tenant_context
from tenants.money import LocalDecimalField, LocalIntegerField, MoneyField, places_message
from tenants.services import user_set_preferences
from tests.factories import shop
from tests.pos.conftest import lot

D = Decimal
pytestmark = pytest.mark.django_db

AMOUNT = "Enter an amount like 1250.50, without letters or an exponent."
NUMBER = "Enter a number like 12.5, without letters or an exponent."
REFUSED = ["1e99", "9e40", "1e5", "NaN", "Infinity"]
# typed -> read as
ACCEPTED = {"-0": D("0"), "١٢٣": D("123"), "1,000.50": D("1000.50")}
PIN = "2468"


def _register(s, price: str = "5000.00") -> tuple[Client, Shift]:
    """The manager at the register with one piece in the cart."""
    tenants_services.user_pin_set(user=s.manager, pin=PIN)
    c = Client()
    c.force_login(s.manager)
    assert (
        c.post(
            reverse("pos:shift-open"), {"terminal": s.terminal.pk, "opening_float": "100.00"}
        ).status_code
        == 302
    )
    piece = lot(s, 3, price_mode="fixed", fixed_price=D(price))
    assert (
        c.post(reverse("pos:scan"), {"code": piece.sku}, HTTP_HX_REQUEST="true").status_code == 200
    )
    with tenant_context(s.tenant):
        shift = Shift.objects.get(terminal=s.terminal, closed_at__isnull=True)
    return c, shift


def _post(c: Client, endpoint: str, value: str):
    if endpoint == "close":
        return c.post(reverse("pos:shift-close"), {"counted_cash": value})
    if endpoint == "discount":
        return c.post(
            reverse("pos:discount"),
            {"target": "cart", "amount": value, "manager_pin": PIN},
            HTTP_HX_REQUEST="true",
        )
    if endpoint in ("cash", "card"):
        # The other tender pays what this one leaves (all of it for a refused entry).
        page = c.get(reverse("pos:register")).content.decode()
        total = D(re.search(r'data-total="([0-9.]+)"', page).group(1))
        key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)
        typed = ACCEPTED.get(value, D(0))
        other = "card" if endpoint == "cash" else "cash"
        return c.post(
            reverse("pos:complete"),
            {"idempotency_key": key, endpoint: value, other: str(total - typed)},
        )
    if endpoint == "rate":
        return c.post(
            reverse("inventory:rate-set"),
            {"code": "gold18", "mode": "manual", "buy_rate": value, "sell_rate": "2000"},
        )
    raise AssertionError(endpoint)


def _state(s) -> tuple:
    """What a refused entry must leave as it was."""
    with tenant_context(s.tenant):
        cart = Cart.objects.filter(terminal=s.terminal, status="active").first()
        return (
            Shift.objects.filter(closed_at__isnull=True).count(),
            Sale.objects.count(),
            cart.cart_discount if cart else None,
            list(RateBoard.objects.values_list("code", "buy_rate", "sell_rate")),
        )


ENDPOINTS = ["close", "discount", "cash", "card", "rate"]


@pytest.mark.parametrize("value", REFUSED)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_exponent_nan_or_infinity_is_a_message_and_changes_nothing(
    shop_a, endpoint, value
) -> None:
    c, _shift = _register(shop_a)
    before = _state(shop_a)
    response = _post(c, endpoint, value)
    html = response.content.decode()
    assert response.status_code == 422, html[:2000]
    assert (NUMBER if endpoint == "rate" else AMOUNT) in html
    assert _state(shop_a) == before


@pytest.mark.parametrize("typed", list(ACCEPTED))
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_persian_digits_grouping_and_minus_zero_are_read(shop_a, endpoint, typed) -> None:
    c, shift = _register(shop_a)
    value = ACCEPTED[typed]
    response = _post(c, endpoint, typed)
    assert response.status_code in (200, 302, 422), response.status_code
    with tenant_context(shop_a.tenant):
        if endpoint == "close":
            shift.refresh_from_db()
            assert response.status_code == 302 and shift.counted_cash == value
            assert str(shift.counted_cash) != "-0.00"
        elif endpoint == "discount":
            cart = Cart.objects.get(terminal=shop_a.terminal, status="active")
            assert response.status_code == 200 and cart.cart_discount == value
        elif endpoint in ("cash", "card"):
            assert response.status_code == 302
            sale_id = re.search(r"/sales/([0-9a-f-]{36})/", response["Location"]).group(1)
            sale = Sale.objects.get(pk=sale_id)
            paid = sum(p.amount for p in sale.payments.all() if p.method == endpoint)
            assert paid == value
        else:
            assert response.status_code == 302
            assert RateBoard.objects.get(code="gold18").buy_rate == value


def _errors(html: str) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', html)


def test_messages_in_persian_name_the_currency_with_persian_digits() -> None:
    rial = shop("Zarin", currency="IRR")
    user_set_preferences(user=rial.manager, language="fa")
    c, _shift = _register(rial, price="50000000")
    response = _post(c, "discount", "1000.5")
    assert response.status_code == 422
    assert _errors(response.content.decode()) == ["مبالغ به ریال عدد صحیح و بدون اعشار هستند."]
    assert _errors(_post(c, "discount", "-۵").content.decode()) == [
        "مطمئن شوید این مقدار بزرگتر و یا مساوی ۰ است."
    ]
    assert _errors(_post(c, "discount", "1" * 40).content.decode()) == [
        "این عدد بیش از حد بزرگ است: حداکثر ۱۲ رقم پیش از ممیز."
    ]
    with translation.override("fa"):
        assert places_message("USD") == "مبالغ به $ حداکثر ۲ رقم اعشار دارند."


class _Fields(forms.Form):
    amount = MoneyField(required=False, min_value=D("0"))
    weight = LocalDecimalField(
        required=False, max_digits=10, decimal_places=3, min_value=D("0.001")
    )
    count = LocalIntegerField(required=False, min_value=1)


@pytest.mark.parametrize("typed", [*REFUSED, "-inf", "1E+2", "0x10", "1.2.3", "--1", "9" * 5000])
def test_every_number_field_refuses_what_is_not_a_plain_number(shop_a, typed) -> None:
    with tenant_context(shop_a.tenant):
        form = _Fields({"amount": typed, "weight": typed, "count": typed})
        assert not form.is_valid()
        assert set(form.errors) == {"amount", "weight", "count"}


def test_limits_and_decimals_are_checked_without_arithmetic(shop_a) -> None:
    with tenant_context(shop_a.tenant):
        form = _Fields({"amount": "1" * 13, "weight": "12.3450", "count": "9" * 30})
        assert not form.is_valid()
        assert form.errors["amount"] == [
            "This number is too large: at most 12 digits before the decimal point."
        ]
        assert "weight" not in form.errors and form.cleaned_data["weight"] == D("12.345")
        assert form.errors["count"] == ["Ensure this value is less than or equal to 2147483647."]
        form = _Fields({"amount": "12.345", "weight": "1.2345", "count": "۱۲"})
        assert not form.is_valid() and form.cleaned_data["count"] == 12
        assert form.errors["amount"] == ["Amounts in $ have at most 2 decimals."]
        assert form.errors["weight"] == ["Enter at most 3 decimals."]
