"""pos.receipts: the receipt's QR code as inline SVG; what its lines say."""

import io
import re
import uuid
from decimal import Decimal as D

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from pos.models import BuyBack
from pos.receipts import qr_svg
from tenants.context import tenant_context
from tests.pos.conftest import open_shift
from tests.pos.test_exchange import _add_gold, _cart_worth_1000, _complete
from tests.pos.test_views import client_for

PAYLOAD = "https://shop.example/pos/sales/3f0c9a6e-8a55-4d6b-9c9e-2a4e5f7c1b2d/"


def _dark_cells(svg: str) -> set[tuple[int, int]]:
    """Read the path back: each `M x y.5 h n` is a run of n dark modules on row y."""
    path = re.search(r' d="([^"]*)"', svg).group(1)
    cells = set()
    for x, y, n in re.findall(r"M(\d+) (\d+)\.5h(\d+)", path):
        cells.update((int(x) + i, int(y)) for i in range(int(n)))
    assert re.sub(r"M\d+ \d+\.5h\d+", "", path) == ""  # nothing else in the path
    return cells


def _picture(svg: str, *, scale: int = 4) -> Image.Image:
    """The SVG drawn as a phone's camera would see it: black modules on white."""
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    image = Image.new("L", (side * scale, side * scale), 255)
    for x, y in _dark_cells(svg):
        image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    return image


def test_a_reader_gets_the_payload_back_from_the_drawn_svg():
    svg = qr_svg(PAYLOAD)

    found = zxingcpp.read_barcode(_picture(svg))

    assert found is not None and found.valid
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    assert found.text == PAYLOAD
    assert found.extra["ECLevel"] in ("M", "Q", "H")  # at least M error correction


def test_the_svg_scales_with_the_page_and_keeps_a_quiet_zone():
    svg = qr_svg(PAYLOAD)

    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    cells = _dark_cells(svg)
    assert "width=" not in svg.split(">")[0]  # sized by the receipt's CSS
    assert min(x for x, _ in cells) == 4 and min(y for _, y in cells) == 4
    assert max(x for x, _ in cells) == side - 5 and max(y for _, y in cells) == side - 5
    # the three finder patterns' corners are dark
    assert {(4, 4), (side - 5, 4), (4, side - 5)} <= cells


def test_different_payloads_give_different_codes():
    assert qr_svg("https://shop.example/a") != qr_svg("https://shop.example/b")


@pytest.mark.django_db
def test_old_gold_purity_as_people_write_it_and_the_pdf_lines_with_their_sku(shop_a):
    """QA 21: the old-gold line says 750‰ (not 750.0‰), on the sale's and the
    buy-back's receipt; the PDF's lines carry the SKU as the page's do."""
    s = shop_a
    shift = open_shift(s, D("200.00"))
    piece, _cart = _cart_worth_1000(s, shift)
    _add_gold(s, shift)
    sale = _complete(s, shift, uuid.uuid4(), [("cash", D("700.00"), "")])
    c = client_for(s.manager)
    page = c.get(reverse("pos:sale-receipt", args=[sale.pk])).content.decode()
    assert "g at 750‰" in page and "750.0" not in page
    pdf = c.get(reverse("pos:sale-receipt-pdf", args=[sale.pk])).content
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert piece.sku in text and "g at 750‰" in text and "750.0" not in text
    with tenant_context(s.tenant):
        row = BuyBack.objects.get(sale=sale)
    page = c.get(reverse("pos:buyback-receipt", args=[row.pk])).content.decode()
    assert re.search(r"<span>Purity \(‰\)</span><span>750</span>", page)
