"""pos.receipts: the receipt's QR code as inline SVG."""

import re

import zxingcpp
from PIL import Image

from pos.receipts import qr_svg

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
