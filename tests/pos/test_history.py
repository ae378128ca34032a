"""The sales and shifts pages (pos.views.history): filters, the cursor's pages over the
sales, totals of a period, branch scope and RLS."""

import csv
import datetime
import io
import re
from decimal import Decimal
from html import unescape

import jdatetime
import pytest
from django.urls import reverse
from django.utils import timezone

from crm import services as crm
from pos import selectors
from pos import services as pos
from pos.models import Sale
from pos.selectors import SaleFilter
from tenants.context import tenant_context
from tests.factories import item_make, pos_sale_make
from tests.pos.conftest import open_shift, receive
from tests.pos.test_views import client_for

D = Decimal
pytestmark = pytest.mark.django_db


def _sales(s, n: int, shift=None, customer=None, branch=None) -> list[Sale]:
    shift = shift or open_shift(s)
    made = []
    for _ in range(n):
        piece = item_make(s)
        receive(s, piece, 1, branch=branch or s.main)
        made.append(pos_sale_make(s, shift=shift, lines=[(piece, 1, D(0))], customer=customer))
    return made


def _detail(sale: Sale) -> str:
    return reverse("pos:sale-detail", kwargs={"sale_id": sale.pk})


def test_the_sales_page_lists_every_sale_newest_first_with_its_receipt(shop_a) -> None:
    s = shop_a
    made = _sales(s, 3)
    response = client_for(s.owner).get(reverse("pos:sale-list"))
    html = response.content.decode()
    assert response.status_code == 200
    positions = [html.index(_detail(sale)) for sale in [*made[::-1], s.extra["sale"]]]
    assert positions == sorted(positions), "not newest first"
    assert reverse("pos:sale-receipt", kwargs={"sale_id": made[0].pk}) in html
    assert made[0].display_number in html and s.main.name in html
    # The sale's page says where and by whom it was made.
    html = client_for(s.owner).get(_detail(made[0])).content.decode()
    where = html.split('id="sale-where">')[1].split("</p>")[0]
    assert s.main.name in where and (s.cashier.full_name or s.cashier.email) in where


def test_a_sale_is_found_by_its_number_or_its_customer(shop_a) -> None:
    s = shop_a
    customer = s.extra["customer"]
    shift = open_shift(s)
    plain, bought = _sales(s, 1, shift)[0], _sales(s, 1, shift, customer=customer)[0]
    c = client_for(s.manager)
    url = reverse("pos:sale-list")
    persian = str(plain.number).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    for q in (plain.display_number, str(plain.number), persian):
        html = c.get(url, {"q": q}).content.decode()
        assert _detail(plain) in html and _detail(bought) not in html, q
    html = c.get(url, {"q": customer.full_name.split()[0]}).content.decode()
    assert _detail(bought) in html and _detail(plain) not in html
    html = c.get(url, {"q": "S-999999"}).content.decode()
    assert "No sale matches these filters." in html and _detail(plain) not in html


def test_filters_by_period_terminal_and_status_and_totals_of_the_period(shop_a) -> None:
    s = shop_a
    made = _sales(s, 3)
    with tenant_context(s.tenant):  # one sale last month: outside today's period
        Sale.objects.filter(pk=made[0].pk).update(
            created_at=timezone.now() - datetime.timedelta(days=40))
        Sale.objects.filter(pk=made[1].pk).update(status=Sale.Status.RETURNED)
    today = timezone.localdate().isoformat()
    c = client_for(s.owner)
    url = reverse("pos:sale-list")
    html = c.get(url, {"start": today, "end": today}).content.decode()
    assert [_detail(x) in html for x in made] == [False, True, True]
    # The world's sale was made today too (its shift is the world's).
    expected = made[1].total + made[2].total + s.extra["sale"].total
    with tenant_context(s.tenant):
        sales = selectors.sale_list(user=s.owner, filters=SaleFilter(
            start=timezone.localdate(), end=timezone.localdate()))
        totals = selectors.sale_totals(sales=sales, filters=SaleFilter(
            start=timezone.localdate()))
    assert totals.count == 3
    assert [(t.currency, t.count, t.total) for t in totals.by_currency] == [("USD", 3, expected)]
    assert 'data-testid="sale-totals"' in html and "3 sales" in html
    html = c.get(url, {"status": "returned"}).content.decode()
    assert [_detail(x) in html for x in made] == [False, True, False]
    html = c.get(url, {"terminal": str(s.terminal.pk)}).content.decode()
    assert all(_detail(x) in html for x in made)
    # No totals without a period, nor for one longer than the limit.
    assert 'data-testid="sale-totals"' not in c.get(url).content.decode()
    long_ago = (timezone.localdate() - datetime.timedelta(days=200)).isoformat()
    html = c.get(url, {"start": long_ago}).content.decode()
    assert 'data-testid="sale-totals"' not in html and "Totals are shown for periods" in html


