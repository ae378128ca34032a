"""Stock changes only through stock_move(): movements, no negative stock, serial rules."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory import services
from inventory.models import Item, StockLevel, StockMovement
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import item_make

pytestmark = pytest.mark.django_db


def _qty(item, branch) -> int:
    level = StockLevel.objects.filter(item=item, branch=branch).first()
    return level.quantity if level else 0


def test_receipt_and_sale_write_movements_with_the_quantity(shop_a) -> None:
    s = shop_a
    lot = item_make(s, tracking="lot", sku="STONE-1")
    with tenant_context(s.tenant):
        services.stock_move(tenant=s.tenant, actor=s.owner, item=lot, branch=s.main,
                            kind="purchase_receipt", quantity=10, reference="PO-7")
        movement = services.stock_move(tenant=s.tenant, actor=s.cashier, item=lot,
                                       branch=s.main, kind="sale", quantity=-3)
        assert _qty(lot, s.main) == 7
        assert movement.balance_after == 7 and movement.actor == s.cashier
        assert list(StockMovement.objects.filter(item=lot).values_list("kind", "quantity")
                    .order_by("created_at")) == [("purchase_receipt", 10), ("sale", -3)]


def test_stock_never_goes_negative(shop_a) -> None:
    s = shop_a
    lot = item_make(s, tracking="lot")
    with tenant_context(s.tenant):
        services.stock_move(tenant=s.tenant, actor=s.owner, item=lot, branch=s.main,
                            kind="purchase_receipt", quantity=2)
        with pytest.raises(BusinessRuleError) as err:
            services.stock_move(tenant=s.tenant, actor=s.owner, item=lot, branch=s.main,
                                kind="sale", quantity=-3)
        assert err.value.field == "quantity"
        assert _qty(lot, s.main) == 2
        assert StockMovement.objects.filter(item=lot).count() == 1


def test_the_database_refuses_negative_stock_even_without_the_service(shop_a) -> None:
    s = shop_a
    with tenant_context(s.tenant), pytest.raises(IntegrityError), transaction.atomic(), \
            connection.cursor() as c:
        c.execute("UPDATE inventory_stocklevel SET quantity = -1")


@pytest.mark.parametrize(
    ("kind", "quantity"),
    [("sale", 1), ("purchase_receipt", -1), ("transfer_out", 2), ("return", -1),
     ("adjustment", 0), ("teleport", 1)],
)
def test_the_sign_must_follow_the_kind(shop_a, kind, quantity) -> None:
    s = shop_a
    lot = item_make(s, tracking="lot")
    with tenant_context(s.tenant), pytest.raises(BusinessRuleError):
        services.stock_move(tenant=s.tenant, actor=s.owner, item=lot, branch=s.main,
                            kind=kind, quantity=quantity)


def test_a_serial_piece_is_in_one_place_and_sold_once(shop_a) -> None:
    s = shop_a
    ring = s.extra["item"]  # received at main in shop_world
    with tenant_context(s.tenant):
        with pytest.raises(BusinessRuleError, match="already in stock"):
            services.stock_move(tenant=s.tenant, actor=s.owner, item=ring, branch=s.branch,
                                kind="transfer_in", quantity=1)
        with pytest.raises(BusinessRuleError, match="already in stock here"):
            services.stock_move(tenant=s.tenant, actor=s.owner, item=ring, branch=s.main,
                                kind="return", quantity=1)
        with pytest.raises(BusinessRuleError, match="one at a time"):
            services.stock_move(tenant=s.tenant, actor=s.owner, item=ring, branch=s.main,
                                kind="sale", quantity=-2)
        services.stock_move(tenant=s.tenant, actor=s.owner, item=ring, branch=s.main,
                            kind="sale", quantity=-1, reference="S-1")
        with pytest.raises(BusinessRuleError, match="Not enough stock"):
            services.stock_move(tenant=s.tenant, actor=s.owner, item=ring, branch=s.main,
                                kind="sale", quantity=-1, reference="S-2")
        with pytest.raises(BusinessRuleError, match="received only once"):
            services.stock_move(tenant=s.tenant, actor=s.owner, item=ring, branch=s.branch,
                                kind="purchase_receipt", quantity=1)
        assert StockMovement.objects.filter(item=ring, kind="sale").count() == 1


def test_a_serial_transfer_moves_the_piece_and_its_home_branch(shop_a) -> None:
    s = shop_a
    ring = s.extra["item"]
    with tenant_context(s.tenant):
        services.stock_move(tenant=s.tenant, actor=s.owner, item=ring, branch=s.main,
                            kind="transfer_out", quantity=-1, reference="TR-1")
        services.stock_move(tenant=s.tenant, actor=s.owner, item=ring, branch=s.branch,
                            kind="transfer_in", quantity=1, reference="TR-1")
        assert (_qty(ring, s.main), _qty(ring, s.branch)) == (0, 1)
        assert Item.objects.get(pk=ring.pk).branch == s.branch


def test_the_database_holds_the_serial_rules_too(shop_a) -> None:
    s = shop_a
    ring = s.extra["item"]
    with tenant_context(s.tenant):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
            c.execute("UPDATE inventory_stocklevel SET quantity = 2 WHERE item_id = %s",
                      [ring.pk])
        with pytest.raises(IntegrityError), transaction.atomic():
            StockLevel.objects.create(item=ring, branch=s.branch, quantity=1, is_serial=True)


def test_adjustment_needs_a_reason(shop_a) -> None:
    s = shop_a
    lot = item_make(s, tracking="lot")
    with tenant_context(s.tenant):
        with pytest.raises(BusinessRuleError) as err:
            services.stock_adjust(tenant=s.tenant, actor=s.manager, item=lot, branch=s.main,
                                  quantity=4, reason="  ")
        assert err.value.field == "reason"
        movement = services.stock_adjust(tenant=s.tenant, actor=s.manager, item=lot,
                                         branch=s.main, quantity=4, reason="Counted")
        assert (movement.kind, movement.reason, _qty(lot, s.main)) == ("adjustment", "Counted", 4)


def test_stock_of_one_shop_is_invisible_to_the_other(shop_a, shop_b) -> None:
    with tenant_context(shop_b.tenant):
        assert not StockMovement.objects.filter(item_id=shop_a.extra["item"].pk).exists()
        assert not Item.objects.filter(sku="RING-1").exclude(pk=shop_b.extra["item"].pk).exists()
        # Another shop's item cannot receive stock in this shop.
        with pytest.raises(Item.DoesNotExist):
            services.stock_move(tenant=shop_b.tenant, actor=shop_b.owner,
                                item=shop_a.extra["item"], branch=shop_b.main,
                                kind="return", quantity=1)


# --- acceptance 2: random sequences of movements ------------------------------

KINDS = ["purchase_receipt", "sale", "return", "transfer_out", "transfer_in", "adjustment",
         "buy_back", "repair_use"]
SIGN = {"purchase_receipt": 1, "sale": -1, "return": 1, "transfer_out": -1, "transfer_in": 1,
        "buy_back": 1, "repair_use": -1}
step = st.tuples(
    st.integers(0, 1),  # which item: 0 lot, 1 serial
    st.integers(0, 1),  # which branch
    st.sampled_from(KINDS),
    st.integers(1, 4),
    st.booleans(),  # sign of an adjustment
)


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_stock_is_the_sum_of_movements_and_never_negative(shop_a, steps) -> None:
    s = shop_a
    with tenant_context(s.tenant):
        # Fresh items per example: the shop fixture lives across examples.
        lot = item_make(s, tracking="lot")
        piece = item_make(s, tracking="serial")
        items, branches = [lot, piece], [s.main, s.branch]
        for which, b, kind, n, up in steps:
            item, branch = items[which], branches[b]
            sign = SIGN.get(kind, 1 if up else -1)
            try:
                services.stock_move(tenant=s.tenant, actor=s.owner, item=item, branch=branch,
                                    kind=kind, quantity=sign * n)
            except BusinessRuleError:
                pass  # a refused movement changes nothing, which the sums below check
        for item in items:
            for branch in branches:
                moved = StockMovement.objects.filter(item=item, branch=branch).aggregate(
                    t=Sum("quantity"))["t"] or 0
                assert _qty(item, branch) == moved >= 0
            quantities = list(StockLevel.objects.filter(item=piece)
                              .values_list("quantity", flat=True))
            assert set(quantities) <= {0, 1} and sum(quantities) <= 1
        sold = StockMovement.objects.filter(item=piece, kind="sale").count()
        back = StockMovement.objects.filter(item=piece, kind__in=["return", "buy_back"]).count()
        assert sold <= back + 1


def test_decimal_fields_keep_grams_to_three_places(shop_a) -> None:
    item = item_make(shop_a, net_weight=Decimal("1.235"), gross_weight=Decimal("1.240"))
    with tenant_context(shop_a.tenant):
        assert Item.objects.get(pk=item.pk).net_weight == Decimal("1.235")


def test_item_limit_of_the_plan_is_enforced_and_an_override_lifts_it() -> None:
    from inventory.models import Item
    from tenants.errors import LimitReached
    from tenants.models import Subscription
    from tests.factories import item_make, shop

    s = shop()
    with tenant_context(s.tenant):
        in_use = Item.objects.filter(is_active=True).count()
    s.tenant.plan.max_items = in_use
    s.tenant.plan.save()
    with pytest.raises(LimitReached, match="items"):
        item_make(s)
    with tenant_context(s.tenant):
        Subscription.objects.update(max_items=in_use + 1)
    item_make(s)
