"""What the register shows in Persian: grams translated in the payment panel, minus
signs kept on the number's left (an LRM before them), the points' money value beside
their count, and no invisible button in the tab order."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm import services as crm
from tenants.services import user_set_preferences
from tests.pos.conftest import serial_piece
from tests.pos.test_views import client_for

D = Decimal
pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
GOLD = {
    "gold-weight": "10.000",
    "gold-karat": "18",
    "gold-melt_loss_percent": "4",
    "gold-rate": "31.25",
    "gold-seller_name": "Maryam Rahimi",
    "gold-seller_id_number": "0012345678",
}
LRM = "\u200e"


def _text(html: str) -> str:
    """The page's text with entities for the marks made characters."""
    return html.replace("&lrm;", LRM)


def test_old_gold_payouts_and_points_read_right_in_persian(shop_a) -> None:
    s = shop_a
    user_set_preferences(user=s.manager, language="fa")
    piece = serial_piece(s, price_mode="fixed", fixed_price=D("1000.00"))
    customer = s.extra["customer"]
    crm.points_accrue(
        tenant=s.tenant, actor=s.owner, customer=customer, amount=D("1411.00"), reference="earlier"
    )
    c = client_for(s.manager)
    c.post(reverse("pos:shift-open"), {"terminal": s.terminal.pk, "opening_float": "500.00"})
    c.post(reverse("pos:scan"), {"code": piece.barcode}, **HX)
    c.post(reverse("pos:customer-pick"), {"customer": str(customer.pk)}, **HX)
    assert c.post(reverse("pos:old-gold-credit"), GOLD, **HX).status_code == 200
    page = _text(c.get(reverse("pos:register")).content.decode())

    # The payment panel's credit line: "۱۰٫۰۰۰ گرم", not "۱۰٫۰۰۰ g".
    credit = re.search(r'data-payment="old_gold"><span>([^<]*)</span>', page).group(1)
    assert credit.endswith("۱۰٫۰۰۰ گرم"), credit
    # The cart's old-gold credit: minus, then the number, left to right.
    assert re.search(f'<span class="font-semibold">{LRM}−۳۰۰٫۰۰</span>', page)
    # Points with what they pay (1 point per unit spent, worth 0.01 each by default).
    points = re.search(r'id="cart-points">(.*?)</span></span>', page).group(1)
    with_value = re.search(r"امتیاز: ([۰-۹٬]+) <span class=\"text-xs\">\(به ارزش ([^)]*)\)", points)
    assert with_value, points
    # Not focusable when not seen: the scanner form's Add button.
    add = re.search(r'<button type="submit" class="sr-only"[^>]*>افزودن</button>', page)
    assert add and 'tabindex="-1"' in add.group(0)

    # Old gold paid out in cash: the drawer's Payouts line keeps its minus on the left.
    html = _text(
        c.post(
            reverse("pos:old-gold-cash"), {**GOLD, "gold-seller_id_number": "0098765432"}, **HX
        ).content.decode()
    )
    assert re.search(f'id="drawer-payouts">{LRM}−۳۰۰٫۰۰', html), html
