"""The sales and shifts pages in a real browser, in Persian and dark mode: typing a
customer's name swaps the results in place (and the address follows), a refused period
shows its message where the results were, and a shift opens its Z report."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tenants.services import user_set_preferences
from tests.factories import item_make, pos_sale_make
from tests.pos.conftest import open_shift, receive

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]
PASSWORD = "pw-for-tests-1"


def test_sales_and_shifts_pages_in_persian_dark(page: Page, live_server, shop_a,
                                                screenshot_dir) -> None:
    s = shop_a
    customer = s.extra["customer"]
    piece = item_make(s)
    receive(s, piece, 1)
    bought = pos_sale_make(s, shift=open_shift(s), lines=[(piece, 1, Decimal(0))],
                           customer=customer)
    user_set_preferences(user=s.manager, language="fa", theme="dark")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill(s.manager.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server.url}/pos/sales/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    rows = page.locator("#sale-results tbody tr")
    expect(rows).to_have_count(2)  # the world's sale and this one
    page.locator("#sale-q").fill(customer.full_name.split()[0])
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(bought.display_number)
    expect(page).to_have_url(f"{live_server.url}/pos/sales/?q="
                             f"{customer.full_name.split()[0]}&start=&end=&branch=&terminal="
                             f"&status=")
    page.screenshot(path=screenshot_dir / "pos-sales-fa-dark.png", full_page=True)
    page.locator("#sale-q").fill("")
    page.locator("input[name=end]").fill("2026-01-01")
    page.locator("input[name=start]").fill("2026-02-01")
    page.locator("input[name=start]").press("Enter")  # a text input in Persian: no picker
    expect(page.locator("#sale-results [role=alert]")).to_contain_text(
        "تاریخ آغاز پس از تاریخ پایان است")
    page.goto(f"{live_server.url}/pos/shifts/")
    expect(page.locator("#shift-results tbody tr")).to_have_count(2)
    page.locator("#shift-results tbody tr a").first.click()
    expect(page.locator("h1")).to_contain_text("شیفت تا این لحظه")  # the open one first


def test_a_jalali_period_typed_on_the_sales_page_in_persian_dark(page: Page, live_server, shop_a,
                                                                 screenshot_dir) -> None:
    """A Persian owner types the period in Jalali with Persian digits; the results follow
    and the address carries what was typed (a bookmark reads it back)."""
    import datetime

    import jdatetime
    from django.utils import timezone

    from pos.models import Sale
    from tenants.context import tenant_context

    s = shop_a
    piece = item_make(s)
    receive(s, piece, 1)
    older = pos_sale_make(s, shift=open_shift(s), lines=[(piece, 1, Decimal(0))])
    with tenant_context(s.tenant):  # ten days ago; the world's sale is today's
        Sale.objects.filter(pk=older.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=10))
    today = timezone.localdate()

    def persian(day: datetime.date) -> str:
        text = jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d")
        return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))

    user_set_preferences(user=s.owner, language="fa", theme="dark")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill(s.owner.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server.url}/pos/sales/")
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    rows = page.locator("#sale-results tbody tr")
    expect(rows).to_have_count(2)
    start = page.locator("input[name=start]")
    expect(start).to_have_attribute("type", "text")
    expect(start).to_have_attribute("inputmode", "numeric")
    expect(start).to_have_attribute("placeholder", re.compile("سال"))
    start.press_sequentially(persian(today - datetime.timedelta(days=15)))
    page.locator("input[name=end]").press_sequentially(persian(today - datetime.timedelta(days=5)))
    page.locator("input[name=end]").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(older.display_number)
    expect(page).to_have_url(re.compile(r"[?&]start=%DB%B1%DB%B4"))  # ۱۴ as typed
    page.screenshot(path=screenshot_dir / "pos-sales-jalali-fa-dark.png", full_page=True)
    # Today alone, typed with Latin digits: the world's sale, not the older one.
    start.fill(jdatetime.date.fromgregorian(date=today).strftime("%Y/%m/%d"))
    page.locator("input[name=end]").fill("")
    page.locator("input[name=end]").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).not_to_contain_text(older.display_number)
    # An impossible day is refused in place, in Persian.
    start.fill("۱۴۰۴/۱۲/۳۰")
    start.press("Enter")
    expect(page.locator("#sale-results [role=alert]")).to_contain_text("روزی از تقویم شمسی نیست")
    # Reloaded from the address, the filter shows the Jalali date in Persian digits.
    page.goto(f"{live_server.url}/pos/sales/?start={(today - datetime.timedelta(days=15)).isoformat()}")
    expect(start).to_have_value(persian(today - datetime.timedelta(days=15)))
    expect(rows).to_have_count(2)
