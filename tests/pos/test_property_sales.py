"""Acceptance 4 through the service: random carts, discounts and tender splits are
sold by sale_complete; what is stored settles to the cent and carries the tax rule.
Discounts above the shop's limit (5 % in the world) are refused without a manager
and recorded with the approving manager. The same for a Rial shop (no minor unit:
every stored amount is whole, with realistic rates of millions a gram)."""

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
from tests.factories import shop
from tests.pos.conftest import lot, open_shift

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(params=["USD", "IRR"])
def stocked(request, db):
    currency = request.param
    s = shop(f"Shop {currency}", currency=currency)
    if currency == "IRR":  # Rial rates: millions a gram; making charges in Rials
        with tenant_context(s.tenant):
            inventory.rate_board_set(tenant=s.tenant, actor=s.owner, code="gold18",
                                     mode="manual", buy_rate=D("41500000"),
                                     sell_rate=D("43217385.5"))
    making = D("8") if currency == "USD" else D("3333333")
    items = [
        lot(s, 1000, making_charge_value=making),  # 18K by the rate, tax on making (9%)
        lot(s, 1000, net_weight=D("1.237"), making_charge_mode="percent",
            making_charge_value=D("17")),
        lot(s, 1000, price_mode="fixed",  # no tax part
            fixed_price=D("19.99") if currency == "USD" else D("19999999")),
    ]
    return s, open_shift(s), items


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_random_sales_settle_to_the_cent(stocked, data) -> None:
    s, shift, items = stocked
    unit = D(1).scaleb(-totals.minor_unit_places(s.tenant.currency))  # 0.01 or 1
    picks = data.draw(st.lists(st.tuples(st.sampled_from(range(3)), st.integers(1, 4),
                                         st.integers(0, 100)), min_size=1, max_size=3))
    lines = []
    for index, qty, disc_percent in picks:
        item = items[index]
        gross = item.selling_price * qty
        lines.append((item, qty, (gross * disc_percent / 200).quantize(unit, "ROUND_DOWN")))
    after = sum(item.selling_price * qty - disc for item, qty, disc in lines)
    cart_discount = (after * data.draw(st.integers(0, 50)) / 100).quantize(unit, "ROUND_DOWN")
    total = after - cart_discount
    card = (total * data.draw(st.integers(0, 100)) / 100).quantize(unit, "ROUND_DOWN")
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
            assert line.tax == (line.total * share).quantize(unit, ROUND_HALF_UP)
            assert line.total == line.unit_price * line.quantity - line.line_discount \
                - line.cart_discount
        assert sale.tax_total == sum(line.tax for line in sale_lines)
        assert sum(line.cart_discount for line in sale_lines) == cart_discount
        # Displayed = stored: every amount is whole in the currency's minor unit.
        amounts = [sale.total, sale.tax_total, sale.subtotal, sale.discount_total,
                   *(p.amount for p in stored), *(p.change_given for p in stored),
                   *(x for line in sale_lines for x in (line.unit_price, line.tax,
                                                        line.total, line.cart_discount))]
        assert all(a == a.quantize(unit) for a in amounts), amounts
        transaction.set_rollback(True)
