"""Acceptance 4 through the service: random carts, discounts and tender splits are
sold by sale_complete; what is stored settles to the cent and carries the tax rule.
Discounts above the shop's limit (5 % in the world) are refused without a manager
and recorded with the approving manager."""

import uuid
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory import services as inventory
from pos import services as pos
from pos import totals
from pos.models import Payment, SaleLine
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.pos.conftest import lot, open_shift

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(shop_a):
    s = shop_a
    items = [
        lot(s, 1000),  # 18K by the rate, tax on making (inventory_world: 9%)
        lot(s, 1000, net_weight=D("1.237"), making_charge_mode="percent",
            making_charge_value=D("17")),
        lot(s, 1000, price_mode="fixed", fixed_price=D("19.99")),  # no tax part
    ]
    return s, open_shift(s), items


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_random_sales_settle_to_the_cent(stocked, data) -> None:
    s, shift, items = stocked
    picks = data.draw(st.lists(st.tuples(st.sampled_from(range(3)), st.integers(1, 4),
                                         st.integers(0, 100)), min_size=1, max_size=3))
    lines = []
    for index, qty, disc_percent in picks:
        item = items[index]
        gross = item.selling_price * qty
        lines.append((item, qty, (gross * disc_percent / 200).quantize(D("0.01"), "ROUND_DOWN")))
    after = sum(item.selling_price * qty - disc for item, qty, disc in lines)
    cart_discount = (after * data.draw(st.integers(0, 50)) / 100).quantize(D("0.01"),
                                                                           "ROUND_DOWN")
    total = after - cart_discount
    card = (total * data.draw(st.integers(0, 100)) / 100).quantize(D("0.01"), "ROUND_DOWN")
    cash = total - card
    if cash > 0:  # cash may overpay (change); a cash tender that is all change is refused
        cash += D(data.draw(st.integers(0, 50)))
    payments = [(m, a, "") for m, a in (("card", card), ("cash", cash)) if a > 0]

    limit = D("5")  # pos_world's PosSettings.discount_limit_percent
    needs_approval = any(disc * 100 > item.selling_price * qty * limit
                         for item, qty, disc in lines) or cart_discount * 100 > after * limit

    with tenant_context(s.tenant), transaction.atomic():
        if needs_approval:
            with pytest.raises(BusinessRuleError, match="approval"), transaction.atomic():
                pos.sale_complete(tenant=s.tenant, actor=s.cashier, shift=shift,
                                  idempotency_key=uuid.uuid4(), lines=lines,
                                  cart_discount=cart_discount, payments=payments)
        sale = pos.sale_complete(tenant=s.tenant, actor=s.cashier, shift=shift,
                                 idempotency_key=uuid.uuid4(), lines=lines,
                                 cart_discount=cart_discount, payments=payments,
                                 discount_approved_by=s.manager if needs_approval else None)
        assert sale.total == total
        assert sale.discount_approved_by_id == (s.manager.pk if needs_approval else None)
        stored = list(Payment.objects.filter(sale=sale))
        assert sum(p.amount - p.change_given for p in stored) == sale.total
        assert all(p.change_given == 0 for p in stored if p.method != "cash")
        ctx = inventory.pricing_context(s.tenant)
        sale_lines = list(SaleLine.objects.filter(sale=sale).select_related("item"))
        for line in sale_lines:
            share = totals.tax_share(inventory.item_price_breakdown(line.item, ctx))
            assert line.tax == (line.total * share).quantize(D("0.01"), ROUND_HALF_UP)
            assert line.total == line.unit_price * line.quantity - line.line_discount \
                - line.cart_discount
        assert sale.tax_total == sum(line.tax for line in sale_lines)
        assert sum(line.cart_discount for line in sale_lines) == cart_discount
        transaction.set_rollback(True)
