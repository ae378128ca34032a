"""The inventory's dashboard widgets: stock value at today's rate per branch and the
low-stock list, each in one query, figures against hand-computed values."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from inventory import selectors
from inventory import services as inventory
from tenants.context import tenant_context
from tests.factories import item_make

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def _receive(shop, item, branch, quantity: int) -> None:  # noqa: ANN001
    with tenant_context(shop.tenant):
        inventory.stock_move(tenant=shop.tenant, actor=shop.owner, item=item, branch=branch,
                             kind="purchase_receipt", quantity=quantity)


def test_stock_value_at_todays_rate_per_branch(shop_a, shop_b, django_assert_num_queries) -> None:
    """The board sells 18K at 65.0000 a gram (the world's rate board) and has no silver
    rate. Added: at the main branch an 18K piece of 5.000 g with 20.00 of stones (cost
    300.00) and a silver piece of 10.000 g with 5.00 of stones (cost 40.00); at the
    bazaar 3 x an 18K lot item of 2.000 g (cost 100.00 each)."""
    with tenant_context(shop_a.tenant):
        before = {r["branch"]: r for r in selectors.inventory_value_by_branch()["branches"]}
    piece = item_make(shop_a, net_weight=Decimal("5.000"), stone_value=Decimal("20.00"),
                      cost=Decimal("300.00"))
    silver = item_make(shop_a, metal="silver", karat=None, net_weight=Decimal("10.000"),
                       stone_value=Decimal("5.00"), cost=Decimal("40.00"))
    lot = item_make(shop_a, tracking="lot", net_weight=Decimal("2.000"), cost=Decimal("100.00"))
    _receive(shop_a, piece, shop_a.main, 1)
    _receive(shop_a, silver, shop_a.main, 1)
    _receive(shop_a, lot, shop_a.branch, 3)
    item_make(shop_b, tracking="lot", net_weight=Decimal("900.000"))  # other shop: unseen

    with tenant_context(shop_a.tenant), django_assert_num_queries(1):
        value = selectors.inventory_value_by_branch()
    by_branch = {r["branch"]: r for r in value["branches"]}

    def base(branch: str, key: str) -> Decimal:
        return before.get(branch, {}).get(key, Decimal(0))

    main, bazaar = shop_a.main.name, shop_a.branch.name
    # 5 x 65 + 20 = 345.00 and 10 x 0 + 5 = 5.00 at the main branch
    assert by_branch[main]["at_rate"] == base(main, "at_rate") + Decimal("350.00")
    assert by_branch[main]["at_cost"] == base(main, "at_cost") + Decimal("340.00")
    assert by_branch[main]["pieces"] == base(main, "pieces") + 2
    # 3 x (2 x 65) = 390.00 at the bazaar
    assert by_branch[bazaar]["at_rate"] == base(bazaar, "at_rate") + Decimal("390.00")
    assert by_branch[bazaar]["at_cost"] == base(bazaar, "at_cost") + Decimal("300.00")
    assert value["at_rate"] == sum((r["at_rate"] for r in value["branches"]), Decimal(0))
    # The valuation page's own computation agrees.
    with tenant_context(shop_a.tenant):
        page = {r["group"]: r for r in selectors.valuation(group_by="branch")}
    for name, row in by_branch.items():
        assert row["at_rate"] == page[name]["at_rate"]
        assert row["at_cost"] == page[name]["at_cost"]

    # A new rate shows at once: 18K at 70.0000 adds 5 a gram on 5 + 3 x 2 = 11 grams.
    with tenant_context(shop_a.tenant):
        inventory.rate_board_set(tenant=shop_a.tenant, actor=shop_a.owner, code="gold18",
                                 mode="manual", buy_rate=Decimal("60"), sell_rate=Decimal("70"))
        again = selectors.inventory_value_by_branch()
        gold_grams_before = sum(
            (r["weight"] for r in selectors.valuation(group_by="karat") if r["group"] == 18),
            Decimal(0))
    assert again["at_rate"] == value["at_rate"] + 5 * gold_grams_before
    assert gold_grams_before >= Decimal("11.000")


def test_low_stock_widget_counts_every_low_item_and_lists_the_lowest(
        shop_a, shop_b, django_assert_num_queries) -> None:
    empty = item_make(shop_a, sku="LOW-0", tracking="lot", low_stock_threshold=2)
    one = item_make(shop_a, sku="LOW-1", tracking="lot", low_stock_threshold=2)
    _receive(shop_a, one, shop_a.branch, 1)
    plenty = item_make(shop_a, sku="OK-5", tracking="lot", low_stock_threshold=2)
    _receive(shop_a, plenty, shop_a.main, 5)
    item_make(shop_a, sku="NO-THRESHOLD", tracking="lot")
    item_make(shop_b, sku="B-LOW", tracking="lot", low_stock_threshold=4)

    with tenant_context(shop_a.tenant), django_assert_num_queries(1):
        summary = selectors.low_stock_summary(lines=1)
    assert summary["count"] == 2
    assert [i.sku for i in summary["items"]] == ["LOW-0"]
    with tenant_context(shop_a.tenant):
        full = selectors.low_stock_summary()
    assert [(i.sku, i.stock) for i in full["items"]] == [("LOW-0", 0), ("LOW-1", 1)]
    assert empty.pk and plenty.pk

    client = Client()
    client.force_login(shop_a.owner)
    html = client.get(reverse("home")).content.decode()
    assert 'id="widget-low-stock"' in html and "LOW-1" in html and "B-LOW" not in html
    assert 'id="widget-inventory-value"' in html
    client.force_login(shop_a.cashier)
    html = client.get(reverse("home")).content.decode()
    assert 'id="widget-low-stock"' in html and 'id="widget-inventory-value"' not in html
