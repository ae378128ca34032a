"""In a real browser: an exchange at the register, from scan to receipt. The cashier
scans a 1,000 piece, picks the customer, opens the Old gold panel with F7, credits
10 g of 18K old gold (300) to the sale, pays the 700 left in cash (800 handed over,
100 change) and lands on the receipt, which names the buy-back. Checked in the
database: one sale, its "Old gold credit" payment, one buy-back credited to it and
its scrap lot in stock. Then the Return panel (F6) finds the sale by its number."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from inventory.models import StockLevel
from pos.models import BuyBack, Payment, Sale
from tenants.context import tenant_context
from tenants.services import user_set_preferences
from tests.pos.conftest import register_open, serial_piece

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]
PASSWORD = "pw-for-tests-1"
D = Decimal


def test_exchange_from_scan_to_receipt(page: Page, live_server, shop_a, screenshot_dir) -> None:
    page.set_viewport_size({"width": 1280, "height": 1200})
    s = shop_a
    piece = serial_piece(s, name="Bangle", price_mode="fixed", fixed_price=D("1000.00"))
    customer = s.extra["customer"]
    base = live_server.url

    register_open(page, base, s, PASSWORD)

    scanner = page.get_by_label("Scan or type a barcode or SKU")
    expect(scanner).to_be_focused()
    scanner.fill(piece.barcode)
    scanner.press("Enter")
    expect(page.locator("#cart-total")).to_have_text("1,000.00")
    page.locator("#customer-q").fill("Karimi")
    page.locator("#customer-q").press("Enter")
    page.locator("#customer-results").get_by_role("button", name="Choose").first.click()
    expect(page.locator("#cart-customer")).to_contain_text("Karimi")
    expect(scanner).to_be_focused()

    # F7 opens the Old gold panel with the cursor in the weight.
    page.keyboard.press("F7")
    gold = page.locator("#old-gold")
    weight = gold.get_by_label("Weight (g)")
    expect(weight).to_be_focused()
    weight.fill("10.000")
    gold.get_by_label("Karat").select_option("18")
    gold.get_by_label("Melt loss (%)").fill("4")
    gold.get_by_label("Buy rate per gram").fill("31.25")
    gold.get_by_role("button", name="Credit to this sale").click()

    # The cart and the payments panel show the credit; the customer pays 700.
    expect(page.locator("#old-gold-done")).to_contain_text("300.00")
    expect(page.locator("#cart-old-gold")).to_contain_text("fine 7.200 g")
    expect(page.locator("#cart-due")).to_have_text("700.00")
    credits = page.locator("#payment-credits")
    expect(credits).to_contain_text("Old gold credit")
    expect(credits.locator("#payment-due")).to_have_text("700.00")
    expect(page.get_by_label("Scan or type a barcode or SKU")).to_be_focused()

    payment = page.locator("#payment")
    page.keyboard.press("F8")
    expect(payment.get_by_label("Cash received")).to_be_focused()
    payment.get_by_label("Cash received").fill("800")
    expect(page.locator("#change-due")).to_have_text("100.00")
    page.screenshot(path=screenshot_dir / "pos-exchange-en.png", full_page=True)
    page.keyboard.press("F9")

    expect(page).to_have_url(re.compile(r"/pos/sales/[0-9a-f-]{36}/receipt/"))
    with tenant_context(s.tenant):
        sale = Sale.objects.get(customer=customer, total=D("1000.00"))
        row = BuyBack.objects.select_related("scrap_item").get(sale=sale)
        payments = {p.method: p for p in Payment.objects.filter(sale=sale)}
        assert payments["old_gold"].amount == D("300.00")
        assert payments["old_gold"].reference == row.display_number
        assert (payments["cash"].amount, payments["cash"].change_given) == (D("800.00"),
                                                                            D("100.00"))
        assert row.settlement == "sale" and row.customer_id == customer.pk
        assert row.fine_weight == D("7.200") and row.payout == D("300.00")
        assert StockLevel.objects.get(item=row.scrap_item, branch=s.main).quantity == 1
        assert StockLevel.objects.get(item=piece, branch=s.main).quantity == 0
        assert BuyBack.objects.filter(shift=sale.shift).count() == 1
    body = page.locator("body")
    expect(body).to_contain_text(sale.display_number)
    expect(body).to_contain_text(f"Old gold credit {row.display_number}")

    # Back at the register: the Return panel (F6) finds the sale by its number.
    page.goto(base + "/pos/")
    page.keyboard.press("F6")
    find = page.get_by_label("Sale number or receipt QR")
    expect(find).to_be_focused()
    find.fill(sale.display_number)
    find.press("Enter")
    expect(page.locator("#return-sale")).to_contain_text(sale.display_number)
    expect(page.locator("#return").get_by_label(re.compile("Bangle"))).to_be_focused()

    # Persian and dark: the panels read right to left.
    user_set_preferences(user=s.manager, language="fa", theme="dark")
    page.goto(base + "/pos/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.keyboard.press("F7")
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshot_dir / "pos-exchange-fa-dark.png", full_page=True)
