"""Dead stock and turnover reports: exact figures from the movement ledger."""

import datetime
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inventory import reports, services
from inventory.models import StockMovement
from tenants.context import tenant_context
from tests.factories import item_make

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def move(shop, item, kind, quantity, *, days_ago, branch=None):
    """A stock movement dated `days_ago` days back (through the service, then re-dated)."""
    with tenant_context(shop.tenant):
        m = services.stock_move(tenant=shop.tenant, actor=shop.owner, item=item,
                                branch=branch or shop.main, kind=kind, quantity=quantity)
        StockMovement.objects.filter(pk=m.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=days_ago))
    return m


@pytest.fixture
def dead_world(shop_a):
    s = shop_a
    with tenant_context(s.tenant):
        chains = services.category_create(tenant=s.tenant, actor=s.owner, name="Chains")
    old = item_make(s, sku="OLD", name="Never sold", category=chains, cost=D("120.00"))
    move(s, old, "purchase_receipt", 1, days_ago=200)
    recent = item_make(s, sku="RECENT", name="Sold lately", tracking="lot")
    move(s, recent, "purchase_receipt", 5, days_ago=300)
    move(s, recent, "sale", -1, days_ago=10)
    slow = item_make(s, sku="SLOW", name="Sold long ago", tracking="lot", cost=D("10.50"))
    move(s, slow, "purchase_receipt", 3, days_ago=300)
    move(s, slow, "sale", -1, days_ago=190)
    gone = item_make(s, sku="GONE", name="Sold out")
    move(s, gone, "purchase_receipt", 1, days_ago=300)
    move(s, gone, "sale", -1, days_ago=250)
    far = item_make(s, sku="FAR", name="In the bazaar")
    move(s, far, "purchase_receipt", 1, days_ago=400, branch=s.branch)
    return {"chains": chains}


def test_dead_stock_lists_idle_items_with_stock(shop_a, dead_world) -> None:
    with tenant_context(shop_a.tenant):
        rows = list(reports.dead_stock())
        assert [(i.sku, i.stock) for i in rows] == [("FAR", 1), ("OLD", 1), ("SLOW", 2)]
        slow = rows[2]
        assert slow.last_out is not None and reports.idle_days(slow.since) == 190
        assert rows[1].last_out is None and reports.idle_days(rows[1].since) == 200
        # Fewer days: the recent sale still keeps RECENT out; RING-1 (received now) too.
        assert [i.sku for i in reports.dead_stock(filters=reports.DeadStockFilters(days=5))] == [
            "FAR", "OLD", "SLOW", "RECENT"]
        assert [i.sku for i in reports.dead_stock(filters=reports.DeadStockFilters(days=195))] == [
            "FAR", "OLD"]


def test_dead_stock_filters_by_branch_and_category(shop_a, dead_world) -> None:
    with tenant_context(shop_a.tenant):
        by_branch = reports.dead_stock(filters=reports.DeadStockFilters(
            branch_id=str(shop_a.branch.pk)))
        assert [i.sku for i in by_branch] == ["FAR"]
        by_category = reports.dead_stock(filters=reports.DeadStockFilters(
            category_id=str(dead_world["chains"].pk)))
        assert [i.sku for i in by_category] == ["OLD"]


