"""The staff pages in a real browser: sign in, search (HTMX), a rejected form, Persian + dark.

Screenshots land in .data/screenshots for a person to look at.
"""

import base64
import re

import pytest
from django_otp.oath import totp
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


def test_login_page_in_english_light(page: Page, live_server, screenshot_dir) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/accounts/login/")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "ltr")
    expect(html).not_to_have_class(re.compile(r"\bdark\b"))
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    # Anonymous visitors get a sign-in link in the header, and no sign-out button.
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Sign in")).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_have_count(0)
    # The primary button is gold, not the browser's default grey.
    background = (
        page.get_by_role("main")
        .get_by_role("button", name="Sign in")
        .evaluate("el => getComputedStyle(el).backgroundColor")
    )
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(239, 239, 239)"), background
    page.screenshot(path=screenshot_dir / "login-en-light.png", full_page=True)


def test_wrong_password_shows_an_error_and_keeps_the_email(page: Page, live_server, shop_a) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=login]").fill(shop_a.owner.email)
    page.locator("input[name=password]").fill("not-the-password")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.locator(".alert-error")).to_be_visible()
    expect(page.locator("input[name=login]")).to_have_value(shop_a.owner.email)


def test_owner_manages_staff_in_english_then_persian_dark(
    page: Page, live_server, shop_a, shop_b, screenshot_dir
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url, shop_a.owner.email)

    # The dashboard, with the owner's name and a sign-out button in the header.
    expect(page).to_have_url(live_server.url + "/")
    header = page.get_by_role("banner")
    expect(header).to_contain_text(shop_a.owner.get_short_name())
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(header.get_by_role("link", name="Administration")).to_have_count(0)

    # Staff: this shop's people, none of shop B's.
    page.get_by_role("navigation").get_by_role("link", name="Staff").click()
    expect(page).to_have_url(live_server.url + "/staff/")
    results = page.locator("#staff-results")
    expect(results).to_contain_text(shop_a.cashier.full_name)
    expect(results).to_contain_text(shop_a.manager.full_name)
    expect(results).not_to_contain_text(shop_b.cashier.full_name)

    # Typing in the search box narrows the list without a page load (HTMX).
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(
        lambda r: "/staff/?" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.get_by_role("searchbox", name="Search").fill("cashier")
    expect(results).to_contain_text(shop_a.cashier.full_name)
    expect(results).not_to_contain_text(shop_a.manager.full_name)
    assert page.evaluate("window.__sameDocument") is True
    expect(page).to_have_url(re.compile(r"/staff/\?.*q=cashier"))

    page.get_by_role("searchbox", name="Search").fill("nobody-has-this-name")
    expect(results).to_contain_text("Nobody matches these filters.")
    page.get_by_role("searchbox", name="Search").fill("")
    expect(results).to_contain_text(shop_a.manager.full_name)

    # The invitation form: an empty submit comes back with field errors (422), input kept.
    page.get_by_role("link", name="Invite a person").click()
    expect(page.get_by_role("heading", level=1, name="Invite a person")).to_be_visible()
    page.get_by_label("Phone").fill("0912 000 0000")
    with page.expect_response(re.compile(r"/staff/invite/$")) as answer:
        page.get_by_role("button", name="Send invitation").click()
    assert answer.value.status == 422
    expect(page.locator(".field-error").first).to_be_visible()
    expect(page.locator(".field-invalid")).to_have_count(2)  # email and full name
    expect(page.get_by_label("Phone")).to_have_value("0912 000 0000")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")

    # Persian and dark through the header; both stick on the next page.
    page.get_by_role("link", name="Staff").first.click()
    page.get_by_role("group", name="Language").get_by_role("button", name="فارسی").click()
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "fa")
    with page.expect_response(re.compile(r"/preferences/theme/$")):
        page.get_by_role("button", name="پوسته تیره").click()
    expect(html).to_have_class(re.compile(r"\bdark\b"))
    page.reload()
    expect(html).to_have_class(re.compile(r"\bdark\b"))
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text("کارکنان")
    expect(page.locator("#staff-results")).to_contain_text(shop_a.cashier.full_name)
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshot_dir / "staff-fa-dark.png", full_page=True)

    # The table scrolls inside its card on a phone; the page itself does not.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=screenshot_dir / "staff-fa-dark-mobile.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server.url + "/staff/invite/")
    with page.expect_response(re.compile(r"/staff/invite/$")) as answer:
        page.get_by_role("button", name="ارسال دعوت‌نامه").click()
    assert answer.value.status == 422
    expect(page.locator(".field-error").first).to_be_visible()
    # Labels and inputs start on the right in RTL.
    label = page.locator("label[for=id_email]").bounding_box()
    field = page.locator("#id_email").bounding_box()
    assert label is not None and field is not None
    assert abs((label["x"] + label["width"]) - (field["x"] + field["width"])) < 2
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshot_dir / "invite-fa-dark.png", full_page=True)

    for name in ("staff-fa-dark.png", "invite-fa-dark.png"):
        assert (screenshot_dir / name).stat().st_size > 0


