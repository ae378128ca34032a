"""Acceptance 5, in a real browser with a real Celery worker: a manager sells a ring at
the register; the worker posts it; the journal shows the sale's entry and the owner's
dashboard shows today's sales including it."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounting.tasks import pending_post_task
from pos.models import Sale
from tenants.context import tenant_context
from tests.pos.conftest import serial_piece

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]
PASSWORD = "pw-for-tests-1"


def test_sale_at_the_register_shows_in_the_journal_and_on_the_dashboard(
        page: Page, live_server, shop_a, celery_worker_running, screenshot_dir) -> None:
    s = shop_a
    ring = serial_piece(s, name="Journal ring")
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(base + "/accounts/login/")
    page.locator("input[name=login]").fill(s.manager.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.goto(base + "/pos/")
    page.get_by_label("Terminal").select_option(str(s.terminal.pk))
    page.get_by_label("Cash in the drawer (float)").fill("100")
    page.get_by_role("button", name="Open the shift").click()
    scanner = page.get_by_label("Scan or type a barcode or SKU")
    scanner.fill(ring.barcode)
    scanner.press("Enter")
    expect(page.locator("#cart")).to_contain_text(ring.sku)
    page.locator("#payment").get_by_label("Cash received").fill(str(ring.selling_price))
    page.locator("#payment").get_by_role("button", name="Complete the sale").click()
    expect(page).to_have_url(re.compile(r"/pos/sales/[0-9a-f-]{36}/"))
    with tenant_context(s.tenant):
        sale = Sale.objects.get(lines__item=ring)

    # What the beat schedule does every minute, for this shop, through the worker.
    assert pending_post_task.delay_for(s.tenant).get(timeout=60) >= 1

    page.goto(base + "/accounting/journal/")
    expect(page.locator("main")).to_contain_text(f"Sale {sale.display_number}")
    page.screenshot(path=screenshot_dir / "accounting-journal-en.png", full_page=True)
    page.goto(base + "/")
    widget = page.locator("#widget-sales-today")
    world_total = s.extra["sale"].total  # the world's sale, posted today too
    expect(widget).to_contain_text(f"{sale.total + world_total:,.2f}".replace(",", ""))
    page.screenshot(path=screenshot_dir / "accounting-dashboard-en.png", full_page=True)


def test_owner_adds_and_closes_a_fiscal_year_then_exports_in_persian_dark(
        page: Page, live_server, shop_a, screenshot_dir) -> None:
    """The owner adds last Jalali year, closes it, sees its statements; then the same in
    Persian and dark, with the dashboard's widgets, and downloads the balance sheet."""
    import datetime

    import jdatetime
    from django.utils import timezone

    from accounting.models import FiscalYear
    from tenants.services import user_set_preferences

    s = shop_a
    this = jdatetime.date.fromgregorian(date=timezone.localdate()).year
    start = jdatetime.date(this - 1, 1, 1).togregorian()
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(base + "/accounts/login/")
    page.locator("input[name=login]").fill(s.owner.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.goto(base + "/accounting/fiscal-years/")
    page.get_by_label("First day").fill(start.isoformat())
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#fiscal-year-list")).to_contain_text(str(this - 1))
    page.locator("#fiscal-year-list").get_by_role("button", name="Close the year").click()
    expect(page.locator("main")).to_contain_text("went to retained earnings")
    with tenant_context(s.tenant):
        year = FiscalYear.objects.get(start=start)
    assert year.status == "closed" and year.end == jdatetime.date(this, 1, 1).togregorian() \
        - datetime.timedelta(days=1)
    page.screenshot(path=screenshot_dir / "accounting-fiscal-years-en.png", full_page=True)

    user_set_preferences(user=s.owner, language="fa", theme="dark")
    page.goto(base + f"/accounting/statements/?year={year.pk}")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_class(re.compile(r"\bdark\b"))
    expect(page.locator("main")).to_contain_text("ترازنامه")
    page.screenshot(path=screenshot_dir / "accounting-statements-fa-dark.png", full_page=True)
    with page.expect_download() as download:
        page.locator("#balance-sheet").get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename.startswith("balance-sheet-")
    page.goto(base + "/accounting/fiscal-years/")
    expect(page.locator("#fiscal-year-list")).to_contain_text("بسته")
    page.screenshot(path=screenshot_dir / "accounting-fiscal-years-fa-dark.png", full_page=True)
    page.goto(base + "/")
    expect(page.locator("#widget-branch-comparison")).to_be_visible()
    expect(page.locator("#widget-inventory-value")).to_be_visible()
    expect(page.locator("#widget-low-stock")).to_be_visible()
    page.screenshot(path=screenshot_dir / "dashboard-fa-dark.png", full_page=True)
