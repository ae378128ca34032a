"""Acceptance 1, in a real browser: scan a barcode into the scanner field, add a
customer, split cash + card, complete; the sale (receipt) page is shown, stock went
down and the customer earned points (checked in the database)."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from crm import selectors as crm_selectors
from crm.models import PointsTransaction
from inventory.models import StockLevel
from pos.models import Cart, Payment, Sale
from tenants.context import tenant_context
from tenants.services import user_set_preferences
from tests.pos.conftest import register_open, serial_piece

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]
PASSWORD = "pw-for-tests-1"
D = Decimal


def test_scan_customer_split_payment_complete(page: Page, live_server, shop_a,
                                               screenshot_dir) -> None:
    page.set_viewport_size({"width": 1280, "height": 1000})
    s = shop_a
    ring = serial_piece(s, name="Rose ring")
    customer = s.extra["customer"]
    with tenant_context(s.tenant):
        points_before = crm_selectors.points_available(customer=customer)
    base = live_server.url

    register_open(page, base, s, PASSWORD)

    # The scanner types the code and Enter; the cart fragment comes back and the
    # field is ready (focused, empty) for the next piece.
    scanner = page.get_by_label("Scan or type a barcode or SKU")
    expect(scanner).to_be_focused()
    scanner.fill(ring.barcode)
    scanner.press("Enter")
    cart = page.locator("#cart")
    expect(cart).to_contain_text(ring.sku)
    expect(page.locator("#cart-total")).to_have_text(f"{ring.selling_price}")
    expect(scanner).to_be_focused()
    expect(scanner).to_have_value("")
    scanner.fill(ring.barcode)
    scanner.press("Enter")
    expect(page.locator("#cart")).to_contain_text("already in the cart")

    # The customer, found by name.
    # Typing searches as the cashier types; Enter searches at once.
    page.locator("#customer-q").fill("Karimi")
    page.locator("#customer-q").press("Enter")
    results = page.locator("#customer-results")
    expect(results).to_contain_text("Karimi")
    results.get_by_role("button", name="Choose").first.click()
    expect(page.locator("#cart-customer")).to_contain_text("Karimi")
    expect(page.get_by_label("Scan or type a barcode or SKU")).to_be_focused()

    # Split: 100 by card, the rest in cash with 50 over; the change due is shown.
    total = ring.selling_price
    cash = total - D("100.00") + D("50.00")
    payment = page.locator("#payment")
    payment.get_by_label("Card", exact=True).fill("100.00")
    payment.get_by_label("Card reference").fill("AUTH-77")
    payment.get_by_label("Cash received").fill(str(cash))
    expect(page.locator("#change-due")).to_have_text("50.00")
    page.screenshot(path=screenshot_dir / "pos-register-en.png", full_page=True)
    payment.get_by_role("button", name="Complete the sale").click()

    # The sale's page (or its receipt, once the receipts module provides one).
    expect(page).to_have_url(re.compile(r"/pos/sales/[0-9a-f-]{36}/"))
    with tenant_context(s.tenant):
        sale = Sale.objects.get(customer=customer, total=total)
    expect(page.locator("body")).to_contain_text(sale.display_number)

    with tenant_context(s.tenant):
        assert StockLevel.objects.get(item=ring, branch=s.main).quantity == 0
        methods = {p.method: p for p in Payment.objects.filter(sale=sale)}
        assert methods["card"].amount == D("100.00") and methods["card"].reference == "AUTH-77"
        assert methods["cash"].change_given == D("50.00")
        accrual = PointsTransaction.objects.get(customer=customer,
                                                reference=sale.display_number)
        assert accrual.points > 0
        assert crm_selectors.points_available(customer=customer) == points_before \
            + accrual.points
        assert not Cart.objects.filter(terminal=s.terminal, status="active",
                                       lines__isnull=False).exists()

    # The next sale starts on an empty register; Persian and dark read right to left.
    user_set_preferences(user=s.manager, language="fa", theme="dark")
    page.goto(base + "/pos/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#cart [data-line]")).to_have_count(0)
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshot_dir / "pos-register-fa-dark.png", full_page=True)


def test_a_refused_quick_create_keeps_the_cursor_in_its_form(page: Page, live_server,
                                                              shop_a, screenshot_dir) -> None:
    """A new customer without a last name: the message is under Last name, what was
    typed stays, the cursor is in Last name (not the scanner) and the cart shows no
    error. Fixed and sent again: the customer is on the sale, the form is emptied and
    the scanner has the cursor again."""
    page.set_viewport_size({"width": 1280, "height": 1000})
    s = shop_a
    register_open(page, live_server.url, s, PASSWORD)
    scanner = page.get_by_label("Scan or type a barcode or SKU")
    expect(scanner).to_be_focused()

    page.get_by_text("New customer").click()
    form = page.locator("#customer-new")
    form.get_by_label("First name").fill("Nima")
    form.get_by_label("Mobile").fill("09125550000")
    form.get_by_role("button", name="Add the customer to the sale").click()

    form = page.locator("#customer-new")
    expect(form.locator(".field-error")).to_contain_text("last name")
    expect(form.get_by_label("Last name")).to_be_focused()
    expect(form.get_by_label("First name")).to_have_value("Nima")
    expect(form.get_by_label("Mobile")).to_have_value("09125550000")
    expect(page.locator("#cart-error")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "pos-quick-customer-refused-en.png", full_page=True)

    form.get_by_label("Last name").fill("Rad")
    form.get_by_role("button", name="Add the customer to the sale").click()
    expect(page.locator("#cart-customer")).to_contain_text("Nima Rad")
    expect(form.get_by_label("First name")).to_have_value("")
    expect(form.locator(".field-error")).to_have_count(0)
    expect(scanner).to_be_focused()
