"""The work order (repair ticket) as an A4 PDF, drawn with reportlab like the POS
receipts (pos/receipts.py): the same Vazirmatn fonts and shaping, so Persian
letters are joined and put in display order; right-to-left tickets put labels on the
right. Long texts are wrapped on the reshaped (logical-order) text, then each line is
reordered for display. A QR code holds the order's URL for staff signed in to the shop.
"""

from __future__ import annotations

from io import BytesIO

import arabic_reshaper

# python-bidi's pure-Python algorithm: unlike the default (Rust) get_display of 0.5+, it
# also applies rule L4, so brackets are mirrored in right-to-left runs ("(گرم)").
from bidi.algorithm import get_display
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from pos.receipts import _fonts
from tenants.models import Tenant
from tenants.money import LRM, grams_text, money_text
from tenants.templatetags.zargar import digits, jdate

from .models import RepairOrder

WIDTH, HEIGHT = A4
MARGIN = 18 * mm
LABEL_WIDTH = 45 * mm
QR_SIZE = 30 * mm


def shape(text: object, *, rtl: bool = False) -> str:
    """Persian letters joined, then in display order (brackets mirrored); the direction
    mark of a negative Persian amount is dropped after reordering (no glyph)."""
    text = get_display(arabic_reshaper.reshape(str(text)), base_dir="R" if rtl else "L")
    return text.replace(LRM, "")


def _wrap(text: str, font: str, size: int, width: float, *, rtl: bool) -> list[str]:
    """Display-ready lines of `text` no wider than `width`."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        joined = arabic_reshaper.reshape(paragraph)
        for piece in simpleSplit(joined, font, size, width) or [""]:
            lines.append(get_display(piece, base_dir="R" if rtl else "L"))
    return lines


def repair_ticket_pdf(*, tenant: Tenant, order: RepairOrder, url: str) -> bytes:
    """One A4 page (more if the description is very long) in the active language."""
    regular, bold = _fonts()
    rtl = translation.get_language_bidi()
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    number = f"R-{digits(order.number)}"
    pdf.setTitle(f"{_('Work order')} R-{order.number}")
    start_x, end_x = (WIDTH - MARGIN, MARGIN) if rtl else (MARGIN, WIDTH - MARGIN)

    def start(y: float, text: object, font: str = regular, size: int = 10) -> None:
        pdf.setFont(font, size)
        (pdf.drawRightString if rtl else pdf.drawString)(start_x, y, shape(text, rtl=rtl))

    def end(y: float, text: object, font: str = regular, size: int = 10) -> None:
        pdf.setFont(font, size)
        (pdf.drawString if rtl else pdf.drawRightString)(end_x, y, shape(text, rtl=rtl))

    # Header: shop and branch on the start side, number and date on the end side.
    y = HEIGHT - MARGIN - 14
    start(y, tenant.name, bold, 16)
    end(y, number, bold, 18)
    y -= 16
    branch = order.branch.name + (f" · {digits(order.branch.phone)}" if order.branch.phone
                                  else "")
    start(y, branch)
    end(y, jdate(order.created_at))
    y -= 10
    pdf.line(MARGIN, y, WIDTH - MARGIN, y)
    y -= 24
    start(y, f"{_('Work order')} — {order.get_kind_display()}", bold, 14)
    y -= 10

    customer = order.customer.full_name
    if order.customer.phone:
        customer += f" · {digits(order.customer.phone)}"
    craftsman = order.craftsman
    rows: list[tuple[str, str]] = [
        (_("Customer"), customer),
        (_("Service"), str(order.get_service_display())),
        (_("Item and work description"), order.description),
    ]
    if order.design_specs:
        rows.append((_("Design specifications"), order.design_specs))
    if order.stones:
        rows.append((_("Stones"), order.stones))
    rows += [
        (_("Weight in (g)"), grams_text(order.weight_in) or "—"),
        (_("Weight out (g)"), grams_text(order.weight_out) or "—"),
        (_("Estimate"), money_text(order.estimate_total, tenant.currency)),
        (_("Deposit"), money_text(order.deposit, tenant.currency)),
        (_("Balance due"), money_text(order.balance_due, tenant.currency)),
        *([(_("Deposit kept"), f"{money_text(order.deposit_kept, tenant.currency)} · "
                              f"{order.deposit_kept_reason}")] if order.deposit_kept else []),
        (_("Promised date"), jdate(order.promised_on) if order.promised_on else "—"),
        (_("Craftsman"), (craftsman.get_full_name() or craftsman.email) if craftsman else "—"),
        (_("Status"), str(order.get_status_display())),
    ]
    value_width = WIDTH - 2 * MARGIN - LABEL_WIDTH
    value_x = start_x - LABEL_WIDTH if rtl else start_x + LABEL_WIDTH
    for label, value in rows:
        lines = _wrap(value, regular, 10, value_width, rtl=rtl)
        if y - 14 * len(lines) < MARGIN + QR_SIZE + 40:
            pdf.showPage()
            y = HEIGHT - MARGIN
        y -= 16
        pdf.setFont(bold, 9)
        (pdf.drawRightString if rtl else pdf.drawString)(start_x, y, shape(label, rtl=rtl))
        pdf.setFont(regular, 10)
        for i, line in enumerate(lines):
            (pdf.drawRightString if rtl else pdf.drawString)(value_x, y - 14 * i, line)
        y -= 14 * (len(lines) - 1)

    # Signatures and the QR code at the foot of the last page.
    foot = MARGIN + QR_SIZE + 12
    half = (WIDTH - 2 * MARGIN) / 2 - 10 * mm
    pdf.line(MARGIN, foot, MARGIN + half, foot)
    pdf.line(WIDTH - MARGIN - half, foot, WIDTH - MARGIN, foot)
    pdf.setFont(regular, 9)
    first, second = (_("Shop's signature"), _("Customer's signature")) if rtl else \
        (_("Customer's signature"), _("Shop's signature"))
    pdf.drawString(MARGIN, foot - 12, shape(first, rtl=rtl))
    pdf.drawRightString(WIDTH - MARGIN, foot - 12, shape(second, rtl=rtl))
    widget = qr.QrCodeWidget(url)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE,
                      transform=[QR_SIZE / (x2 - x1), 0, 0, QR_SIZE / (y2 - y1), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, (WIDTH - QR_SIZE) / 2, MARGIN - 6 * mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
