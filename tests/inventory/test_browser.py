"""Acceptance 7 in a real browser: the owner adds an item, sees its price, opens its label
PDF, adjusts stock and finds the movement in the history; then Persian + dark."""

import re

import pytest
from playwright.sync_api import Page, expect

from tenants.services import user_set_preferences

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]


def test_owner_creates_prices_labels_and_adjusts_an_item(
    page: Page, live_server, shop_a, shop_b, screenshot_dir
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill(shop_a.owner.email)
    page.locator("input[name=password]").fill("pw-for-tests-1")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/")

    page.get_by_role("navigation").get_by_role("link", name="Stock", exact=True).click()
    expect(page.locator("#item-results")).to_contain_text("RING-1")
    page.get_by_role("link", name="Add an item").click()
    page.locator("#id_sku").fill("BR-100")
    page.locator("#id_name").fill("Bangle 18K")
    page.locator("#id_karat").select_option("18")
    page.locator("#id_gross_weight").fill("12.500")
    page.locator("#id_net_weight").fill("12.000")
    page.locator("#id_making_charge_mode").select_option("per_gram")
    page.locator("#id_making_charge_value").fill("8")
    page.locator("#id_tracking").select_option("lot")
    page.get_by_role("button", name="Save").click()

    # 12 g x 65 = 780, making 96, markup 5% 43.80, tax 9% x 96 x 1.05 = 9.07
    expect(page.get_by_role("heading", level=1)).to_have_text("Bangle 18K")
    expect(page.get_by_test_id("price")).to_contain_text("928.87")

    label_url = page.get_by_role("link", name="Print label").get_attribute("href")
    response = page.request.get(live_server.url + label_url)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    page.get_by_role("link", name="Adjust stock").click()
    page.locator("#id_quantity").fill("3")
    page.locator("#id_reason").fill("Opening count")
    page.get_by_role("button", name="Save").click()
    history = page.locator("#movements")
    expect(history).to_contain_text("Adjustment")
    expect(history).to_contain_text("Opening count")
    expect(history).to_contain_text("+3")

    # Persian and dark: the same page, right to left, Persian digits.
    user_set_preferences(user=shop_a.owner, language="fa", theme="dark")
    page.reload()
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_class(re.compile(r"\bdark\b"))
    expect(page.get_by_test_id("price")).to_contain_text("۹۲۸")
    page.screenshot(path=screenshot_dir / "inventory-fa-dark.png", full_page=True)
