"""Acceptance 5 in a real browser: a repair from intake to delivery (in Persian at the
end), and a transfer from request through approval and dispatch to receipt."""

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


def _step(page: Page, label: str, status: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    expect(page.locator("#repair-status")).to_contain_text(status)


def test_repair_from_intake_to_delivery(page: Page, live_server, shop_a, shop_b,
                                        screenshot_dir) -> None:
    from decimal import Decimal

    from pos import services as pos
    from tenants.context import tenant_context

    with tenant_context(shop_a.tenant):  # the owner works at the terminal: money goes there
        pos.shift_open(tenant=shop_a.tenant, actor=shop_a.owner, terminal=shop_a.terminal,
                       opening_float=Decimal("100.00"))
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url, shop_a.owner.email)
    expect(page).to_have_url(live_server.url + "/")
    page.get_by_role("navigation").get_by_role("link", name="Repairs").click()
    page.get_by_role("link", name="Take in a repair").click()
    customer = page.get_by_label("Customer")
    karimi = customer.locator("option", has_text="Karimi").first.get_attribute("value")
    customer.select_option(value=karimi)
    page.get_by_label("Item and work description").fill("Gold bangle, dent to repair")
    page.get_by_label("Weight in (g)").fill("12.400")
    page.get_by_label("Labour estimate").fill("35")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#repair-status")).to_contain_text("Received")
    _step(page, "Send the quote", "Quoted")
    _step(page, "Customer approved", "Approved")
    _step(page, "Start work", "In progress")
    _step(page, "Send to quality check", "Quality check")
    page.get_by_label("Weight out (g)").fill("12.380")
    _step(page, "Passed: ready for pickup", "Ready for pickup")
    expect(page.locator("#weight-out")).to_contain_text("12.380")
    # The balance of 35 is collected at the register: 50 in cash, 15 change.
    expect(page.locator("#transition-till")).to_contain_text("Delivery collects the balance of $35.00")
    page.get_by_label("Cash handed over (for the change)").fill("50")
    _step(page, "Deliver to the customer", "Delivered")
    expect(page.locator("[data-action]")).to_have_count(0)
    expect(page.locator("#repair-history li")).to_have_count(7)
    expect(page.locator('#repair-payments [data-payment="balance"]')).to_contain_text("35")
    page.screenshot(path=str(screenshot_dir / "repair-delivered.png"), full_page=True)
    page.locator("#repair-payments").get_by_role("link", name=re.compile("Receipt")).click()
    expect(page.locator("#sale-change")).to_have_text("$15.00")
    page.go_back()

    shop_a.owner.refresh_from_db()
    shop_a.owner.language = "fa"
    shop_a.owner.save(update_fields=["language"])
    page.reload()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#repair-status")).to_contain_text("تحویل داده شد")
    page.screenshot(path=str(screenshot_dir / "repair-delivered-fa.png"), full_page=True)


def test_transfer_from_request_to_receipt_with_approval(page: Page, live_server, shop_a,
                                                        shop_b, screenshot_dir) -> None:
    from inventory import services
    from tenants.context import tenant_context
    from tests.factories import item_make

    lot = item_make(shop_a, tracking="lot", sku="CHAIN-9", name="Chain 45cm")
    with tenant_context(shop_a.tenant):
        services.stock_move(tenant=shop_a.tenant, actor=shop_a.owner, item=lot,
                            branch=shop_a.main, kind="purchase_receipt", quantity=5)
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url, shop_a.owner.email)
    page.goto(live_server.url + "/inventory/transfers/new/")
    page.get_by_label("From branch").select_option(label="Main branch")
    page.get_by_label("To branch").select_option(label="Bazaar")
    page.get_by_label("Items").fill("CHAIN-9 3")
    page.get_by_role("button", name="Send the request").click()
    status = page.locator("#transfer-status")
    expect(status).to_contain_text("Requested")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(status).to_contain_text("Approved")
    page.get_by_role("button", name="Dispatch", exact=True).click()
    expect(status).to_contain_text("In transit")
    page.get_by_label("Pieces received").fill("2")
    page.get_by_role("button", name="Receive", exact=True).click()
    expect(status).to_contain_text("Received")
    expect(page.get_by_role("main")).to_contain_text("1 missing")
    page.screenshot(path=str(screenshot_dir / "transfer-received.png"), full_page=True)


def test_cancelling_a_custom_order_keeps_its_deposit(page: Page, live_server, shop_a,
                                                     screenshot_dir) -> None:
    """The owner cancels the world's open order (a card deposit of 10) and keeps the
    deposit: no shift needed (no money moves); the order shows what was kept and why."""
    from repairs.models import RepairOrder
    from tenants.context import tenant_context

    with tenant_context(shop_a.tenant):
        order = RepairOrder.objects.filter(status="quoted", deposit__gt=0).first()
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, live_server.url, shop_a.owner.email)
    expect(page).to_have_url(live_server.url + "/")
    page.goto(f"{live_server.url}/repairs/{order.pk}/")
    expect(page.locator("#transition-deposit")).to_contain_text("the deposit of $10.00")
    page.get_by_label("Note (required to cancel)").fill("Customer cancelled the order")
    page.get_by_label("Keep the deposit (forfeited)").check()
    page.get_by_label("Why the shop keeps the deposit (required to keep it)").fill(
        "Design drawn and wax model made")
    _step(page, "Cancel the order", "Cancelled")
    expect(page.locator("#deposit-kept")).to_contain_text("$10.00 · Design drawn and wax model made")
    expect(page.locator('#repair-payments [data-payment="kept"]')).to_contain_text("$10.00")
    expect(page.locator('[data-testid="history-deposit-kept"]')).to_contain_text(
        "Deposit of $10.00 kept")
    page.screenshot(path=str(screenshot_dir / "repair-deposit-kept.png"), full_page=True)
