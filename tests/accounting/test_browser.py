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
