"""Acceptance 6: a buy-back puts a scrap lot in stock with fine weight = weight x purity x
(1 - melt loss) and pays the right amount, in cash or as trade-in credit."""

from decimal import Decimal

import pytest

from crm import selectors as crm_selectors
from inventory.models import StockLevel, StockMovement
from pos import buybacks, selectors
from pos.models import BuyBack, SaleEvent
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.models import Counter
from tests.pos.conftest import open_shift

D = Decimal
pytestmark = pytest.mark.django_db


def buy(s, shift, **kwargs):
    kwargs.setdefault("seller_name", "Maryam Rahimi")
    kwargs.setdefault("seller_id_number", "0012345678")
    with tenant_context(s.tenant):
        return buybacks.buy_back_create(tenant=s.tenant, actor=s.cashier, shift=shift, **kwargs)


def test_karat_buy_back_for_cash_makes_a_scrap_lot(shop_a, shop_b) -> None:
    s = shop_a
    shift = open_shift(s, D("1000.00"))
    row = buy(s, shift, weight="12.345", karat=18, melt_loss_percent="2.5")
    # 18K = 750 ‰; the board's 18K buy rate is 60.0000 (inventory_world).
    assert row.purity == D("750") and row.rate == D("60.0000")
    assert row.fine_weight == D("9.027")  # 12.345 x 0.750 x 0.975 = 9.02728...
    assert row.payout == D("722.18")  # 12.345 x 0.975 x 60 = 722.1825
    with tenant_context(s.tenant):
        row = BuyBack.objects.select_related("scrap_item").get(pk=row.pk)
        item = row.scrap_item
        # The world made buy-back no. 1.
        assert row.display_number == "B-000002" and item.sku == "SCRAP-B-000002"
        assert (item.karat, item.gross_weight, item.net_weight) == (18, D("12.345"),
                                                                     D("12.036"))
        assert item.cost == row.payout
        assert StockLevel.objects.get(item=item, branch=s.main).quantity == 1
        assert StockMovement.objects.get(item=item).kind == "buy_back"
        assert SaleEvent.objects.filter(kind="buyback.completed", buy_back=row,
                                        sale__isnull=True).count() == 1
        assert Counter.objects.get(key="buyback").value == 2
        assert selectors.shift_payouts(shift=shift) == D("722.18")
        assert selectors.shift_expected_cash(shift=shift) == D("1000.00") - D("722.18")
    with tenant_context(shop_b.tenant):
        assert not BuyBack.objects.filter(pk=row.pk).exists()


def test_tested_purity_with_typed_rate_as_trade_in_credit(shop_a) -> None:
    s = shop_a
    shift = open_shift(s, D("0"))
    customer = s.extra["customer"]
    row = buy(s, shift, weight="3.000", purity="812.5", melt_loss_percent="1",
              rate="55.5", settlement="credit", customer=customer, seller_name="",
              seller_id_number="")
    assert row.fine_weight == D("2.413")  # 3 x 0.8125 x 0.99 = 2.413125
    assert row.payout == D("164.84")  # 3 x 0.99 x 55.5 = 164.835 -> half up
    with tenant_context(s.tenant):
        row = BuyBack.objects.get(pk=row.pk)
        assert row.scrap_item.karat == 18  # the finest karat 812.5 ‰ reaches
        assert crm_selectors.gift_card_balance_of(card=row.credit_card) == D("164.84")
        assert row.credit_card.customer_id == customer.pk
        assert selectors.shift_payouts(shift=shift) == 0  # credit is not drawer cash


def test_default_rate_for_a_tested_purity_is_scaled_from_the_board(shop_a) -> None:
    s = shop_a
    shift = open_shift(s, D("500.00"))
    row = buy(s, shift, weight="1.000", purity="900")
    assert row.rate == D("72.0000")  # 60 per gram of 750 ‰ -> 72 per gram of 900 ‰
    assert row.payout == D("72.00") and row.fine_weight == D("0.900")