def _jalali(day: datetime.date, digits: str = "0123456789") -> str:
    text = jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")
    return text.translate(str.maketrans("0123456789", digits))


def test_in_persian_a_jalali_period_filters_the_sales_a_gregorian_one_does(shop_a) -> None:
    s = shop_a
    made = _sales(s, 3)
    today = timezone.localdate()
    with tenant_context(s.tenant):  # 40 days ago, 10 days ago, today
        for sale, days in zip(made[:2], (40, 10), strict=True):
            Sale.objects.filter(pk=sale.pk).update(
                created_at=timezone.now() - datetime.timedelta(days=days))
    s.owner.language = "fa"
    s.owner.save(update_fields=["language"])
    c = client_for(s.owner)
    url = reverse("pos:sale-list")
    start, end = today - datetime.timedelta(days=15), today - datetime.timedelta(days=5)
    iso = c.get(url, {"start": start.isoformat(), "end": end.isoformat()})
    assert iso.status_code == 200
    assert [_detail(x) in iso.content.decode() for x in made] == [False, True, False]
    for typed in ({"start": _jalali(start), "end": _jalali(end)},
                  {"start": _jalali(start, "۰۱۲۳۴۵۶۷۸۹"), "end": _jalali(end, "٠١٢٣٤٥٦٧٨٩")},
                  {"start": _jalali(start).replace("/", "-"), "end": end.isoformat()}):
        response = c.get(url, typed)
        html = response.content.decode()
        assert response.status_code == 200, typed
        assert [_detail(x) in html for x in made] == [False, True, False], typed
        # The filter shows the period in the shop's calendar, in Persian digits.
        shown = _jalali(start, "۰۱۲۳۴۵۶۷۸۹")
        assert f'name="start" value="{shown}"' in html and 'inputmode="numeric"' in html
    # The world's sale and the last one are today's, as an ISO or a Jalali day.
    html = c.get(url, {"start": _jalali(today), "end": _jalali(today)}).content.decode()
    assert [_detail(x) in html for x in made] == [False, False, True]
    assert _detail(s.extra["sale"]) in html


@pytest.mark.parametrize(("params", "message"), [
    ({"start": "2026-12-07", "end": "2026-12-01"}, "The start date is after the end date."),
    ({"end": "9999-12-31"}, "Choose a date between 1900-01-01 and 2999-12-31."),
    ({"start": "1066-10-14"}, "Choose a date between 1900-01-01 and 2999-12-31."),
    ({"start": "yesterday"}, "Enter a valid date, e.g."),
    ({"start": "1405/13/01"}, "1405/13/01 is not a day of the Jalali calendar."),
    ({"end": "1404/12/30"}, "1404/12/30 is not a day of the Jalali calendar."),
    ({"start": "1278/10/10"}, "Choose a date between 1900-01-01 and 2999-12-31."),  # 1899-12-31
    ({"terminal": "not-an-id"}, "is not a valid UUID."),
])
def test_bad_filters_are_refused_with_a_message_even_in_place(shop_a, params, message) -> None:
    """As a page and as the htmx swap of the results (the page lets 422s swap)."""
    c = client_for(shop_a.owner)
    url = reverse("pos:sale-list")
    response = c.get(url, params)
    assert response.status_code == 422 and message in response.content.decode()
    response = c.get(url, params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="sale-results")
    html = response.content.decode()
    assert response.status_code == 422 and message in html
    assert html.lstrip().startswith('<div id="sale-results"')
    page = c.get(url).content.decode()
    assert '{"code":"422","swap":true,"error":false}' in page


