"""Each report's figures against sums computed by hand from the scenario (conftest)."""

from decimal import Decimal

import pytest

from reports import selectors
from reports.selectors import ReportFilter
from tenants.context import tenant_context
from tests.reports.conftest import DAY1, DAY2, NECKLACE, RING

pytestmark = pytest.mark.django_db
D0 = Decimal("0")


def _report(scenario, key: str, **filters):
    with tenant_context(scenario.shop.tenant):
        return selectors.report_build(key=key, filters=ReportFilter(
            start=filters.pop("start", DAY1), end=filters.pop("end", DAY2), **filters))


def _figures(report, label: str, *keys: str) -> dict:
    keys = keys or ("count", "gross", "returns", "net")
    return {row[label]: tuple(row[k] for k in keys) for row in report.rows}


def test_by_day_nets_the_return_on_the_day_it_was_made(scenario) -> None:
    report = _report(scenario, "day")
    assert _figures(report, "day") == {
        DAY1: (2, RING + NECKLACE + RING, D0, RING + NECKLACE + RING),
        DAY2: (1, NECKLACE, NECKLACE, D0),
    }
    assert [report.totals[k] for k in ("count", "gross", "returns", "net")] == [
        3, 2 * RING + 2 * NECKLACE, NECKLACE, 2 * RING + NECKLACE]


def test_by_day_for_one_day_and_one_branch(scenario) -> None:
    s = scenario.shop
    assert _figures(_report(scenario, "day", start=DAY2, end=DAY2), "day") == {
        DAY2: (1, NECKLACE, NECKLACE, D0)}
    assert _figures(_report(scenario, "day", branch=s.branch), "day") == {
        DAY1: (1, RING, D0, RING)}
    # Nothing outside the days chosen (the world's sale and return are today).
    assert _report(scenario, "day", start=DAY1.replace(day=1), end=DAY1.replace(day=9)).rows == []


def test_by_branch(scenario) -> None:
    s = scenario.shop
    report = _report(scenario, "branch")
    assert _figures(report, "branch") == {
        s.main.name: (2, RING + 2 * NECKLACE, NECKLACE, RING + NECKLACE),
        s.branch.name: (1, RING, D0, RING),
    }
    assert [r["branch"] for r in report.rows] == [s.main.name, s.branch.name]  # best net first


def test_by_employee_nets_returns_against_the_seller(scenario) -> None:
    report = _report(scenario, "employee")
    assert _figures(report, "employee") == {
        scenario.cashier1.full_name: (2, RING + 2 * NECKLACE, NECKLACE, RING + NECKLACE),
        "Second Cashier": (1, RING, D0, RING),
    }


def test_by_product_and_by_category(scenario) -> None:
    keys = ("quantity", "returned", "gross", "returns", "net")
    assert _figures(_report(scenario, "product"), "sku", *keys) == {
        "A1": (1, 0, RING, D0, RING), "A2": (1, 0, RING, D0, RING),
        "B1": (1, 1, NECKLACE, NECKLACE, D0), "B2": (1, 0, NECKLACE, D0, NECKLACE),
    }
    report = _report(scenario, "category")
    assert _figures(report, "category", *keys) == {
        "Ring category": (2, 0, 2 * RING, D0, 2 * RING),
        "Necklaces": (2, 1, 2 * NECKLACE, NECKLACE, NECKLACE),
    }
    assert report.totals["quantity"] == 4 and report.totals["returned"] == 1


def test_top_customers_best_net_first(scenario) -> None:
    report = _report(scenario, "customers")
    assert [(r["customer"], r["count"], r["gross"], r["returns"], r["net"])
            for r in report.rows] == [
        ("Yasmin Yazdi", 2, RING + NECKLACE, D0, RING + NECKLACE),
        ("Xena Xanthi", 1, RING + NECKLACE, NECKLACE, RING),
    ]
    assert report.rows[0]["number"] == scenario.customer_y.number
    assert len(_report(scenario, "customers", ).rows) == 2


def test_the_other_shop_sees_none_of_it(scenario, shop_b) -> None:
    with tenant_context(shop_b.tenant):
        for key in selectors.REPORTS:
            report = selectors.report_build(key=key, filters=ReportFilter(start=DAY1, end=DAY2))
            assert report.rows == [], f"{key} of shop B shows shop A's sales"


def test_each_report_is_two_queries(scenario, django_assert_max_num_queries) -> None:
    with tenant_context(scenario.shop.tenant):
        for key in selectors.REPORTS:
            with django_assert_max_num_queries(2):
                selectors.report_build(key=key, filters=ReportFilter(start=DAY1, end=DAY2))

