"""The sales reports page in a real browser: the picker swaps the report in place
(HTMX), an export downloads, and the page works in Persian (RTL, Jalali) and dark."""

import io

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
