"""A small sales scenario over two days, two branches and two cashiers, with a return.

Prices are fixed and discounts nil, so every figure a report shows can be computed by
hand from PRICES (see the tests). The world's own sale and return (tests/factories) are
made today; the scenario is moved to 10 and 11 January 2026 so that reports over those
days see only the scenario.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tenants import services as tenants
from tenants.context import tenant_context
from tenants.models import User
from tests.factories import Shop, customer_make, item_make, pos_sale_make

DAY1 = datetime.date(2026, 1, 10)
DAY2 = datetime.date(2026, 1, 11)
RING, NECKLACE = Decimal("1000.00"), Decimal("2500.00")


@dataclass
class Scenario:
    shop: Shop
    cashier1: User  # sells at the main branch
    cashier2: User  # sells at the Bazaar branch
    customer_x: Any
    customer_y: Any
    items: dict[str, Any]
    sales: dict[str, Any]
    sale_return: Any


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def scenario_make(s: Shop) -> Scenario:
    """S1 (day 1, main, cashier1, customer X): ring A1 + necklace B1 = 3500.
    S2 (day 1, Bazaar, cashier2, customer Y): ring A2 = 1000.
    S3 (day 2, main, cashier1, customer Y): necklace B2 = 2500.
    R1 (day 2, main, cashier1): necklace B1 of S1 back = 2500."""
    from crm import services as crm
    from inventory import services as inventory
    from pos import services as pos
    from pos.models import Sale, SaleReturn
    from pos.returns import sale_return_create

    t, owner = s.tenant, s.owner
    with tenant_context(t):
        rings = inventory.category_create(tenant=t, actor=owner, name="Ring category")
        necklaces = inventory.category_create(tenant=t, actor=owner, name="Necklaces")
        terminal2 = tenants.terminal_create(tenant=t, actor=owner, branch=s.branch, name="T2")
        cashier2 = tenants.staff_invite(tenant=t, actor=owner, email=f"c2.{t.slug}@example.com",
                                        role=User.Role.CASHIER, full_name="Second Cashier",
                                        branch=s.branch)
        pos.pos_settings_update(tenant=t, actor=owner, discount_limit_percent=Decimal("5"),
                                return_approval_limit=Decimal("100000"))
        # Y's first sale (1,000) would reach the world's Gold tier and take 5 % off S3:
        # the scenario's figures are list prices, so its customers stay below the tiers.
        tier = s.extra["tier"]
        crm.tier_update(tenant=t, actor=owner, tier=tier, name=tier.name,
                        threshold=Decimal("1000000"), validity_months=tier.validity_months,
                        discount_percent=tier.discount_percent,
                        points_multiplier=tier.points_multiplier)
    items = {}
    for sku, price, category, branch in (("A1", RING, rings, s.main), ("A2", RING, rings, s.branch),
                                         ("B1", NECKLACE, necklaces, s.main),
                                         ("B2", NECKLACE, necklaces, s.main)):
        item = item_make(s, sku=sku, name=f"Piece {sku}", category=category,
                         price_mode="fixed", fixed_price=price)
        with tenant_context(t):
            inventory.stock_move(tenant=t, actor=owner, item=item, branch=branch,
                                 kind="purchase_receipt", quantity=1, reference="PO-R")
        items[sku] = item
    x = customer_make(s, first_name="Xena", last_name="Xanthi", phone="09120001111")
    y = customer_make(s, first_name="Yasmin", last_name="Yazdi", phone="09120002222")
    with tenant_context(t):
        shift1 = pos.shift_open(tenant=t, actor=s.cashier, terminal=s.terminal)
        shift2 = pos.shift_open(tenant=t, actor=cashier2, terminal=terminal2)
    s1 = pos_sale_make(s, shift=shift1, lines=[(items["A1"], 1, Decimal(0)),
                                               (items["B1"], 1, Decimal(0))], customer=x)
    s2 = pos_sale_make(s, shift=shift2, lines=[(items["A2"], 1, Decimal(0))], customer=y,
                       actor=cashier2)
    s3 = pos_sale_make(s, shift=shift1, lines=[(items["B2"], 1, Decimal(0))], customer=y)
    with tenant_context(t):
        line = s1.lines.get(item=items["B1"])
        r1 = sale_return_create(tenant=t, actor=s.cashier, shift=shift1, sale=s1,
                                lines=[(line, 1)], reason="Too long")
        Sale.objects.filter(pk__in=[s1.pk, s2.pk]).update(created_at=_at(DAY1, 11))
        Sale.objects.filter(pk=s3.pk).update(created_at=_at(DAY2, 12))
        SaleReturn.objects.filter(pk=r1.pk).update(created_at=_at(DAY2, 16))
    assert (s1.total, s2.total, s3.total, r1.total) == (RING + NECKLACE, RING, NECKLACE, NECKLACE)
    return Scenario(s, s.cashier, cashier2, x, y, items, {"S1": s1, "S2": s2, "S3": s3}, r1)


@pytest.fixture
def scenario(shop_a, shop_b) -> Scenario:
    return scenario_make(shop_a)
