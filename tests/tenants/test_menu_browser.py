"""The grouped menu in a real browser: a sidebar on a wide screen, a menu panel behind
a button on a phone (RTL and dark included)."""

import pytest
from playwright.sync_api import Page, expect

from .test_pages_browser import _sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]


def test_sidebar_on_a_wide_screen_and_a_menu_panel_on_a_phone(
    page: Page, live_server, shop_a, screenshot_dir
) -> None:
    from tenants.services import user_set_preferences

    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url, shop_a.owner.email)
    expect(page).to_have_url(live_server.url + "/")
    nav = page.get_by_role("navigation", name="Main")
    # Every entry of the owner's menu is on screen, none clipped by the header.
    for name in ("Register", "Stock", "Customers", "Repairs", "Journal", "Staff"):
        link = nav.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    nav.get_by_role("link", name="Customers", exact=True).click()
    expect(nav.get_by_role("link", name="Customers", exact=True)).to_have_attribute(
        "aria-current", "page")

    user_set_preferences(user=shop_a.owner, language="fa", theme="dark")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("navigation", name="اصلی")).to_be_hidden()
    menu = page.get_by_role("button", name="منو")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    panel = page.get_by_role("navigation", name="اصلی")
    expect(panel.get_by_text("کارگاه")).to_be_visible()
    page.screenshot(path=screenshot_dir / "menu-fa-dark-mobile.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    panel.get_by_role("link", name="موجودی", exact=True).click()
    expect(page).to_have_url(live_server.url + "/inventory/")
    expect(page.get_by_role("navigation", name="اصلی")).to_be_hidden()
