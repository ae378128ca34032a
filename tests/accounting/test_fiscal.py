"""Fiscal years and closing: the closing entry moves the year's income and expenses to
retained earnings, postings dated in a closed year are refused, statements per year."""

import datetime
from decimal import Decimal

import jdatetime
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_ledger.models import JournalEntryModel

from accounting import selectors, services
from accounting.models import FiscalYear, Posting
from inventory import services as inventory
from inventory.models import StockMovement
from pos import services as pos
from pos.models import Sale, SaleEvent
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import item_make, pos_sale_make

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def _jalali_year_start(offset: int) -> datetime.date:
    """1 Farvardin of the Jalali year `offset` years from this one."""
    this = jdatetime.date.fromgregorian(date=timezone.localdate()).year
    return jdatetime.date(this + offset, 1, 1).togregorian()


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


def _last_years_books(shop) -> dict:  # noqa: ANN001
    """Last Jalali year: a piece bought for 200.00 and sold (cash, tax included), another
    piece bought for 50.00 and written off; all dated 100 days into the year."""
    t = shop.tenant
    start = _jalali_year_start(-1)
    with tenant_context(t):
        year = services.fiscal_year_create(tenant=t, actor=shop.owner, start=start)
        shift = pos.shift_open(tenant=t, actor=shop.cashier, terminal=shop.terminal)
    sold = item_make(shop, cost=Decimal("200.00"))
    lost = item_make(shop, cost=Decimal("50.00"))
    with tenant_context(t):
        for piece in (sold, lost):
            inventory.stock_move(tenant=t, actor=shop.owner, item=piece, branch=shop.main,
                                 kind="purchase_receipt", quantity=1, reference="PO-OLD")
        inventory.stock_move(tenant=t, actor=shop.owner, item=lost, branch=shop.main,
                             kind="adjustment", quantity=-1, reason="lost")
    sale = pos_sale_make(shop, shift=shift, lines=[(sold, 1, Decimal(0))])
    when = _at(start + datetime.timedelta(days=100))
    with tenant_context(t):
        StockMovement.objects.filter(item__in=[sold, lost]).update(created_at=when)
        Sale.objects.filter(pk=sale.pk).update(created_at=when)
        sale.refresh_from_db()
    assert services.pending_post(tenant=t) == 4  # two receipts, the adjustment, the sale
    net_sales = sale.total - sale.tax_total
    return {"year": year, "sale": sale, "shift": shift,
            "profit": net_sales - Decimal("200.00") - Decimal("50.00"), "net_sales": net_sales}


def test_closing_moves_the_years_profit_to_retained_earnings(shop_a, shop_b) -> None:
    books = _last_years_books(shop_a)
    year, profit = books["year"], books["profit"]
    t = shop_a.tenant
    with tenant_context(t):
        closed = services.fiscal_year_close(tenant=t, actor=shop_a.owner, year=year)
        assert closed.status == FiscalYear.Status.CLOSED and closed.net_income == profit
        je = JournalEntryModel.objects.get(uuid=closed.closing_entry_id)
        assert je.posted and je.locked
        assert Posting.objects.get(source=Posting.Source.CLOSING, source_id=year.pk)

        # The year's income statement still shows what happened in it ...
        income = selectors.income_statement(start=year.start, end=year.end)
        assert income["net_income"] == profit
        assert income["gross_profit"] == books["net_sales"] - Decimal("200.00")
        # ... while the balance sheet at its end holds no income or expense balance:
        # the profit is in retained earnings.
        sheet = selectors.balance_sheet(as_of=year.end)
        assert sheet["earnings"] == 0
        assert dict((code, amount) for code, _n, amount in sheet["equity"].lines) == {
            "3020": profit}
        assert sheet["assets"].total == sheet["liabilities_and_equity"]
        bal = selectors.balances(end=year.end)
        for code, amount in bal.items():
            if code[0] in "456":
                assert amount == 0, code
        trial = selectors.trial_balance(as_of=year.end)
        assert trial["debit"] == trial["credit"]
        assert not [r for r in trial["rows"] if r.code[0] in "456" and (r.debit or r.credit)]

        # Today (this year, open): this year's earnings are the world's sale only.
        world_sale, ring = shop_a.extra["sale"], shop_a.extra["item"]
        now_sheet = selectors.balance_sheet(as_of=None)
        assert now_sheet["earnings"] == world_sale.total - world_sale.tax_total - ring.cost
        assert dict((c, a) for c, _n, a in now_sheet["equity"].lines)["3020"] == profit
    with tenant_context(shop_b.tenant):
        assert not FiscalYear.objects.filter(pk=year.pk).exists()
        assert selectors.balance_sheet(as_of=None)["equity"].lines == []