def test_a_date_out_of_range_is_named_in_the_shops_calendar(shop_a) -> None:
    shop_a.owner.language = "fa"
    shop_a.owner.save(update_fields=["language"])
    c = client_for(shop_a.owner)
    response = c.get(reverse("pos:sale-list"), {"start": "1278/10/10"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "۱۲۷۸/۱۰/۱۱" in html and "۲۳۷۸/۱۰/۱۰" in html and "1900" not in html


def test_totals_of_two_currencies_are_never_added(shop_a) -> None:
    """A shop that changed its currency: one line per currency."""
    s = shop_a
    made = _sales(s, 2)
    with tenant_context(s.tenant):
        Sale.objects.filter(pk=made[0].pk).update(currency="IRR")
    today = timezone.localdate().isoformat()
    response = client_for(s.owner).get(reverse("pos:sale-list"), {"start": today})
    totals = response.context["totals"]
    assert sorted((t.currency, t.count) for t in totals.by_currency) == [("IRR", 1), ("USD", 2)]
    assert totals.count == 3
    # A start after today has no period to sum.
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client_for(s.owner).get(reverse("pos:sale-list"), {"start": tomorrow})
    assert response.status_code == 200 and response.context["totals"] is None


def test_the_cursor_walks_every_sale_once_each_way_even_on_a_tie(shop_a, monkeypatch) -> None:
    s = shop_a
    made = _sales(s, 6)
    with tenant_context(s.tenant):
        same = made[2].created_at  # three sales at the same instant: the id breaks the tie
        Sale.objects.filter(pk__in=[made[3].pk, made[4].pk]).update(created_at=same)
        sales = selectors.sale_list(user=s.owner)
        expected = [x.pk for x in sales]
        assert len(expected) == 7  # the six and the world's sale
        pages, page = [], selectors.sale_page(sales, size=2)
        while True:
            pages.append([x.pk for x in page.sales])
            if page.older is None:
                break
            page = selectors.sale_page(sales, older_than=page.older, size=2)
        assert [pk for p in pages for pk in p] == expected
        assert [len(p) for p in pages] == [2, 2, 2, 1]
        back = []
        while page.newer is not None:
            page = selectors.sale_page(sales, newer_than=page.newer, size=2)
            back.append([x.pk for x in page.sales])
        assert back == pages[-2::-1]
        # A cursor that does not parse gives the first page.
        assert [x.pk for x in selectors.sale_page(sales, older_than="nonsense~x",
                                                  size=2).sales] == pages[0]
    # Through the page, with pages of two: follow Older to the end, then Newer back.
    c = client_for(s.owner)
    html = c.get(reverse("pos:sale-list")).content.decode()
    assert "Older" not in html  # seven sales fit one page of fifty
    monkeypatch.setattr(selectors, "SALE_PAGE_SIZE", 2)
    url = reverse("pos:sale-list")
    seen, href = [], "?q="
    link = re.compile(r'<a class="btn-ghost" rel="(prev|next)" href="([^"]+)"')
    while href:
        html = c.get(url + unescape(href)).content.decode()
        seen.append([pk for pk in expected if _detail_pk(pk) in html])
        href = next((u for rel, u in link.findall(html) if rel == "next"), None)
    assert seen == pages
    href = next(u for rel, u in link.findall(html) if rel == "prev")
    html = c.get(url + unescape(href)).content.decode()
    assert [pk for pk in expected if _detail_pk(pk) in html] == pages[-2]
    assert "q=" in href  # the filters are kept


def _detail_pk(pk) -> str:
    return reverse("pos:sale-detail", kwargs={"sale_id": pk})


def test_a_branch_bound_cashier_lists_their_branchs_sales_and_shifts(shop_a, bazaar) -> None:
    s = shop_a
    with tenant_context(s.tenant):
        bazaar_shift = pos.shift_open(tenant=s.tenant, actor=bazaar.cashier,
                                      terminal=bazaar.terminal, opening_float=D("50.00"))
    piece = item_make(s)
    receive(s, piece, 1, branch=s.branch)
    here = pos_sale_make(s, shift=bazaar_shift, lines=[(piece, 1, D(0))], actor=bazaar.cashier)
    main_sale = s.extra["sale"]
    c = client_for(bazaar.cashier)
    html = c.get(reverse("pos:sale-list")).content.decode()
    assert _detail(here) in html and _detail(main_sale) not in html
    # Another branch named in the query changes nothing: the branch filter is not offered.
    html = c.get(reverse("pos:sale-list"), {"branch": str(s.main.pk)}).content.decode()
    assert _detail(main_sale) not in html
    report = reverse("pos:shift-report", kwargs={"shift_id": bazaar_shift.pk})
    world = reverse("pos:shift-report", kwargs={"shift_id": s.extra["shift"].pk})
    html = c.get(reverse("pos:shift-list")).content.decode()
    assert report in html and world not in html
    for user in (s.owner, s.manager, s.cashier):
        html = client_for(user).get(reverse("pos:sale-list")).content.decode()
        assert _detail(here) in html and _detail(main_sale) in html, user.email
        html = client_for(user).get(reverse("pos:shift-list")).content.decode()
        assert report in html and world in html, user.email


def test_another_shops_owner_sees_none_of_its_sales_or_shifts(shop_a, shop_b) -> None:
    made = _sales(shop_a, 1)[0]
    c = client_for(shop_b.owner)
    html = c.get(reverse("pos:sale-list")).content.decode()
    assert _detail(made) not in html and _detail(shop_a.extra["sale"]) not in html
    assert _detail(shop_b.extra["sale"]) in html
    html = c.get(reverse("pos:shift-list")).content.decode()
    assert str(shop_a.extra["shift"].pk) not in html and str(shop_b.extra["shift"].pk) in html
    # Nor by naming shop_a's terminal: it is not a choice in shop_b.
    response = c.get(reverse("pos:sale-list"), {"terminal": str(shop_a.terminal.pk)})
    assert response.status_code == 422 and _detail(made) not in response.content.decode()


def test_the_shifts_page_says_over_and_short_and_filters_open_ones(shop_a) -> None:
    s = shop_a
    with tenant_context(s.tenant):
        short = pos.shift_close(tenant=s.tenant, actor=s.cashier, shift=open_shift(s),
                                counted_cash=D("150.00"))
    still_open = open_shift(s)
    c = client_for(s.owner)
    url = reverse("pos:shift-list")
    html = c.get(url).content.decode()
    assert short.over_short == D("-50.00")
    assert 'data-over-short="short"' in html and "Short $50.00" in html
    assert reverse("pos:shift-report", kwargs={"shift_id": still_open.pk}) in html
    html = c.get(url, {"state": "open"}).content.decode()
    assert str(still_open.pk) in html and str(short.pk) not in html
    html = c.get(url, {"state": "closed"}).content.decode()
    assert str(still_open.pk) not in html and str(short.pk) in html


def test_a_filter_change_swaps_only_the_results_a_history_restore_gets_the_page(
        shop_a, django_assert_max_num_queries) -> None:
    c = client_for(shop_a.owner)
    for url, target in ((reverse("pos:sale-list"), "sale-results"),
                        (reverse("pos:shift-list"), "shift-results")):
        response = c.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target)
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith(f'<div id="{target}"') and "<html" not in html
        # htmx restores an uncached history entry with an htmx request: the whole page.
        response = c.get(url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
        assert "<html" in response.content.decode()
    # The page's statements do not grow with its rows (related rows are prefetched).
    _sales(shop_a, 4)
    with django_assert_max_num_queries(18):
        assert c.get(reverse("pos:sale-list")).status_code == 200
    with django_assert_max_num_queries(16):
        assert c.get(reverse("pos:shift-list")).status_code == 200


def test_managers_export_a_periods_sales_as_csv(shop_a, bazaar) -> None:
    """One row a sale with what paid it; a period is required; cashiers may not export."""
    s = shop_a
    made = _sales(s, 2)
    today = timezone.localdate().isoformat()
    url = reverse("pos:sale-export")
    response = client_for(s.manager).get(url, {"start": today, "terminal": str(s.terminal.pk)})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="sales-')
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Number", "Date", "Branch"] and rows[0][-1] == "Paid with"
    numbers = [row[0] for row in rows[1:]]
    assert numbers == [made[1].display_number, made[0].display_number,
                       s.extra["sale"].display_number]
    first = rows[1]
    assert first[2] == s.main.name and first[7] == "USD" and first[12] == str(made[1].total)
    assert first[13] == f"Cash {made[1].total}"
    # A page of the sales shows the link with the same filters.
    html = client_for(s.manager).get(reverse("pos:sale-list"), {"start": today}).content.decode()
    assert f'href="{url}?start={today}' in html
    # No period, or one too long: refused with the reason, no file.
    for params in ({}, {"start": "2020-01-01"}):
        response = client_for(s.owner).get(url, params)
        assert response.status_code == 422
        assert "Choose a period of up to 92 days to export." in response.content.decode()
    # Cashiers see the sales page but may not export (and see no link).
    assert client_for(bazaar.cashier).get(url, {"start": today}).status_code == 403
    html = client_for(s.cashier).get(reverse("pos:sale-list"), {"start": today}).content.decode()
    assert 'id="sale-export"' not in html


def test_a_formula_looking_customer_name_is_written_as_text(shop_a) -> None:
    s = shop_a
    with tenant_context(s.tenant):
        sly = crm.customer_create(tenant=s.tenant, actor=s.owner, first_name="=HYPERLINK(1)",
                                  last_name="Sly", phone="+15550001234")
    sale = _sales(s, 1, customer=sly)[0]
    today = timezone.localdate().isoformat()
    body = client_for(s.owner).get(reverse("pos:sale-export"), {"start": today}).content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))
    row = next(r for r in rows if r[0] == sale.display_number)
    assert row[5] == "'=HYPERLINK(1) Sly"


