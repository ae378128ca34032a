"""Acceptance 1: prices with exact Decimal figures for every making-charge mode, karat and
rounding rule; items_reprice changes rate-based items only and agrees with pricing.py."""

from decimal import Decimal as D

import pytest

from inventory import pricing, services
from inventory.models import PURITY, Item
from tenants.context import tenant_context
from tests.factories import item_make


def test_purity_per_karat_in_thousandths() -> None:
    assert PURITY == {24: D("999.9"), 22: D("916"), 21: D("875"), 18: D("750"), 14: D("585")}
    assert pricing.fine_weight(D("10.000"), PURITY[18]) == D("7.500")
    assert pricing.fine_weight(D("3.333"), PURITY[24]) == D("3.333")  # 3.3326667 -> 3.333


@pytest.mark.parametrize(
    ("mode", "value", "gold", "making", "total"),
    [
        # 18K at 65.5/g x 5.123 g = 335.5565 -> 335.56
        ("per_gram", D("8.25"), D("335.56"), D("42.26"), D("377.82")),  # 42.26475 -> 42.26
        ("percent", D("12.5"), D("335.56"), D("41.94"), D("377.50")),  # 41.9445625 -> 41.94
        ("fixed", D("40"), D("335.56"), D("40.00"), D("375.56")),
    ],
)
def test_making_charge_modes(mode, value, gold, making, total) -> None:
    b = pricing.price_breakdown(sell_rate=D("65.5"), net_weight=D("5.123"), making_mode=mode,
                                making_value=value)
    assert (b.gold, b.making, b.stone, b.markup, b.tax, b.total) == (
        gold, making, D("0.00"), D("0.00"), D("0.00"), total)


@pytest.mark.parametrize(
    ("karat", "rate", "expected_gold"),
    [(24, D("87.3300"), D("436.65")), (22, D("80.0500"), D("400.25")),
     (21, D("76.4125"), D("382.06")),  # 382.0625 -> 382.06
     (18, D("65.4990"), D("327.50")),  # 327.495 -> 327.50 (half up)
     (14, D("51.0000"), D("255.00"))],
)
def test_gold_value_by_karat_rate(karat, rate, expected_gold) -> None:
    b = pricing.price_breakdown(sell_rate=rate, net_weight=D("5.000"), making_mode="fixed",
                                making_value=D("0"))
    assert b.gold == expected_gold == b.total


def test_markup_and_tax_on_configured_parts() -> None:
    tax = pricing.TaxRule(rate_percent=D("9"), on_gold=False, on_making=True, on_stone=True)
    b = pricing.price_breakdown(
        sell_rate=D("60"), net_weight=D("10.000"), making_mode="per_gram", making_value=D("5"),
        stone_value=D("100.00"), markup_percent=D("10"), tax=tax, currency="USD",
    )
    # gold 600, making 50, stone 100, markup 75; tax 9% of (50 + 100) x 1.10 = 14.85
    assert (b.gold, b.making, b.stone, b.markup, b.tax, b.total) == (
        D("600.00"), D("50.00"), D("100.00"), D("75.00"), D("14.85"), D("839.85"))


def test_rounding_half_up_and_currencies_without_minor_unit() -> None:
    assert pricing.money_round(D("10.005"), "USD") == D("10.01")
    assert pricing.money_round(D("10.004999"), "USD") == D("10.00")
    assert pricing.money_round(D("12345.5"), "IRR") == D("12346")
    assert pricing.money_round(D("12344.49"), "IRR") == D("12344")
    b = pricing.price_breakdown(sell_rate=D("45678901.5"), net_weight=D("2.345"),
                                making_mode="percent", making_value=D("7"), currency="IRR")
    # gold 107117024.0175 -> 107117024; making 7498191.681225 -> 7498192
    assert (b.gold, b.making, b.total) == (D("107117024"), D("7498192"), D("114615216"))
    half = pricing.price_breakdown(sell_rate=D("1000.5"), net_weight=D("1.000"),
                                   making_mode="fixed", making_value=D("0.5"), currency="IRR")
    assert (half.gold, half.making, half.total) == (D("1001"), D("1"), D("1002"))


def test_units_for_the_rate_board() -> None:
    assert pricing.rate_per_unit(D("100"), "mesghal") == D("460.800")
    assert pricing.rate_per_unit(D("100"), "tola") == D("1166.400")
    assert pricing.rate_per_unit(D("100"), "troy_ounce") == D("3110.3500")


def test_most_specific_pricing_rule_wins() -> None:
    rules = [(None, None, "", D("1")), (18, None, "", D("2")), (None, "cat", "", D("3")),
             (18, "cat", "", D("4")), (18, None, "gold", D("9"))]
    assert pricing.markup_for(rules, karat=22, category_id=None) == D("1")
    assert pricing.markup_for(rules, karat=18, category_id=None) == D("2")
    assert pricing.markup_for(rules, karat=22, category_id="cat") == D("3")
    assert pricing.markup_for(rules, karat=18, category_id="cat") == D("4")
    assert pricing.markup_for(rules, karat=18, category_id="cat", tier="gold") == D("9")
    assert pricing.markup_for([], karat=18, category_id=None) == D("0")


