"""pos.receipts: the receipt's QR code as inline SVG."""

import re

import segno

from pos.receipts import qr_svg


def _dark_cells(svg: str) -> set[tuple[int, int]]:
    """Read segno's path back: moves (M absolute, m relative) and horizontal runs
    (h n) drawn along each row's middle; each run is n dark modules."""
    path = re.search(r' d="([^"]*)"', svg).group(1)
    x = y = 0.0
    cells = set()
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            n = int(float(a))
            cells.update((int(x) + i, int(y)) for i in range(n))
            x += n
    return cells


def test_the_svg_draws_exactly_the_dark_modules_of_the_code():
    payload = "https://shop.example/pos/sales/3f0c9a6e-8a55-4d6b-9c9e-2a4e5f7c1b2d/receipt/"
    code = segno.make(payload, micro=False, error="m")
    border = 4
    expected = {(x + border, y + border) for y, row in enumerate(code.matrix)
                for x, dark in enumerate(row) if dark}

    svg = qr_svg(payload)

    assert _dark_cells(svg) == expected
    side = len(code.matrix) + 2 * border
    assert f'viewBox="0 0 {side} {side}"' in svg  # scales to the receipt's CSS size
    assert "width=" not in svg.split(">")[0]
    assert code.designator.split("-")[1] in "MQH"  # at least M error correction


def test_different_payloads_give_different_codes():
    assert qr_svg("https://shop.example/a") != qr_svg("https://shop.example/b")
