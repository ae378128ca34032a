"""The page shell in a real browser: language and theme switch through the UI and stick."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switch_to_persian_and_dark_and_both_survive_a_reload(
    page: Page, live_server, screenshot_dir
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("navigation").get_by_role("link", name="Dashboard")).to_have_attribute(
        "aria-current", "page"
    )
    page.screenshot(path=screenshot_dir / "home-en-light.png", full_page=True)

    page.get_by_role("group", name="Language").get_by_role("button", name="فارسی").click()
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "fa")
    expect(page.get_by_role("navigation").get_by_role("link", name="پیشخوان")).to_be_visible()
    # Persian text is set in Vazirmatn, and the layout mirrors: the brand sits on the right.
    heading = page.get_by_role("heading", level=1)
    assert "Vazirmatn" in heading.evaluate("el => getComputedStyle(el).fontFamily")
    assert page.evaluate("document.fonts.check('16px Vazirmatn', 'زرگر')")
    brand = page.get_by_role("banner").get_by_role("link", name="زرگر").bounding_box()
    assert brand is not None and brand["x"] > 1280 / 2

    toggle = page.get_by_role("button", name="پوسته تیره")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    with page.expect_response(re.compile(r"/preferences/theme/$")) as answer:
        toggle.click()
    expect(html).to_have_class(re.compile(r"\bdark\b"))
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert answer.value.status == 204

    page.reload()
    expect(html).to_have_class(re.compile(r"\bdark\b"))
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "fa")
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshot_dir / "home-fa-dark.png", full_page=True)

    assert (screenshot_dir / "home-en-light.png").stat().st_size > 0
    assert (screenshot_dir / "home-fa-dark.png").stat().st_size > 0


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(
    page: Page, live_server
) -> None:
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_flash_message_can_be_dismissed(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    # An unknown language through the no-JavaScript form path gives an error message.
    page.evaluate(
        """() => {
            const form = document.querySelector('form[action$="/preferences/language/"]');
            const input = Object.assign(document.createElement('input'),
                                        {type: 'hidden', name: 'language', value: 'xx'});
            form.append(input);
            form.submit();
        }"""
    )
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This language is not available.")
    alert.get_by_role("button", name="Dismiss").click()
    expect(alert).to_be_hidden()