@pytest.mark.django_db
def test_item_price_on_create_uses_board_rule_and_tax(shop_a) -> None:
    # shop_world: 18K sells at 65/g, 18K markup 5%, tax 9% on making only.
    item = item_make(shop_a, net_weight=D("5.000"), making_charge_value=D("8"))
    # gold 325, making 40, markup 18.25, tax 9% x 40 x 1.05 = 3.78
    assert item.price == D("387.03")


@pytest.mark.django_db
def test_items_reprice_changes_rate_based_items_only_and_matches_python(shop_a, shop_b) -> None:
    s = shop_a
    with tenant_context(s.tenant):
        cat = s.extra["category"]
        items = [
            item_make(s, net_weight=D("3.217"), making_charge_mode="percent",
                      making_charge_value=D("11.5"), stone_value=D("12.35"), category=cat),
            item_make(s, net_weight=D("7.001"), making_charge_mode="fixed",
                      making_charge_value=D("19.99")),
            item_make(s, karat=22, net_weight=D("2.5")),
            item_make(s, metal="silver", karat=None, net_weight=D("30")),
        ]
        fixed = item_make(s, price_mode="fixed", fixed_price=D("999.00"))
        services.rate_board_set(tenant=s.tenant, actor=s.owner, code="gold18", mode="manual",
                                buy_rate=D("70"), sell_rate=D("73.1234"))
        services.rate_board_set(tenant=s.tenant, actor=s.owner, code="gold22", mode="manual",
                                buy_rate=D("80"), sell_rate=D("89.9999"))
        services.rate_board_set(tenant=s.tenant, actor=s.owner, code="silver", mode="manual",
                                buy_rate=D("0.8"), sell_rate=D("0.9125"))
        services.pricing_rule_set(tenant=s.tenant, actor=s.owner, category=cat, karat=18,
                                  markup_percent=D("7.5"))
        services.inventory_settings_update(tenant=s.tenant, actor=s.owner, tax_on_gold=True,
                                           tax_on_stone=True)
        changed = services.items_reprice(tenant=s.tenant, actor=s.owner)
        assert changed >= 4
        ctx = services.pricing_context(s.tenant)
        for item in Item.objects.filter(pk__in=[i.pk for i in items]):
            assert item.price == services.item_price_breakdown(item, ctx).total, item.sku
        assert Item.objects.get(pk=fixed.pk).price == D("999.00")
    assert services.items_reprice(tenant=s.tenant, actor=s.owner) == 0  # already current


@pytest.mark.django_db
def test_items_reprice_leaves_the_other_shop_alone(shop_a, shop_b) -> None:
    with tenant_context(shop_b.tenant):
        before = Item.objects.get(pk=shop_b.extra["item"].pk).price
    with tenant_context(shop_a.tenant):
        services.rate_board_set(tenant=shop_a.tenant, actor=shop_a.owner, code="gold18",
                                mode="manual", buy_rate=D("1"), sell_rate=D("2"))
        assert services.items_reprice(tenant=shop_a.tenant, actor=shop_a.owner) == 1
    with tenant_context(shop_b.tenant):
        assert Item.objects.get(pk=shop_b.extra["item"].pk).price == before


def test_rules_name_a_loyalty_tier_and_follow_its_renaming(shop_a) -> None:
    """A rule's tier is one of the shop's loyalty tiers (matched without regard to
    case); renaming the tier carries its rules along, so its customers keep the price."""
    from crm import services as crm
    from inventory.models import PricingRule
    from tenants.errors import BusinessRuleError

    inventory = services
    s = shop_a
    tier = s.extra["tier"]
    with tenant_context(s.tenant):
        with pytest.raises(BusinessRuleError, match="No loyalty tier"):
            inventory.pricing_rule_set(tenant=s.tenant, actor=s.owner, karat=18,
                                       customer_tier="Platinum", markup_percent=D("1"))
        rule = inventory.pricing_rule_set(tenant=s.tenant, actor=s.owner, karat=18,
                                          customer_tier="gold", markup_percent=D("1"))
        assert rule.customer_tier == "Gold"  # the tier's own spelling
        crm.tier_update(tenant=s.tenant, actor=s.owner, tier=tier, name="طلایی",
                        threshold=tier.threshold, validity_months=tier.validity_months,
                        discount_percent=tier.discount_percent,
                        points_multiplier=tier.points_multiplier)
        rule.refresh_from_db()
        assert rule.customer_tier == "طلایی"
        ctx = inventory.pricing_context(s.tenant)
        assert pricing.markup_for(ctx.rules, karat=18, category_id=None, tier="طلایی") == D("1")
        assert not PricingRule.objects.filter(customer_tier="Gold").exists()
