"""Amounts a Rial shop cannot hold are refused where they enter (a clear message, no
change), so what is stored is what is shown and payments can balance."""

from decimal import Decimal

import pytest

from crm import selectors as crm_selectors
from crm import services as crm
from inventory import services as inventory
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import shop

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def rial(db):
    return shop("Zarin", currency="IRR")


def test_price_override_in_rials_is_whole(rial) -> None:
    item = rial.extra["item"]
    with pytest.raises(BusinessRuleError, match="whole numbers, without decimals"):
        inventory.item_set_price_override(tenant=rial.tenant, actor=rial.owner, item=item,
                                          price=D("1000000.5"))
    item = inventory.item_set_price_override(tenant=rial.tenant, actor=rial.owner, item=item,
                                             price=D("1000000"))
    assert item.selling_price == D("1000000")


def test_store_credit_and_gift_cards_in_rials_are_whole(rial, shop_a) -> None:
    t, owner, customer = rial.tenant, rial.owner, rial.extra["customer"]
    with tenant_context(t):
        before = crm_selectors.store_credit_balance(customer=customer)
    with pytest.raises(BusinessRuleError, match="whole numbers, without decimals"):
        crm.store_credit_issue(tenant=t, actor=owner, customer=customer, amount=D("10.5"),
                               reason="Goodwill")
    with pytest.raises(BusinessRuleError, match="whole numbers, without decimals"):
        crm.gift_card_issue(tenant=t, actor=owner, amount=D("2500.25"), customer=customer)
    crm.store_credit_issue(tenant=t, actor=owner, customer=customer, amount=D("250000"),
                           reason="Goodwill")
    with tenant_context(t):
        assert crm_selectors.store_credit_balance(customer=customer) == before + D("250000")
    # A dollar shop keeps its cents (and refuses a third decimal instead of rounding it).
    crm.store_credit_issue(tenant=shop_a.tenant, actor=shop_a.owner,
                           customer=shop_a.extra["customer"], amount=D("10.25"), reason="x")
    with pytest.raises(BusinessRuleError, match="at most 2 decimals"):
        crm.store_credit_issue(tenant=shop_a.tenant, actor=shop_a.owner,
                               customer=shop_a.extra["customer"], amount=D("10.255"),
                               reason="x")


def test_a_point_is_worth_whole_money(rial, shop_a) -> None:
    with pytest.raises(BusinessRuleError, match="whole numbers, without decimals"):
        crm.loyalty_settings_update(tenant=rial.tenant, actor=rial.owner, point_value=D("0.3"))
    settings = crm.loyalty_settings_update(tenant=rial.tenant, actor=rial.owner,
                                           point_value=D("1000"))
    assert settings.point_value == D("1000")
    with pytest.raises(BusinessRuleError, match="at most 2 decimals"):
        crm.loyalty_settings_update(tenant=shop_a.tenant, actor=shop_a.owner,
                                    point_value=D("0.003"))
