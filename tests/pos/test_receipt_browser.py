"""The receipt page in a real browser, in Persian and dark mode: right to left, the
QR code drawn, and the page prints at 80 mm (print media hides the app's chrome)."""

import pytest
from playwright.sync_api import Page, expect

from tenants.services import user_set_preferences

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]
PASSWORD = "pw-for-tests-1"


def test_receipt_page_in_persian_dark_and_print(page: Page, live_server, shop_a,
                                                screenshot_dir) -> None:
    s = shop_a
    user_set_preferences(user=s.manager, language="fa", theme="dark")
    page.set_viewport_size({"width": 900, "height": 1200})
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill(s.manager.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server.url}/pos/sales/{s.extra['sale'].pk}/receipt/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    receipt = page.locator("#receipt")
    expect(receipt.get_by_role("heading", level=1)).to_contain_text("فروش")
    expect(receipt.locator("svg")).to_be_visible()
    page.screenshot(path=screenshot_dir / "pos-receipt-fa-dark.png", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator("header").first).to_be_hidden()
    width = receipt.evaluate("el => el.getBoundingClientRect().width")
    assert 260 < width < 290  # 72 mm at 96 dpi = 272 px
    page.screenshot(path=screenshot_dir / "pos-receipt-fa-print.png", full_page=True)
