"""The sales and shifts pages in a real browser, in Persian and dark mode: typing a
customer's name swaps the results in place (and the address follows), a refused period
shows its message where the results were, and a shift opens its Z report."""

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
    expect(page.locator("#sale-results [role=alert]")).to_contain_text(
        "تاریخ آغاز پس از تاریخ پایان است")
    page.goto(f"{live_server.url}/pos/shifts/")
    expect(page.locator("#shift-results tbody tr")).to_have_count(2)
    page.locator("#shift-results tbody tr a").first.click()
    expect(page.locator("h1")).to_contain_text("شیفت تا این لحظه")  # the open one first
