"""A loyalty programme starts with defaults its shop's currency can pay: a Rial shop's
owner saves the settings unchanged, points earn and pay whole Rials, a dollar shop keeps
a cent per point, and the migration fixes only rows whose programme never ran."""

import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.urls import reverse

from crm import selectors, services
from crm.models import LoyaltySettings, loyalty_defaults
from tenants import services as tenant_services
from tenants.context import tenant_context
from tenants.models import User
from tests.factories import plan_make

pytestmark = pytest.mark.django_db(databases=["default", "platform"])
D = Decimal
FIELDS = ("points_per_unit", "point_value", "expiry_months", "qualification_months",
          "referral_points_referrer", "referral_points_referee")


def _bare_shop(slug: str, currency: str) -> tuple:
    """A shop with no loyalty row and no points (shop() would give it crm_world's)."""
    tenant = tenant_services.tenant_create(name=slug, slug=slug, plan=plan_make(),
                                           owner_email=f"owner@{slug}.example",
                                           currency=currency)
    return tenant, User.objects.get(tenant=tenant, role=User.Role.OWNER)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form_values(html: str) -> dict[str, str]:
    values = {}
    for name in FIELDS:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        values[name] = re.search(r'value="([^"]*)"', tag).group(1)
    return values


def test_defaults_per_currency() -> None:
    assert loyalty_defaults("USD") == (D("1"), D("0.01"))
    assert loyalty_defaults("IRR") == (D("0.000001"), D("10000"))
    assert loyalty_defaults("IRT") == (D("0.00001"), D("1000"))
    assert loyalty_defaults("JPY") == (D("0.01"), D("1"))
    for currency in ("USD", "IRR", "IRT", "JPY", "EUR"):
        per_unit, value = loyalty_defaults(currency)
        assert per_unit * value == D("0.01")  # 1 % back everywhere


def test_rial_shop_saves_loyalty_settings_unchanged() -> None:
    tenant, owner = _bare_shop("rial-loyal", "IRR")
    client = _client(owner)
    page = client.get(reverse("crm:loyalty-settings"))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="point-value-unfit"' not in html
    values = _form_values(html)
    assert values["point_value"] == "10000" and values["points_per_unit"] == "0.000001"
    response = client.post(reverse("crm:loyalty-settings"), values)
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(tenant):
        row = LoyaltySettings.objects.get()
    assert (row.points_per_unit, row.point_value) == (D("0.000001"), D("10000"))


def test_dollar_shop_keeps_a_cent_per_point() -> None:
    tenant, owner = _bare_shop("usd-loyal", "USD")
    client = _client(owner)
    values = _form_values(client.get(reverse("crm:loyalty-settings")).content.decode())
    assert values["point_value"] == "0.0100" or D(values["point_value"]) == D("0.01")
    assert client.post(reverse("crm:loyalty-settings"), values).status_code == 302
    with tenant_context(tenant):
        row = LoyaltySettings.objects.get()
    assert (row.points_per_unit, row.point_value) == (D("1"), D("0.01"))


def test_rial_points_earn_and_pay_whole_rials() -> None:
    tenant, owner = _bare_shop("rial-points", "IRR")
    with tenant_context(tenant):
        customer = services.customer_create(tenant=tenant, actor=owner, last_name="Rahimi")
        # A heavy necklace: more Rials than a 32-bit points column could count one by one.
        line = services.points_accrue(tenant=tenant, actor=owner, customer=customer,
                                      amount=D("3250750000"))
        assert line.points == 3250
        quote = selectors.points_quote(customer=customer, amount=D("12345678"))
        assert (quote.points, quote.value) == (1234, D("12340000"))
        assert quote.value == quote.value.to_integral_value()
        value = services.points_redeem(tenant=tenant, actor=owner, customer=customer,
                                       points=25)
        assert value == D("250000") and value == value.to_integral_value()
        assert selectors.points_available(customer=customer) == 3225


def test_pos_points_pay_whole_rials() -> None:
    """The register's points tender in a Rial shop: amounts in steps of a point's value."""
    from pos.services import _points_for
    from tenants.errors import BusinessRuleError

    tenant, _owner = _bare_shop("rial-till", "IRR")
    with tenant_context(tenant):
        assert _points_for(D("250000")) == 25
        with pytest.raises(BusinessRuleError, match="steps of"):
            _points_for(D("5000"))


def _migrate_rows() -> None:
    migration = importlib.import_module("crm.migrations.0004_loyalty_currency_defaults")

    class Editor:
        connection = connection

    migration.defaults_apply(django_apps, Editor())


def test_migration_fixes_only_programmes_that_never_ran(shop_a) -> None:
    untouched_rial, owner = _bare_shop("rial-old", "IRR")
    with_points, owner2 = _bare_shop("rial-points-old", "IRR")
    chosen_rial, _ = _bare_shop("rial-chosen", "IRR")
    cents, _ = _bare_shop("usd-old", "USD")
    # Rows as the old default wrote them (1 point per unit, 0.01 a point).
    for tenant, value in ((untouched_rial, "0.01"), (with_points, "0.01"),
                          (chosen_rial, "5000"), (cents, "0.05")):
        with tenant_context(tenant):
            LoyaltySettings.objects.create(points_per_unit=D("1"), point_value=D(value))
    with tenant_context(with_points):
        customer = customer_make_in(with_points, owner2)
        services.points_accrue(tenant=with_points, actor=owner2, customer=customer,
                               amount=D("1200000"))
    _migrate_rows()

    def row(tenant):  # noqa: ANN001, ANN202
        with tenant_context(tenant):
            found = LoyaltySettings.objects.get()
            return found.points_per_unit, found.point_value

    assert row(untouched_rial) == (D("0.000001"), D("10000"))
    assert row(with_points) == (D("1"), D("0.01"))  # customers hold points: the owner decides
    assert row(chosen_rial) == (D("1"), D("5000"))
    assert row(cents) == (D("1"), D("0.05"))
    assert row(shop_a.tenant) == (D("1"), D("0.01"))
    # The owner of the shop left alone is told why the value must change, and how.
    html = _client(owner2).get(reverse("crm:loyalty-settings")).content.decode()
    assert 'data-testid="point-value-unfit"' in html
    assert "0.01 IRR" in html and "IRR\u00a010,000" in html and "IRR\u00a01,000,000" in html


def customer_make_in(tenant, owner):  # noqa: ANN001, ANN201
    return services.customer_create(tenant=tenant, actor=owner, last_name="Held")
