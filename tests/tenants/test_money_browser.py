"""Money in a real browser: a Rial shop's register cart in English, then in Persian
(RTL, dark mode) and on a phone; screenshots in .data/screenshots/ to look at."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tenants.services import user_set_preferences
from tests.factories import shop
from tests.pos.conftest import lot, register_open

from .test_pages_browser import _sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]
PASSWORD = "pw-for-tests-1"
D = Decimal


def test_rial_cart_in_english_and_in_persian_dark(page: Page, live_server,
                                                  screenshot_dir) -> None:
    s = shop("Zarin", currency="IRR")
    piece = lot(s, 3, name="Gold bangle", price_mode="fixed", fixed_price=D("1234567"))
    page.set_viewport_size({"width": 1280, "height": 900})
    register_open(page, live_server.url, s, PASSWORD)
    scanner = page.get_by_label("Scan or type a barcode or SKU")
    scanner.fill(piece.sku)
    scanner.press("Enter")
    expect(page.locator("#cart-total")).to_have_text("1,234,567")
    expect(page.locator("#cart")).to_contain_text("IRR")
    expect(page.get_by_label("Cash received")).to_have_attribute("inputmode", "decimal")

    user_set_preferences(user=s.manager, language="fa", theme="dark")
    page.goto(live_server.url + "/pos/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#cart-total")).to_have_text("۱٬۲۳۴٬۵۶۷")
    expect(page.locator("#cart")).to_contain_text("ریال")
    expect(page.locator("#cart")).not_to_contain_text("٫۰۰")
    # Typed on a Persian keyboard (a number input would drop these digits): change 65,433.
    page.get_by_label("نقد دریافتی").press_sequentially("۱۳۰۰۰۰۰")
    expect(page.locator("#change-due")).to_have_text("۶۵٬۴۳۳")
    page.screenshot(path=screenshot_dir / "money-register-fa-dark.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + f"/inventory/{piece.pk}/")
    expect(page.get_by_test_id("price")).to_have_text("۱٬۲۳۴٬۵۶۷\u00a0ریال")
    page.screenshot(path=screenshot_dir / "money-item-fa-dark-mobile.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_dashboard_chart_on_a_phone_in_persian_dark(page: Page, live_server,
                                                   screenshot_dir) -> None:
    """The 30-day chart keeps few, horizontal day labels on a phone."""
    s = shop("Zarin", currency="IRR")
    user_set_preferences(user=s.owner, language="fa", theme="dark")
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server.url, s.owner.email)
    page.goto(live_server.url + "/")
    canvas = page.locator("#sales-30d")
    expect(canvas).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('sales-30d')")
    ticks = page.evaluate("() => Chart.getChart('sales-30d').scales.x.ticks.length")
    assert 1 <= ticks <= 4, ticks
    expect(page.locator("#widget-sales-today")).to_contain_text("ریال")
    page.locator("#widget-sales-30d").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "money-dashboard-fa-dark-mobile.png", full_page=True)


def test_number_inputs_take_a_persian_keyboard(page: Page, live_server) -> None:
    """A type=number input drops ۰-۹: the shell (static/js/shell.js) turns the page's
    number inputs into text inputs with a numeric keyboard, and what is typed into
    ASCII digits, so the dead-stock report's days typed in Persian filter the report."""
    s = shop("Zarin", currency="IRR")
    user_set_preferences(user=s.owner, language="fa", theme="dark")
    _sign_in(page, live_server.url, s.owner.email)
    page.goto(live_server.url + "/inventory/reports/dead-stock/")
    days = page.locator("#report-days")
    expect(days).to_have_attribute("type", "text")
    expect(days).to_have_attribute("inputmode", "numeric")
    days.fill("")
    days.press_sequentially("۹۰")
    expect(days).to_have_value("90")
    expect(page).to_have_url(re.compile(r"days=90"))
