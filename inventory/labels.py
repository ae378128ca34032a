"""Printable labels: Code 128 barcode and QR code per item, on A4 sheets (reportlab).

Each label carries the item's SKU, name, karat and net weight, the price, a Code 128
of the barcode and a QR code of the same value (what the POS scanner reads).
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128, qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from tenants.money import grams_text, money_text

from .models import Item

COLUMNS, ROWS = 3, 8
MARGIN_X, MARGIN_Y = 8 * mm, 12 * mm
LABEL_W = (A4[0] - 2 * MARGIN_X) / COLUMNS
LABEL_H = (A4[1] - 2 * MARGIN_Y) / ROWS


def _ascii(text: str) -> str:
    """The built-in PDF fonts draw Latin text only; other letters would be empty boxes."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _qr(value: str, size: float) -> Drawing:
    widget = qr.QrCodeWidget(value)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def label_sheet_pdf(items: Sequence[Item], *, currency: str, title: str = "Labels") -> bytes:
    """One label per item, 24 to a page, in the order given."""
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(title)
    per_page = COLUMNS * ROWS
    for index, item in enumerate(items):
        if index and index % per_page == 0:
            pdf.showPage()
        slot = index % per_page
        col, row = slot % COLUMNS, slot // COLUMNS
        x = MARGIN_X + col * LABEL_W
        y = A4[1] - MARGIN_Y - (row + 1) * LABEL_H
        pdf.setLineWidth(0.2)
        pdf.rect(x + 1 * mm, y + 1 * mm, LABEL_W - 2 * mm, LABEL_H - 2 * mm)
        pdf.setFont("Helvetica-Bold", 8)
        pdf.drawString(x + 3 * mm, y + LABEL_H - 6 * mm, f"SKU {_ascii(item.sku)}")
        pdf.setFont("Helvetica", 7)
        pdf.drawString(x + 3 * mm, y + LABEL_H - 10 * mm, _ascii(item.name)[:34])
        details = []
        if item.karat:
            details.append(f"{item.karat}K")
        # Latin digits (the label font has no Persian), the currency's minor units.
        details.append(f"{grams_text(item.net_weight, 'en')} g")
        details.append(f"{money_text(item.selling_price, currency, label=False, lang='en')} "
                       f"{currency}")
        pdf.drawString(x + 3 * mm, y + LABEL_H - 14 * mm, "  ".join(details))
        barcode = code128.Code128(item.barcode, barHeight=9 * mm, barWidth=0.75,
                                  humanReadable=True, fontSize=6)
        barcode.drawOn(pdf, x + 1 * mm, y + 5 * mm)
        qr_size = 17 * mm
        renderPDF.draw(_qr(item.barcode, qr_size), pdf, x + LABEL_W - qr_size - 2 * mm,
                       y + 2.5 * mm)
    if not items:
        pdf.setFont("Helvetica", 10)
        pdf.drawString(MARGIN_X, A4[1] - MARGIN_Y, "No items")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
