"""Category and pricing-rule pages (owners and managers)."""

from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse

from inventory import services
from inventory.models import Category, PricingRule
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_category_pages(shop_a, shop_b) -> None:
    c = client_for(shop_a.manager)
    url = reverse("inventory:categories")
    body = c.get(url).content.decode()
    assert "Rings" in body and client_for(shop_a.cashier).get(url).status_code == 403
    rings = shop_a.extra["category"]
    response = c.post(url, {"name": "Wedding", "parent": str(rings.pk)})
    assert response.status_code == 302
    dup = c.post(url, {"name": "wedding", "parent": str(rings.pk)})
    assert dup.status_code == 422 and "already exists" in dup.content.decode()
    assert 'value="wedding"' in dup.content.decode()
    with tenant_context(shop_a.tenant):
        wedding = Category.objects.get(name="Wedding")
    assert wedding.parent_id == rings.pk
    # Moving Rings under its own child is refused; renaming works.
    edit = reverse("inventory:category-edit", args=[rings.pk])
    bad = c.post(edit, {"name": "Rings", "parent": str(wedding.pk)})
    assert bad.status_code == 422 and "under itself" in bad.content.decode()
    assert c.post(edit, {"name": "All rings", "parent": ""}).status_code == 302
    with tenant_context(shop_a.tenant):
        rings.refresh_from_db()
    assert rings.name == "All rings"
    other = shop_b.extra["category"]
    assert c.get(reverse("inventory:category-edit", args=[other.pk])).status_code == 404
    assert c.post(url, {"name": "X", "parent": str(other.pk)}).status_code == 422


def test_category_update_rules(shop_a) -> None:
    with tenant_context(shop_a.tenant):
        rings = shop_a.extra["category"]
        with pytest.raises(BusinessRuleError):
            services.category_update(tenant=shop_a.tenant, actor=shop_a.owner, category=rings,
                                     name="Rings", parent=rings)
        with pytest.raises(BusinessRuleError):
            services.category_update(tenant=shop_a.tenant, actor=shop_a.owner, category=rings,
                                     name="  ")


def test_pricing_rule_pages(shop_a, shop_b) -> None:
    c = client_for(shop_a.owner)
    url = reverse("inventory:pricing-rules")
    body = c.get(url).content.decode()
    assert "18K" in body and "5%" in body
    assert client_for(shop_a.cashier).get(url).status_code == 403
    rings = shop_a.extra["category"]
    # The tier is one of the shop's loyalty tiers (a choice), not free text.
    assert '<option value="Gold">Gold</option>' in body
    unknown = c.post(url, {"karat": "18", "customer_tier": "Platinum", "markup_percent": "1"})
    assert unknown.status_code == 422
    assert c.post(url, {"karat": "18", "category": str(rings.pk), "customer_tier": "Gold",
                        "markup_percent": "12.5"}).status_code == 302
    bad = c.post(url, {"karat": "", "category": "", "markup_percent": "2000"})
    assert bad.status_code == 422 and "between -100% and 1000%" in bad.content.decode()
    assert 'value="2000"' in bad.content.decode()
    with tenant_context(shop_a.tenant):
        assert not PricingRule.objects.filter(customer_tier="Platinum").exists()
        new = PricingRule.objects.get(customer_tier="Gold")
        assert new.markup_percent == D("12.5") and new.category_id == rings.pk
    world = shop_a.extra["pricing_rule"]
    edit = reverse("inventory:pricing-rule-edit", args=[world.pk])
    clash = c.post(edit, {"karat": "18", "category": str(rings.pk), "customer_tier": "Gold",
                          "markup_percent": "3"})
    assert clash.status_code == 422 and "already covers" in clash.content.decode()
    assert c.post(edit, {"karat": "22", "markup_percent": "7"}).status_code == 302
    with tenant_context(shop_a.tenant):
        world.refresh_from_db()
    assert (world.karat, world.markup_percent) == (22, D("7"))
    other = shop_b.extra["pricing_rule"]
    assert c.get(reverse("inventory:pricing-rule-edit", args=[other.pk])).status_code == 404
    assert c.post(reverse("inventory:pricing-rule-delete", args=[new.pk])).status_code == 302
    with tenant_context(shop_a.tenant):
        assert not PricingRule.objects.filter(pk=new.pk).exists()