OWNER_PAGES = [
    ("branches", "/branches/"),
    ("branch-new", "/branches/new/"),
    ("staff-edit", "/staff/{cashier}/"),
    ("security", "/settings/security/"),
    ("password-change", "/accounts/password/change/"),
    ("logout", "/accounts/logout/"),
    ("mfa-setup", "/account/two-factor/setup/"),
]


@pytest.mark.parametrize(
    ("language", "theme", "width"), [("fa", "dark", 390), ("en", "light", 1280)]
)
def test_every_page_renders_styled_without_sideways_scrolling(
    page: Page, live_server, shop_a, screenshot_dir, language: str, theme: str, width: int
) -> None:
    from django.conf import settings

    from tenants.services import user_set_preferences
    from tests.factories import platform_admin

    shots = screenshot_dir / "pages"
    shots.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    direction = "rtl" if language == "fa" else "ltr"

    def check(name: str, path: str) -> None:
        page.goto(live_server.url + path)
        html = page.locator("html")
        expect(html).to_have_attribute("dir", direction)
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_be_visible()
        # Styled by our components, not the browser's defaults.
        assert heading.evaluate("el => getComputedStyle(el).fontWeight") == "700", name
        page.evaluate("document.fonts.ready")
        page.screenshot(path=shots / f"{name}-{language}-{theme}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name

    # Anonymous pages take the language and theme from cookies.
    page.context.add_cookies(
        [
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
            {"name": settings.THEME_COOKIE_NAME, "value": theme, "url": live_server.url},
        ]
    )
    check("login", "/accounts/login/")
    check("password-reset", "/accounts/password/reset/")

    user_set_preferences(user=shop_a.owner, language=language, theme=theme)
    _sign_in(page, live_server.url, shop_a.owner.email)
    expect(page).to_have_url(live_server.url + "/")
    for name, path in OWNER_PAGES:
        check(name, path.format(cashier=shop_a.cashier.pk))
    page.get_by_role("banner").get_by_role("button", name=re.compile("Sign out|خروج")).click()

    # Operators must set up an authenticator first: the setup page, then backup codes.
    admin = platform_admin()
    user_set_preferences(user=admin, language=language, theme=theme)
    _sign_in(page, live_server.url, admin.email)
    check("mfa-setup-required", "/platform/")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.locator("input[name=token]").fill(f"{totp(key):06d}")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("backup-codes").get_by_role("listitem")).not_to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=shots / f"backup-codes-{language}-{theme}.png", full_page=True)
    check("platform", "/platform/")
    expect(
        page.get_by_role("banner").get_by_role("link", name=re.compile("Administration|مدیریت"))
    ).to_be_visible()
