"""The books' pages: journal and statements for owners and managers, the dashboard
widgets, other shops' entries invisible, Persian with Jalali dates."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounting import selectors
from tenants.context import tenant_context

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_the_journal_shows_the_shops_posted_sale_and_not_the_other_shops(shop_a, shop_b) -> None:
    page = _client(shop_a.owner).get(reverse("accounting:journal")).content.decode()
    assert "Sale S-000001" in page and "Jewelry stock" in page
    with tenant_context(shop_b.tenant):
        from django_ledger.models import JournalEntryModel

        b_numbers = set(JournalEntryModel.objects.values_list("je_number", flat=True))
    with tenant_context(shop_a.tenant):
        a_numbers = set(JournalEntryModel.objects.values_list("je_number", flat=True))
    # Each shop numbers its own entries; B's entries are not A's rows.
    assert a_numbers and b_numbers
    assert _client(shop_a.cashier).get(reverse("accounting:journal")).status_code == 403


def test_statements_match_the_figures_computed_by_hand(shop_a) -> None:
    """The world: the ring (cost 300.00) received on credit and sold for its price in
    cash, tax included; a repair deposit of 10.00 taken by card (Dr card clearing, Cr
    repair deposits)."""
    sale, ring = shop_a.extra["sale"], shop_a.extra["item"]
    deposit = shop_a.extra["repair_payment"].amount
    net_sales = sale.total - sale.tax_total
    with tenant_context(shop_a.tenant):
        income = selectors.income_statement(start=None, end=None)
        sheet = selectors.balance_sheet(as_of=None)
        trial = selectors.trial_balance()
        cash = selectors.cash_flow(start=None, end=None)
    assert income["gross_profit"] == net_sales - ring.cost
    assert income["net_income"] == net_sales - ring.cost
    assert sheet["assets"].total == sale.total + deposit  # cash, card; the ring left stock
    assert sheet["liabilities"].total == ring.cost + sale.tax_total + deposit  # + deposits
    assert sheet["earnings"] == net_sales - ring.cost
    assert sheet["assets"].total == sheet["liabilities_and_equity"]
    assert trial["debit"] == trial["credit"] == sale.total + ring.cost + deposit
    assert cash == {"operating": sale.total + deposit, "financing": Decimal(0),
                    "net": sale.total + deposit}
    page = _client(shop_a.manager).get(reverse("accounting:statements")).content.decode()
    assert f"{income['net_income']:,.2f}" in page or f"{income['net_income']:.2f}" in page


def test_the_dashboard_shows_todays_posted_sales_to_the_owner(shop_a) -> None:
    sale = shop_a.extra["sale"]
    page = _client(shop_a.owner).get(reverse("home")).content.decode()
    assert 'id="widget-sales-today"' in page and 'id="widget-sales-30d"' in page
    assert f"{sale.total:.2f}" in page.replace(",", "")
    cashier_page = _client(shop_a.cashier).get(reverse("home")).content.decode()
    assert 'id="widget-sales-today"' not in cashier_page


def test_statements_in_persian_with_jalali_dates(shop_a) -> None:
    shop_a.owner.language = "fa"
    shop_a.owner.save(update_fields=["language"])
    page = _client(shop_a.owner).get(reverse("accounting:statements"),
                                     {"start": "2026-03-21", "end": "2026-12-06"}).content.decode()
    assert "صورت سود و زیان" in page and "ترازنامه" in page and "تراز آزمایشی" in page
    assert "۱۴۰۵/۰۱/۰۱" in page  # 2026-03-21 is 1 Farvardin 1405


def test_statements_in_persian_read_a_jalali_period(shop_a) -> None:
    shop_a.owner.language = "fa"
    shop_a.owner.save(update_fields=["language"])
    client = _client(shop_a.owner)
    url = reverse("accounting:statements")
    response = client.get(url, {"start": "۱۴۰۵/۰۱/۰۱", "end": "1405-09-15"})
    assert response.status_code == 200
    assert (response.context["start"], response.context["end"]) == (
        datetime.date(2026, 3, 21), datetime.date(2026, 12, 6))
    html = response.content.decode()
    assert 'name="start" value="۱۴۰۵/۰۱/۰۱"' in html and 'name="end" value="۱۴۰۵/۰۹/۱۵"' in html
    # Exports take the same period (their links carry it as ISO).
    assert "start=2026-03-21&amp;end=2026-12-06" in html
    refused = client.get(url, {"start": "1405/13/01", "end": "1405/09/15"})
    assert refused.status_code == 200
    assert "1405/13/01 روزی از تقویم شمسی نیست." in refused.content.decode()
    assert refused.context["end"] == datetime.date(2026, 12, 6)


def test_a_fiscal_year_is_added_from_a_jalali_first_day_in_persian(shop_a) -> None:
    from accounting.models import FiscalYear

    shop_a.owner.language = "fa"
    shop_a.owner.save(update_fields=["language"])
    client = _client(shop_a.owner)
    url = reverse("accounting:fiscal-years")
    assert client.post(url, {"start": "1398/01/01"}).status_code == 302
    with tenant_context(shop_a.tenant):
        year = FiscalYear.objects.get(start=datetime.date(2019, 3, 21))
    assert year.end == datetime.date(2020, 3, 19)  # 1398/12/29
    bad = client.post(url, {"start": "1397/12/30"})  # 1397 is not a leap year
    assert bad.status_code == 422
    assert "1397/12/30 روزی از تقویم شمسی نیست." in bad.content.decode()
