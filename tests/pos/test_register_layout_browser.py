"""The register in a real browser: a Rial cart with 10-digit amounts fits its card at
1024 and 1366 px, in English and Persian, light and dark (no horizontal scroll, the
total inside the card, the remove buttons in view); the change due is the cash over
what the other tenders leave; the scanner's hidden Add button is not a tab stop.
Screenshots in .data/screenshots/."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tenants.services import user_set_preferences
from tests.factories import shop
from tests.pos.conftest import lot, register_open

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "platform"]),
]
PASSWORD = "pw-for-tests-1"
D = Decimal
# 1,733,292,000 in all, 1,700,000,000 after a discount of 33,292,000
PRICES = ["150080000", "567312000", "692520000", "323380000"]

FITS = """() => {
  const cart = document.getElementById("cart");
  const box = cart.getBoundingClientRect();
  const inside = (el) => {
    const r = el.getBoundingClientRect();
    return r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
  };
  const scroller = document.getElementById("cart-lines").parentElement;
  return {
    cart: [cart.scrollWidth, cart.clientWidth],
    lines: [scroller.scrollWidth, scroller.clientWidth],
    total: inside(document.getElementById("cart-total")),
    removes: [...cart.querySelectorAll("[data-line] button.btn-ghost")].every(inside),
  };
}"""


def test_a_rial_cart_fits_at_1024_and_1366_in_both_languages_and_themes(
    page: Page, live_server, screenshot_dir
) -> None:
    s = shop("Zarin", currency="IRR")
    pieces = [
        lot(
            s,
            2,
            sku=f"ZAR-00{10 + n}",
            name=f"Gold piece {n}",
            price_mode="fixed",
            fixed_price=D(price),
        )
        for n, price in enumerate(PRICES)
    ]
    page.set_viewport_size({"width": 1366, "height": 900})
    register_open(page, live_server.url, s, PASSWORD)
    scanner = page.get_by_label("Scan or type a barcode or SKU")
    for piece in pieces:
        scanner.fill(piece.sku)
        scanner.press("Enter")
        expect(page.locator("#cart")).to_contain_text(piece.sku)
    expect(page.locator("#cart-total")).to_have_text("1,733,292,000")
    # A cart discount: each line shows its share under its amount.
    page.locator("#cart summary").filter(has_text="Discount").click()
    page.get_by_label("Discount amount").fill("33292000")
    page.get_by_role("button", name="Apply the discount").click()
    expect(page.locator("#cart-total")).to_have_text("1,700,000,000")
    expect(page.locator("[data-line-discount]")).to_have_count(4)

    for lang, theme in (("en", "light"), ("en", "dark"), ("fa", "light"), ("fa", "dark")):
        user_set_preferences(user=s.manager, language=lang, theme=theme)
        for width in (1024, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_server.url + "/pos/")
            expect(page.locator("#cart-total")).to_have_text(
                "۱٬۷۰۰٬۰۰۰٬۰۰۰" if lang == "fa" else "1,700,000,000"
            )
            page.locator("#cart").screenshot(
                path=screenshot_dir / f"register-rial-cart-{lang}-{theme}-{width}.png"
            )
            fit = page.evaluate(FITS)
            where = (lang, theme, width, fit)
            assert fit["cart"][0] <= fit["cart"][1], where
            assert fit["lines"][0] <= fit["lines"][1], where
            assert fit["total"] and fit["removes"], where


def test_change_due_comes_from_cash_only_and_add_is_not_a_tab_stop(
    page: Page, live_server, shop_a
) -> None:
    s = shop_a
    piece = lot(s, 2, price_mode="fixed", fixed_price=D("474.98"))
    page.set_viewport_size({"width": 1280, "height": 1000})
    register_open(page, live_server.url, s, PASSWORD)
    scanner = page.get_by_label("Scan or type a barcode or SKU")
    scanner.fill(piece.sku)
    scanner.press("Enter")
    expect(page.locator("#cart-total")).to_have_text("474.98")

    # Tab from the scanner goes to something the cashier can see.
    scanner.focus()
    page.keyboard.press("Tab")
    size = page.evaluate(
        "() => { const r = document.activeElement.getBoundingClientRect();"
        " return [r.width, r.height]; }"
    )
    assert size[0] > 2 and size[1] > 2, size

    payment = page.locator("#payment")
    change = page.locator("#change-due")
    # A card overpayment is not cash change: with card 1000 nothing is left due, so
    # cash 10 comes back whole (it was 535.02: cash + card - total).
    payment.get_by_label("Card", exact=True).fill("1000")
    payment.get_by_label("Cash received").fill("10")
    expect(change).to_have_text("10.00")
    # Card 400 leaves 74.98 due: of 100 cash, 25.02 comes back.
    payment.get_by_label("Card", exact=True).fill("400")
    payment.get_by_label("Cash received").fill("100")
    expect(change).to_have_text("25.02")
    # Cash alone: all of it over the total.
    payment.get_by_label("Card", exact=True).fill("")
    payment.get_by_label("Cash received").fill("500")
    expect(change).to_have_text("25.02")
    # An exponent is no amount (the server refuses it too): no change, not 1e99.
    payment.get_by_label("Cash received").fill("1e99")
    expect(change).to_have_text("0.00")
    payment.get_by_label("Cash received").fill("۵۰۰")
    expect(change).to_have_text("25.02")