@pytest.mark.parametrize("kwargs, field", [
    ({"weight": "0"}, "weight"),
    ({"weight": "1.2345", "karat": 18}, "weight"),
    ({"weight": "abc", "karat": 18}, "weight"),
    ({"weight": "2"}, "purity"),
    ({"weight": "2", "karat": 19}, "karat"),
    ({"weight": "2", "purity": "1001"}, "purity"),
    ({"weight": "2", "karat": 18, "melt_loss_percent": "100"}, "melt_loss_percent"),
    ({"weight": "2", "karat": 18, "seller_id_number": ""}, "seller_name"),
    ({"weight": "2", "karat": 24}, "rate"),  # no 24K on the board and the purity differs
    ({"weight": "2", "karat": 18, "settlement": "bitcoin"}, "settlement"),
    ({"weight": "50", "karat": 18}, "cash"),  # 3000 in cash; the drawer holds 100
])
def test_bad_input_is_refused_and_nothing_is_written(shop_a, kwargs, field) -> None:
    s = shop_a
    shift = open_shift(s, D("100.00"))
    if kwargs.get("karat") == 24:
        with tenant_context(s.tenant):
            from inventory.models import RateBoard
            RateBoard.objects.all().delete()
    with pytest.raises(BusinessRuleError) as info:
        buy(s, shift, **kwargs)
    assert info.value.field == field
    with tenant_context(s.tenant):
        assert BuyBack.objects.count() == 1  # the world's
        assert not StockMovement.objects.filter(kind="buy_back").exists()
        assert Counter.objects.get(key="buyback").value == 1


@pytest.mark.parametrize(("weight", "rate", "field"), [
    ("2000.000", "700000000", "rate"),  # a rate with digits too many: the payout
    ("10000000", "1", "weight"),
    ("1E+30", "1", "weight"),
    ("10", "1E+30", "rate"),
])
def test_figures_too_large_are_a_message_and_change_nothing(shop_a, weight, rate,
                                                            field) -> None:
    s = shop_a
    shift = open_shift(s)
    with tenant_context(s.tenant):
        before = BuyBack.objects.count()
    with pytest.raises(BusinessRuleError) as caught:
        buybacks.buy_back_create(tenant=s.tenant, actor=s.cashier, shift=shift, weight=weight,
                                 karat=18, rate=rate, settlement="credit", seller_name="X",
                                 seller_id_number="1")
    assert caught.value.field == field and "too large" in caught.value.message
    with tenant_context(s.tenant):
        assert BuyBack.objects.count() == before


def test_a_negative_buy_rate_is_said_as_such(shop_a) -> None:
    """QA 15: a typed rate of -100 is not "the rate board has no buy rate"."""
    s = shop_a
    shift = open_shift(s, D("100.00"))
    for rate in ("-100", "0"):
        with pytest.raises(BusinessRuleError) as info:
            buy(s, shift, weight="2", karat=18, rate=rate)
        assert info.value.field == "rate"
        assert info.value.message == "Enter a buy rate per gram above zero."


def test_the_scrap_lots_name_is_written_with_the_apps_numbers(shop_a) -> None:
    """QA 11: the scrap lot's name shows weights with their 3 decimals and the purity
    as people write it, in the active language's digits (stored as made)."""
    from django.utils import translation

    s = shop_a
    shift = open_shift(s, D("1000.00"))
    row = buy(s, shift, weight="3.2", karat=18, melt_loss_percent="1.5")
    assert row.scrap_item.name == (
        f"Old gold {row.display_number}: 3.200 g at 750‰, fine 2.364 g")
    with translation.override("fa"):
        row = buy(s, shift, weight="3.2", karat=18, melt_loss_percent="1.5")
    name = row.scrap_item.name
    assert "۳٫۲۰۰" in name and "۷۵۰" in name and "۲٫۳۶۴" in name
    assert not any(ch in "0123456789" for ch in name.split(":", 1)[1]), name
