"""Acceptance 7 in a real browser: create a customer, issue a gift card and store
credit, see the balances; then the profile in Persian and dark."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]

PASSWORD = "pw-for-tests-1"


def _sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=re.compile(r"^(Sign in|ورود)$")).click()


def test_customer_gift_card_and_balances(page: Page, live_server, shop_a, shop_b,
                                         screenshot_dir) -> None:
    from tenants.services import user_set_preferences

    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url, shop_a.manager.email)
    expect(page).to_have_url(live_server.url + "/")

    page.get_by_role("navigation").get_by_role("link", name="Customers").click()
    expect(page).to_have_url(live_server.url + "/customers/")
    results = page.locator("#customer-results")
    expect(results).to_contain_text("Karimi")

    # Search narrows the list in place (HTMX).
    page.get_by_role("searchbox").fill("ahmadi")
    expect(results).not_to_contain_text("Karimi")
    expect(results).to_contain_text("Ahmadi")

    # A new customer; a second one with the same phone is reported with a link.
    page.get_by_role("link", name="Add a customer").click()
    page.get_by_label("First name").fill("Nima")
    page.get_by_label("Last name").fill("Sadeghi")
    page.get_by_label("Phone").fill("۰۹۱۲ ۳۳۳ ۴۴۴۴")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nima Sadeghi")
    profile_url = page.url

    page.goto(live_server.url + "/customers/new/")
    page.get_by_label("Last name").fill("Someone")
    page.get_by_label("Phone").fill("09123334444")
    page.get_by_role("button", name="Save").click()
    warning = page.locator("#duplicate-warning")
    expect(warning).to_contain_text("Nima Sadeghi")
    expect(page.get_by_label("Last name")).to_have_value("Someone")
    warning.get_by_role("link", name=re.compile("Nima Sadeghi")).click()
    expect(page).to_have_url(profile_url)

    # A gift card for this customer, then its balance.
    page.get_by_role("link", name="Issue a gift card").click()
    page.get_by_label("Amount").fill("250")
    page.get_by_role("button", name="Issue").click()
    expect(page.locator("#gift-card-balance")).to_contain_text("250.00")
    code = page.locator("h1 bdi").inner_text()

    # Store credit, then the profile shows both balances.
    page.goto(profile_url)
    page.get_by_role("link", name="Store credit").click()
    page.get_by_label("Amount").fill("30")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(profile_url)
    expect(page.locator("#balance-store-credit")).to_contain_text("30.00")
    expect(page.get_by_role("main")).to_contain_text(code)
    expect(page.get_by_role("main")).to_contain_text("250.00")

    # Balance check by code, as typed from the card.
    page.goto(live_server.url + "/customers/gift-cards/check/")
    page.get_by_label("Gift card code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Check balance").click()
    expect(page.locator("#gift-card-balance")).to_contain_text("250.00")

    # Persian, dark: the same profile, right to left, Persian digits.
    user_set_preferences(user=shop_a.manager, language="fa", theme="dark")
    page.goto(profile_url)
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_class(re.compile(r"\bdark\b"))
    expect(page.locator("#balance-store-credit")).to_contain_text("۳۰٫۰۰")
    page.screenshot(path=screenshot_dir / "crm-fa-dark.png", full_page=True)
    page.goto(live_server.url + "/customers/")
    page.screenshot(path=screenshot_dir / "crm-list-fa-dark.png", full_page=True)
