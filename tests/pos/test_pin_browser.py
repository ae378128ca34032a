"""The register PIN end to end in a real browser, in Persian and dark mode: a manager sets
their PIN on the Security page typing Persian digits, then a salesperson's discount over
the shop's limit is approved at the register with the PIN typed in Persian digits."""

from decimal import Decimal

import pytest
from django.contrib.auth.hashers import check_password
from playwright.sync_api import Page, expect

from pos.models import Cart
from tenants import services as tenants_services
from tenants.context import tenant_context
from tenants.models import User
from tests.pos.conftest import serial_piece

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]
PASSWORD = "pw-for-tests-1"


def _sign_in(page: Page, base_url: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(base_url + "/accounts/login/")


def test_a_manager_sets_a_pin_in_persian_and_approves_a_salespersons_discount_with_it(
    page: Page, live_server, shop_a, screenshot_dir
) -> None:
    s = shop_a
    with tenant_context(s.tenant):
        seller = tenants_services.staff_invite(
            tenant=s.tenant,
            actor=s.owner,
            email=f"seller.{s.tenant.slug}@example.com",
            role=User.Role.SALESPERSON,
            full_name="Sara Seller",
            branch=s.main,
        )
    seller.set_password(PASSWORD)
    seller.save(update_fields=["password"])
    for user in (s.manager, seller):
        tenants_services.user_set_preferences(user=user, language="fa", theme="dark")
    piece = serial_piece(s)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The manager sets a PIN, typed on a Persian keyboard.
    _sign_in(page, live_server.url, s.manager.email)
    page.goto(live_server.url + "/settings/security/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_class("dark")
    expect(page.locator("#register-pin-status")).to_contain_text("رمزی تنظیم نشده")
    page.locator("#id_pin-pin").fill("۴۸۲۱")
    page.locator("#id_pin-pin_confirm").fill("۴۸۲۱")
    page.locator("#id_pin-password").fill(PASSWORD)
    page.get_by_role("button", name="تنظیم رمز").click()
    expect(page.locator("#register-pin-status")).to_contain_text("رمز شما تنظیم شده است")
    page.screenshot(path=screenshot_dir / "security-pin-fa-dark.png", full_page=True)
    s.manager.refresh_from_db()
    assert check_password("4821", s.manager.pos_pin)

    # The salesperson sells the piece with 20 % off (the limit is 5 %): the manager
    # types ۴۸۲۱ on the salesperson's screen.
    _sign_in(page, live_server.url, seller.email)
    page.goto(live_server.url + "/pos/")
    page.locator("select[name=terminal]").select_option(str(s.terminal.pk))
    page.locator("input[name=opening_float]").fill("۱۰۰")
    page.get_by_role("button", name="باز کردن شیفت").click()
    page.locator("#cart input[name=code]").fill(piece.sku)
    page.locator("#cart input[name=code]").press("Enter")
    expect(page.locator("#cart tbody tr")).to_have_count(1)
    page.locator("#cart details summary").first.click()
    off = (piece.price * Decimal("0.20")).quantize(Decimal("0.01"))
    page.locator("#cart input[name=amount]").fill(str(off))
    page.locator("#cart input[name=manager_pin]").fill("۴۸۲۱")
    page.get_by_role("button", name="اعمال تخفیف").click()
    expect(page.locator("#cart-discounts")).to_contain_text("تأییدشده")
    page.screenshot(path=screenshot_dir / "pos-discount-pin-fa-dark.png", full_page=True)
    with tenant_context(s.tenant):
        cart = Cart.objects.get(terminal=s.terminal, status="active")
        assert cart.cart_discount == off and cart.discount_approved_by == s.manager

    # The owner finds where PINs are set from Register settings, and can clear one.
    tenants_services.user_set_preferences(user=s.owner, language="fa", theme="dark")
    _sign_in(page, live_server.url, s.owner.email)
    page.goto(live_server.url + "/pos/settings/")
    page.get_by_role("link", name="صفحهٔ امنیت").click()
    expect(page).to_have_url(live_server.url + "/settings/security/#register-pin")
    page.goto(live_server.url + "/staff/")
    page.screenshot(path=screenshot_dir / "staff-clear-pin-fa-dark.png", full_page=True)
    page.get_by_role("button", name=f"پاک کردن رمز {s.manager}").click()
    expect(page.locator("body")).to_contain_text("حذف شد")
    s.manager.refresh_from_db()
    assert s.manager.pos_pin == ""