def test_the_csv_writes_amounts_with_the_currencys_decimals_and_names_the_period(
        shop_a) -> None:
    """QA 20: Rial amounts without ".00" (dollars keep their cents), ASCII digits for
    spreadsheets, and the file named after the period asked for, its end included."""
    from tenants.models import Tenant

    s = shop_a
    shift = open_shift(s)
    dollars = _sales(s, 1, shift=shift)[0]
    Tenant.objects.filter(pk=s.tenant.pk).update(currency="IRR")
    s.tenant.refresh_from_db()
    piece = item_make(s, price_mode="fixed", fixed_price=D("213480000"))
    receive(s, piece, 1)
    rials = pos_sale_make(s, shift=shift, lines=[(piece, 1, D(0))])
    today = timezone.localdate()
    end = today + datetime.timedelta(days=1)
    response = client_for(s.owner).get(reverse("pos:sale-export"),
                                       {"start": today.isoformat(), "end": end.isoformat()})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="sales-{today.isoformat()}-{end.isoformat()}.csv"')
    rows = {row[0]: row for row in csv.reader(io.StringIO(
        response.content.decode("utf-8").lstrip("\ufeff")))}
    row = rows[rials.display_number]
    assert row[7] == "IRR" and row[12] == "213480000" and row[13] == "Cash 213480000"
    assert all(".00" not in cell for cell in row[8:14])
    row = rows[dollars.display_number]
    assert row[7] == "USD" and row[12] == f"{dollars.total:.2f}" and "." in row[12]
