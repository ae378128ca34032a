"""The header's notification badge in a real browser: HTMX loads the count after the
page, it sits at the header's end (left in Persian), in dark mode too, and reading the
notification clears it."""

import re

import pytest
from playwright.sync_api import Page, expect

from notifications.services import notification_create, notifications_mark_read

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]


def test_badge_shows_the_count_in_persian_dark_and_clears_when_read(
        page: Page, live_server, shop_a, screenshot_dir) -> None:
    user = shop_a.manager
    user.language, user.theme = "fa", "dark"
    user.save(update_fields=["language", "theme"])
    notifications_mark_read(tenant=shop_a.tenant, user=user)  # the world's own ones
    notification_create(tenant=shop_a.tenant, users=[user], title="Transfer T-7 waits for you",
                        url="/inventory/transfers/")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill("pw-for-tests-1")
    page.get_by_role("main").get_by_role("button", name=re.compile(r"^(Sign in|ورود)$")).click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))

    count = page.get_by_role("banner").locator("#notification-badge [data-unread]")
    expect(count).to_have_text("۱")  # loaded by HTMX after the page
    badge = page.locator("#notification-badge")
    expect(badge).to_have_attribute("aria-label", re.compile("۱"))
    box = badge.bounding_box()
    assert box is not None and box["x"] < 1280 / 2  # the header's end is on the left
    page.screenshot(path=screenshot_dir / "notification-badge-fa-dark.png")

    badge.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    page.get_by_role("button", name="خوانده شد").click()
    expect(page.locator("#notification-badge")).to_be_visible()
    expect(page.locator("#notification-badge [data-unread]")).to_have_count(0)