def test_dead_stock_page(shop_a, shop_b, dead_world) -> None:
    far_b = item_make(shop_b, sku="B-FAR", name="Shop B piece")
    move(shop_b, far_b, "purchase_receipt", 1, days_ago=400)
    response = client_for(shop_a.manager).get(reverse("inventory:report-dead-stock"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "SLOW" in body and "OLD" in body and "B-FAR" not in body and "RECENT" not in body
    assert "21.00" in body  # SLOW: 2 x 10.50 at cost
    response = client_for(shop_a.owner).get(
        reverse("inventory:report-dead-stock"), {"days": "195", "branch": "x"},
        headers={"HX-Request": "true", "HX-Target": "report-results"})
    body = response.content.decode()
    assert "<html" not in body and 'id="report-results"' in body
    assert "OLD" in body and "SLOW" not in body
    assert client_for(shop_a.cashier).get(reverse("inventory:report-dead-stock")).status_code == 403


@pytest.fixture
def turnover_world(shop_a):
    s = shop_a
    with tenant_context(s.tenant):
        chains = services.category_create(tenant=s.tenant, actor=s.owner, name="Chains")
    lot = item_make(s, sku="LOT-T", name="Lot ring", tracking="lot", cost=D("100.00"),
                    category=s.extra["category"])
    move(s, lot, "purchase_receipt", 10, days_ago=40)
    move(s, lot, "sale", -3, days_ago=20)
    move(s, lot, "return", 1, days_ago=15)
    move(s, lot, "sale", -2, days_ago=5)
    move(s, lot, "purchase_receipt", 5, days_ago=3)
    chain = item_make(s, sku="CH-T", name="Chain", tracking="lot", cost=D("50.00"),
                      category=chains)
    move(s, chain, "purchase_receipt", 4, days_ago=35)
    move(s, chain, "sale", -4, days_ago=2)
    today = timezone.localdate()
    return reports.TurnoverFilters(start=today - datetime.timedelta(days=30),
                                   end=today - datetime.timedelta(days=1))


def test_turnover_per_item_category_and_total(shop_a, turnover_world) -> None:
    with tenant_context(shop_a.tenant):
        items, categories, total = reports.turnover(filters=turnover_world)
    # RING-1 was received today, after the range: not in it.
    assert [(r.sku, r.sold, r.opening, r.closing, r.average_stock, r.turnover, r.cogs)
            for r in items] == [
        ("CH-T", 4, 4, 0, D(2), D("2.00"), D("200.00")),
        ("LOT-T", 4, 10, 11, D("10.5"), D("0.38"), D("400.00")),
    ]
    assert [(c.label, c.sold, c.average_stock, c.turnover, c.cogs) for c in categories] == [
        ("Chains", 4, D(2), D("2.00"), D("200.00")),
        ("Rings", 4, D("10.5"), D("0.38"), D("400.00")),
    ]
    assert (total.sold, total.average_stock, total.turnover, total.cogs) == (
        8, D("12.5"), D("0.64"), D("600.00"))


def test_turnover_includes_today_and_filters(shop_a, turnover_world) -> None:
    filters = reports.TurnoverFilters(start=turnover_world.start, end=timezone.localdate(),
                                      category_id=str(shop_a.extra["category"].pk))
    with tenant_context(shop_a.tenant):
        items, categories, total = reports.turnover(filters=filters)
        assert [(r.sku, r.sold, r.opening, r.closing, r.turnover) for r in items] == [
            ("LOT-T", 4, 10, 11, D("0.38")), ("RING-1", 0, 0, 1, D("0.00"))]
        assert (total.sold, total.average_stock, total.turnover) == (4, D("11"), D("0.36"))
        by_branch = reports.TurnoverFilters(start=turnover_world.start, end=turnover_world.end,
                                            branch_id=str(shop_a.branch.pk))
        assert reports.turnover(filters=by_branch)[0] == []


def test_turnover_page(shop_a, turnover_world) -> None:
    c = client_for(shop_a.owner)
    params = {"start": turnover_world.start.isoformat(), "end": turnover_world.end.isoformat()}
    response = c.get(reverse("inventory:report-turnover"), params)
    body = response.content.decode()
    assert response.status_code == 200
    assert "LOT-T" in body and "0.38" in body and "600.00" in body and "10.5" in body
    response = c.get(reverse("inventory:report-turnover"), {"start": "bad", "end": ""},
                     headers={"HX-Request": "true", "HX-Target": "report-results"})
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert client_for(shop_a.cashier).get(reverse("inventory:report-turnover")).status_code == 403


def _jalali(day: datetime.date) -> str:
    import jdatetime

    return jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")


def test_turnover_page_in_persian_reads_a_jalali_period(shop_a, turnover_world) -> None:
    shop_a.owner.language = "fa"
    shop_a.owner.save(update_fields=["language"])
    c = client_for(shop_a.owner)
    url = reverse("inventory:report-turnover")
    start, end = turnover_world.start, turnover_world.end
    iso = c.get(url, {"start": start.isoformat(), "end": end.isoformat()})
    jalali = c.get(url, {"start": _jalali(start), "end": _jalali(end)})
    for response in (iso, jalali):
        assert response.status_code == 200
        assert (response.context["filters"].start, response.context["filters"].end) == (start, end)
    assert jalali.content.decode().count("LOT-T") == iso.content.decode().count("LOT-T") > 0
    shown = _jalali(start).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert f'name="start" value="{shown}"' in jalali.content.decode()
    # An impossible day: its message where the results are, the default period in use.
    refused = c.get(url, {"start": "1404/12/30"},
                    headers={"HX-Request": "true", "HX-Target": "report-results"})
    html = refused.content.decode()
    assert refused.status_code == 200 and "1404/12/30 روزی از تقویم شمسی نیست." in html
    today = timezone.localdate()
    assert refused.context["filters"].start == today - datetime.timedelta(days=29)
