"""Acceptance 7, in a real browser: a platform admin signs in with TOTP, creates a shop,
impersonates its owner (banner visible), stops; Persian + dark screenshots."""

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tenants.models import AuthEvent, Tenant, User
from tenants.services import user_set_preferences
from tests.factories import plan_make, platform_admin

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]
PASSWORD = "pw-for-tests-1"


def test_create_a_shop_impersonate_its_owner_and_stop(page: Page, live_server,
                                                      screenshot_dir) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    plan = plan_make(name="Starter")
    admin = platform_admin()
    base = live_server.url

    # Sign in; operators must enrol an authenticator first.
    page.goto(base + "/accounts/login/")
    page.locator("input[name=login]").fill(admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.goto(base + "/platform/")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.locator("input[name=token]").fill(f"{totp(key):06d}")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("backup-codes")).to_be_visible()

    # Create a shop with its owner.
    page.goto(base + "/platform/tenants/")
    page.get_by_role("main").get_by_role("link", name="New shop").click()
    page.get_by_label("Shop name").fill("Firouzeh Gold")
    page.get_by_label("Address (slug)").fill("firouzeh")
    page.get_by_label("Plan").select_option(str(plan.pk))
    page.get_by_label("Owner's email").fill("owner@firouzeh.test")
    page.get_by_label("Owner's full name").fill("Maryam Firouzi")
    page.get_by_label("Owner's language").select_option("fa")
    page.get_by_role("button", name="Create and invite the owner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Firouzeh Gold")
    tenant = Tenant.objects.get(slug="firouzeh")
    owner = User.objects.get(tenant=tenant)
    user_set_preferences(user=owner, theme="dark")

    # Impersonate the owner: their (Persian, dark) dashboard with the banner.
    page.get_by_role("link", name="Users").click()
    page.get_by_role("button", name=re.compile(r"Impersonate")).click()
    expect(page).to_have_url(base + "/")
    banner = page.get_by_test_id("impersonation-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("owner@firouzeh.test")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_class(re.compile(r"\bdark\b"))
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshot_dir / "platform-impersonation-fa-dark.png", full_page=True)
    assert AuthEvent.objects.filter(kind="impersonation_start", actor=admin, user=owner).exists()

    # Stop: back in the admin's own, still verified, session.
    banner.get_by_role("button").click()
    expect(page).to_have_url(base + "/platform/tenants/")
    expect(page.get_by_test_id("impersonation-banner")).to_have_count(0)
    expect(page.get_by_role("main")).to_contain_text("Firouzeh Gold")
    assert AuthEvent.objects.filter(kind="impersonation_end", actor=admin, user=owner).exists()

    # The panel in Persian and dark.
    user_set_preferences(user=admin, language="fa", theme="dark")
    page.goto(base + f"/platform/tenants/{tenant.pk}/?tab=users")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_class(re.compile(r"\bdark\b"))
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshot_dir / "platform-fa-dark.png", full_page=True)
    page.goto(base + "/platform/")
    page.screenshot(path=screenshot_dir / "platform-dashboard-fa-dark.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert (screenshot_dir / "platform-fa-dark.png").stat().st_size > 0
