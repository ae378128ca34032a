"""pos.receipts: the receipt's QR code drawn as SVG runs."""

import re

import qrcode

from pos.receipts import qr_svg


def _dark_cells(svg: str) -> set[tuple[int, int]]:
    """Read the path back: each run is `M{x} {y}h{n}v1h-{n}z`, n dark modules."""
    path = re.search(r' d="([^"]*)"', svg).group(1)
    cells = set()
    for x, y, n, back in re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", path):
        assert n == back
        cells.update((int(x) + i, int(y)) for i in range(int(n)))
    assert re.sub(r"M\d+ \d+h\d+v1h-\d+z", "", path) == ""  # nothing else in the path
    return cells


def test_the_svg_draws_exactly_the_dark_modules_of_the_code():
    payload = "https://shop.example/pos/sales/3f0c9a6e-8a55-4d6b-9c9e-2a4e5f7c1b2d/receipt/"
    code = qrcode.QRCode(border=4)
    code.add_data(payload)
    code.make(fit=True)
    matrix = code.get_matrix()
    expected = {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}

    svg = qr_svg(payload)

    assert _dark_cells(svg) == expected
    side = len(matrix)
    assert f'viewBox="0 0 {side} {side}"' in svg
    assert expected and side == 4 + 4 * code.version + 17 + 4  # quiet zone of 4 both sides


def test_different_payloads_give_different_codes():
    assert qr_svg("https://shop.example/a") != qr_svg("https://shop.example/b")
