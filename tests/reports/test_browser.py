"""The sales reports page in a real browser: the picker swaps the report in place
(HTMX), an export downloads, and the page works in Persian (RTL, Jalali) and dark."""

import io
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.reports.conftest import scenario_make
from tests.tenants.test_pages_browser import _sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]


def test_pick_a_report_export_it_and_read_it_in_persian(
        page: Page, live_server, shop_a, shop_b, screenshot_dir) -> None:
    from tenants.services import user_set_preferences

    scenario_make(shop_a)
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url, shop_a.owner.email)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Sales reports", exact=True).click()
    page.get_by_label("From", exact=True).fill("2026-01-10")
    page.get_by_label("To", exact=True).fill("2026-01-11")
    page.get_by_test_id("report-picker").select_option("branch")
    table = page.get_by_test_id("report-table")
    expect(page.get_by_test_id("report-title")).to_have_text("Sales by branch")
    expect(table).to_contain_text("Bazaar")
    expect(table.locator("tfoot")).to_contain_text("7,000.00")  # 2 rings + 2 necklaces
    expect(page).to_have_url(live_server.url + "/reports/?report=branch&start=2026-01-10"
                             "&end=2026-01-11&branch=")
    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX").click()
    sheet = load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).active
    assert sheet.cell(row=sheet.max_row, column=5).value == 4500  # net: 7000 - 2500
    page.screenshot(path=screenshot_dir / "reports-en.png", full_page=True)

    user_set_preferences(user=shop_a.owner, language="fa", theme="dark")
    page.goto(live_server.url + "/reports/?report=day&start=2026-01-10&end=2026-01-11")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_test_id("report-table")).to_contain_text("۱۴۰۴/۱۰/۲۰")
    page.screenshot(path=screenshot_dir / "reports-fa-dark.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    page.get_by_role("link", name="ایمیل گزارش‌ها").click()
    page.locator("select[name=report]").select_option("customers")
    page.locator("select[name=frequency]").select_option("monthly")
    page.locator("textarea[name=recipients]").fill("boss@example.com, partner@example.com")
    page.get_by_role("button", name="زمان‌بندی", exact=True).click()
    rows = page.get_by_test_id("schedules")
    expect(rows).to_contain_text("مشتریان برتر")
    expect(rows).to_contain_text("partner@example.com")
    page.screenshot(path=screenshot_dir / "reports-schedules-fa-dark.png", full_page=True)


def test_a_refused_period_shows_its_message_in_place_and_back_restores_the_page(
        page: Page, live_server, shop_a, screenshot_dir) -> None:
    """In Persian and dark: the htmx swap of a 422 (start after end) puts the message where
    the report was; going back and forward with htmx's history cache empty asks the server
    again (history restores), which must give the whole page, not the bare results, and
    for the refused address a status htmx shows (not 422)."""
    from tenants.services import user_set_preferences

    scenario_make(shop_a)
    user_set_preferences(user=shop_a.owner, language="fa", theme="dark")
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url, shop_a.owner.email)
    page.goto(live_server.url + "/reports/?report=day&start=2026-01-10&end=2026-01-11")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_class("dark")
    expect(page.get_by_test_id("report-table")).to_contain_text("۱۴۰۴/۱۰/۲۰")
    # No snapshots: every back is a cache miss, answered by the server.
    page.evaluate("htmx.config.historyCacheSize = 0; localStorage.removeItem('htmx-history-cache')")
    # In Persian the dates are text inputs (tenants.dates) showing the Jalali date, which
    # the form sends as shown; Enter commits what was typed.
    shown_start = quote("۱۴۰۴/۱۰/۲۰", safe="")
    page.locator("input[name=end]").fill("2026-01-10")  # an htmx swap that pushes the address
    page.locator("input[name=end]").press("Enter")
    expect(page).to_have_url(live_server.url + f"/reports/?report=day&start={shown_start}"
                             "&end=2026-01-10&branch=")
    page.locator("input[name=start]").fill("2026-02-01")  # after the end: refused (422)
    page.locator("input[name=start]").press("Enter")
    alert = page.locator("#report-results [role=alert]")
    expect(alert).to_contain_text("تاریخ آغاز پس از تاریخ پایان است.")
    expect(page.get_by_test_id("report-table")).to_have_count(0)
    expect(page.locator("#report-filters")).to_be_visible()  # swapped in place, page kept
    page.screenshot(path=screenshot_dir / "reports-refused-fa-dark.png", full_page=True)

    page.go_back()  # to the first swap's address, restored by the server
    expect(page).to_have_url(live_server.url + f"/reports/?report=day&start={shown_start}"
                             "&end=2026-01-10&branch=")
    expect(page.get_by_test_id("report-table")).to_contain_text("۱۴۰۴/۱۰/۲۰")
    expect(page.locator("aside").get_by_role("navigation", name="اصلی")).to_be_visible()
    expect(page.locator("#report-filters")).to_have_count(1)
    expect(page.locator("body > header")).to_have_count(1)
    page.go_forward()  # to the refused address: its whole page, message included
    expect(page).to_have_url(live_server.url + "/reports/?report=day&start=2026-02-01"
                             "&end=2026-01-10&branch=")
    expect(alert).to_contain_text("تاریخ آغاز پس از تاریخ پایان است.")
    expect(page.get_by_test_id("report-table")).to_have_count(0)
    expect(page.locator("aside").get_by_role("navigation", name="اصلی")).to_be_visible()