def test_postings_dated_in_a_closed_year_are_refused(shop_a) -> None:
    books = _last_years_books(shop_a)
    t, year = shop_a.tenant, books["year"]
    with tenant_context(t):
        services.fiscal_year_close(tenant=t, actor=shop_a.owner, year=year)
        ledger = services.books_get()
        with pytest.raises(services.FiscalYearClosed) as refused:
            services.journal_post(
                books=ledger, source=Posting.Source.SALE_EVENT,
                source_id="00000000-0000-0000-0000-0000000000aa", kind="x",
                lines=[services.Line("cash", debit=Decimal("1")),
                       services.Line("sales", credit=Decimal("1"))],
                occurred_at=_at(year.end), description="late")
        assert f"fiscal year {year.name}, which is closed" in refused.value.message
        with translation.override("fa"):
            with pytest.raises(services.FiscalYearClosed) as refused_fa:
                services.journal_post(
                    books=ledger, source=Posting.Source.SALE_EVENT,
                    source_id="00000000-0000-0000-0000-0000000000ab", kind="x",
                    lines=[services.Line("cash", debit=Decimal("1")),
                           services.Line("sales", credit=Decimal("1"))],
                    occurred_at=_at(year.start), description="late")
        assert "بسته" in refused_fa.value.message
    # A sale that turns up dated in the closed year waits unposted (logged), others go on.
    piece = item_make(shop_a, cost=Decimal("10.00"))
    with tenant_context(t):
        inventory.stock_move(tenant=t, actor=shop_a.owner, item=piece, branch=shop_a.main,
                             kind="purchase_receipt", quantity=1)
    late = pos_sale_make(shop_a, shift=books["shift"], lines=[(piece, 1, Decimal(0))])
    with tenant_context(t):
        Sale.objects.filter(pk=late.pk).update(created_at=_at(year.start))
        before = selectors.balances(end=year.end)
    assert services.pending_post(tenant=t) == 1  # the receipt (today) only
    with tenant_context(t):
        assert SaleEvent.objects.get(sale=late).posted_at is None
        assert selectors.balances(end=year.end) == before
        # Closing again is refused.
        with pytest.raises(BusinessRuleError, match="already closed"):
            services.fiscal_year_close(tenant=t, actor=shop_a.owner, year=year)


def test_years_do_not_overlap_close_in_order_and_only_once_ended(shop_a) -> None:
    t = shop_a.tenant
    current = shop_a.extra["fiscal_year"]
    with tenant_context(t):
        assert current.start == _jalali_year_start(0)
        assert current.end == _jalali_year_start(1) - datetime.timedelta(days=1)
        assert current.name == str(jdatetime.date.fromgregorian(date=current.start).year)
        with pytest.raises(BusinessRuleError, match="overlap"):
            services.fiscal_year_create(tenant=t, actor=shop_a.owner,
                                        start=current.start + datetime.timedelta(days=30))
        with pytest.raises(BusinessRuleError, match="has not ended"):
            services.fiscal_year_close(tenant=t, actor=shop_a.owner, year=current)
        older = services.fiscal_year_create(tenant=t, actor=shop_a.owner,
                                            start=_jalali_year_start(-2))
        last = services.fiscal_year_create(tenant=t, actor=shop_a.owner,
                                           start=_jalali_year_start(-1))
        with pytest.raises(BusinessRuleError, match=f"Close fiscal year {older.name} first"):
            services.fiscal_year_close(tenant=t, actor=shop_a.owner, year=last)
        empty = services.fiscal_year_close(tenant=t, actor=shop_a.owner, year=older)
        assert (empty.net_income, empty.closing_entry_id) == (Decimal(0), None)
        assert services.fiscal_year_close(tenant=t, actor=shop_a.owner, year=last).status == "closed"


def test_fiscal_year_pages(shop_a) -> None:
    owner, manager = Client(), Client()
    owner.force_login(shop_a.owner)
    manager.force_login(shop_a.manager)
    url = reverse("accounting:fiscal-years")
    start = _jalali_year_start(-1)
    assert manager.get(url).status_code == 200
    assert manager.post(url, {"start": start.isoformat()}).status_code == 403
    bad = owner.post(url, {"start": (start + datetime.timedelta(days=300)).isoformat()})
    assert bad.status_code == 422 and "overlap" in bad.content.decode()
    assert owner.post(url, {"start": start.isoformat()}).status_code == 302
    with tenant_context(shop_a.tenant):
        year = FiscalYear.objects.get(start=start)
    close = reverse("accounting:fiscal-year-close", args=[year.pk])
    assert manager.post(close).status_code == 403
    page = owner.post(close, follow=True).content.decode()
    assert "is closed" in page
    with tenant_context(shop_a.tenant):
        year.refresh_from_db()
    assert year.status == "closed"
    stmt = owner.get(reverse("accounting:statements"), {"year": str(year.pk)})
    assert stmt.status_code == 200
    assert stmt.context["start"] == year.start and stmt.context["end"] == year.end
    # Default: the fiscal year holding today.
    assert owner.get(reverse("accounting:statements")).context["year"] == shop_a.extra["fiscal_year"]
