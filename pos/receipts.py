"""Receipts of sales, returns and buy-backs: one Receipt value built from the rows,
shown as an 80 mm print page (pos/receipt.html), drawn as an 80 mm PDF (reportlab),
and emailed with the PDF attached.

Persian in the PDF: reportlab draws glyphs in logical order and does not join
Arabic letters, so every string is shaped (arabic_reshaper: contextual forms and
ligatures) and reordered for display (python-bidi) before it is drawn, in
Vazirmatn (pos/fonts, SIL OFL 1.1), which has Persian and Latin glyphs.
Right-to-left receipts put labels on the right and figures on the left.

The QR code holds the receipt's own URL (the sale's, for a sale), so scanning a
printed receipt opens the record for staff signed in to the shop.
"""

from __future__ import annotations

import datetime
import logging
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from email.mime.image import MIMEImage
from io import BytesIO
from pathlib import Path

import arabic_reshaper
import zxingcpp

# The pure-Python algorithm: the default (Rust) get_display of python-bidi 0.5+ does not
# mirror brackets in right-to-left text, so "(گرم)" came out as ")گرم(".
from bidi.algorithm import get_display
from django.conf import settings as django_settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from crm.models import GiftCardTransaction
from inventory.models import RateBoard, RateCode
from tenants.errors import BusinessRuleError
from tenants.models import Tenant, User
from tenants.money import (
    LRM,
    currency_label,
    currency_places,
    grams_text,
    money_text,
    number_text,
    rate_text,
)
from tenants.prepared import Prepared
from tenants.templatetags.zargar import digits, jdate

from . import selectors
from .buybacks import purity_text
from .models import BuyBack, Payment, Sale, SaleLine, SaleReturn

logger = logging.getLogger(__name__)
FONTS = Path(__file__).resolve().parent / "fonts"
WIDTH = 80 * mm
MARGIN = 4 * mm


@dataclass
class ReceiptLine:
    name: str
    sku: str = ""
    karat: int | None = None
    weight: Decimal | None = None
    quantity: int | None = None
    amount: Decimal | None = None


@dataclass
class Receipt:
    title: str
    number: str
    when: datetime.datetime
    shop: str
    branch: str
    address: str
    phone: str
    currency: str
    url: str
    cashier: str = ""
    customer: str = ""
    lines: list[ReceiptLine] = field(default_factory=list)
    totals: list[tuple[str, Decimal | str]] = field(default_factory=list)
    rates: list[tuple[str, Decimal]] = field(default_factory=list)
    note: str = ""
    footer: str = ""
    tax_id: str = ""  # the shop's tax or VAT number (PosSettings)
    logo_url: str = ""  # the shop's logo for the page (pos:receipt-logo), "" for none
    logo_name: str = ""  # its file in the storage, for the PDF and the email
    logo_type: str = ""  # its content type (image/png), for the email
    change: Decimal = Decimal(0)  # cash handed back (sales)
    approval: str = ""  # who approved a discount or a refund over the limit

    @property
    def total_rows(self) -> list[tuple[str, str]]:
        """The totals as shown: amounts (Decimal) in the receipt's currency with its
        label, other values (already formatted text) as they are."""
        return [(label, money_text(value, self.currency) if isinstance(value, Decimal)
                 else value) for label, value in self.totals]

    @property
    def currency_label(self) -> str:
        """The currency as the rest of the app names it (ریال in Persian, not IRR)."""
        return currency_label(self.currency)

    @property
    def rate_rows(self) -> list[tuple[str, str]]:
        """The day's rates per gram as money (rate_money_text)."""
        return [(label, rate_money_text(rate, self.currency)) for label, rate in self.rates]


def rate_money_text(value: Decimal, currency: str) -> str:
    """A rate per gram on a receipt: as money in `currency` (64.80, not 64.8; grouped,
    Persian digits in Persian), with the rate's further decimals (up to the 4 it is
    stored with) rather than a rounded figure the rate board does not show."""
    value = value.normalize()
    extra = max(0, -value.as_tuple().exponent)
    return number_text(value, min(max(currency_places(currency), extra), 4))


def _header(tenant: Tenant, branch, *, title: str, number: str, when, url: str,
            cashier: User | None, currency: str) -> Receipt:
    """`currency`: the record's own (the sale's), so that a receipt printed again after
    the shop changed its currency still says what was paid; "" for the shop's."""
    settings = selectors.pos_settings_get()
    logo = settings.receipt_logo.name or ""
    return Receipt(title=title, number=number, when=when, shop=tenant.name, branch=branch.name,
                   address=branch.address, phone=branch.phone,
                   currency=currency or tenant.currency,
                   url=url, cashier=(cashier.get_full_name() or cashier.email) if cashier else "",
                   footer=settings.receipt_footer, tax_id=settings.receipt_tax_id,
                   # The file's random name in the address: a new logo is a new URL.
                   logo_url=f"{reverse('pos:receipt-logo')}?v={Path(logo).stem}" if logo else "",
                   logo_name=logo, logo_type=settings.receipt_logo_type)


# A sale's receipt page, right after each sale: its SQL built once per process
# (tenants.prepared). The rate board is a handful of rows: read whole.
_BOARD = Prepared(lambda: RateBoard.objects.order_by("code"), reuse_plan=True)
_SALE_LINES = Prepared(lambda sale_id: SaleLine.objects.filter(sale_id=sale_id), uuid.UUID,
                       reuse_plan=True)
_SALE_PAYMENTS = Prepared(lambda sale_id: Payment.objects.filter(sale_id=sale_id), uuid.UUID,
                          reuse_plan=True)


def _rates(codes: set[str], *, buy: bool = False) -> list[tuple[str, Decimal]]:
    """The board's rates per gram of these codes (today's: the board keeps no history)."""
    return [(str(RateCode(r.code).label), r.buy_rate if buy else r.sell_rate)
            for r in _BOARD.all() if r.code in codes and (r.buy_rate if buy else r.sell_rate) > 0]


def sale_discounts(sale: Sale) -> list[tuple[str, Decimal]]:
    """A sale's discounts as the receipt and the sale page list them: the customer's
    loyalty tier discount on its own line (with the tier and its %), then the rest."""
    if not sale.member_discount:
        return [(_("Discounts"), sale.discount_total)]
    rows = [(_("%(tier)s member discount (%(percent)s%%)")
             % {"tier": sale.member_tier, "percent": rate_text(sale.member_percent)},
             sale.member_discount)]
    if sale.discount_total > sale.member_discount:
        rows.append((_("Other discounts"), sale.discount_total - sale.member_discount))
    return rows


def gift_card_balances(sale: Sale) -> list[tuple[str, Decimal]]:
    """What was left on each gift card that paid `sale`, just after it paid (a
    reprint says the same): the card's ledger up to the sale's redemption (its reference
    is the sale's number). The card is named by the end of its code, as the payment
    keeps it."""
    rows = []
    for spent in (GiftCardTransaction.objects.filter(
            reference=sale.display_number, kind=GiftCardTransaction.Kind.REDEEM)
            .select_related("card").order_by("created_at")):
        left = GiftCardTransaction.objects.filter(
            card_id=spent.card_id, created_at__lte=spent.created_at).aggregate(
            s=Sum("amount"))["s"] or Decimal(0)
        rows.append((_("Gift card …%(end)s: balance left") % {"end": spent.card.code[-4:]},
                     left))
    return rows


def sale_receipt(*, tenant: Tenant, sale: Sale, url: str) -> Receipt:
    receipt = _header(tenant, sale.branch, title=_("Sale"), number=sale.display_number,
                      when=sale.created_at, url=url, cashier=sale.cashier,
                      currency=sale.currency)
    receipt.customer = str(sale.customer) if sale.customer_id else ""
    lines = _SALE_LINES.all(sale.pk)
    receipt.lines = [ReceiptLine(name=ln.name, sku=ln.sku, karat=ln.karat, weight=ln.net_weight,
                                 quantity=ln.quantity, amount=ln.total) for ln in lines]
    receipt.totals = [(_("Subtotal"), sale.subtotal), *sale_discounts(sale),
                      (_("Tax included"), sale.tax_total), (_("Total"), sale.total)]
    payments = _SALE_PAYMENTS.all(sale.pk)
    gold = {row.display_number: row for row in sale.buy_backs.all()} \
        if any(p.method == Payment.Method.OLD_GOLD for p in payments) else {}
    for payment in payments:
        label = str(payment.get_method_display())
        row = gold.get(payment.reference)
        if row is not None:  # old gold taken in exchange: its number and figures
            label = _("%(label)s %(number)s: %(weight)s g at %(purity)s‰") % {
                "label": label, "number": row.display_number, "weight": grams_text(row.weight),
                "purity": purity_text(row.purity)}
        receipt.totals.append((label, payment.amount))
        receipt.change += payment.change_given
    if any(p.method == Payment.Method.GIFT_CARD for p in payments):
        receipt.totals += gift_card_balances(sale)
    approver = sale.discount_approved_by
    if approver is not None:
        receipt.approval = _("Discount approved by %(name)s") % {
            "name": approver.get_full_name() or approver.email}
    receipt.rates = _rates({f"gold{ln.karat}" for ln in lines if ln.karat})
    return receipt


def return_receipt(*, tenant: Tenant, ret: SaleReturn, url: str) -> Receipt:
    receipt = _header(tenant, ret.branch, title=_("Return"), number=ret.display_number,
                      when=ret.created_at, url=url, cashier=ret.cashier,
                      currency=ret.currency)
    receipt.customer = str(ret.sale.customer) if ret.sale.customer_id else ""
    receipt.note = _("Sale %(number)s · %(reason)s") % {"number": ret.sale.display_number,
                                                         "reason": ret.reason}
    receipt.lines = [ReceiptLine(name=rl.sale_line.name, sku=rl.sale_line.sku,
                                 karat=rl.sale_line.karat, weight=rl.sale_line.net_weight,
                                 quantity=rl.quantity, amount=rl.amount)
                     for rl in ret.lines.select_related("sale_line")]
    receipt.totals = [(_("Refund total"), ret.total), (_("Tax included"), ret.tax_total)]
    for refund in ret.refunds.all():
        receipt.totals.append((str(refund.get_method_display()), refund.amount))
    if ret.credit_card_id:
        receipt.totals.append((_("Gift card code"), ret.credit_card.display_code))
    if ret.approved_by_id:
        receipt.approval = _("Refund approved by %(name)s") % {
            "name": ret.approved_by.get_full_name() or ret.approved_by.email}
    return receipt


def buyback_receipt(*, tenant: Tenant, row: BuyBack, url: str) -> Receipt:
    receipt = _header(tenant, row.branch, title=_("Old gold buy-back"),
                      number=row.display_number, when=row.created_at, url=url,
                      cashier=row.cashier, currency=row.currency)
    receipt.customer = row.seller + (f" · {row.seller_id_number}" if row.seller_id_number else "")
    receipt.note = row.description
    receipt.lines = [ReceiptLine(name=_("Old gold"), karat=row.karat, weight=row.weight)]
    # Only money stays Decimal (total_rows formats it); the rest is text already.
    receipt.totals = [(_("Purity (‰)"), purity_text(row.purity)),
                      (_("Melt loss (%)"), digits(row.melt_loss_percent)),
                      (_("Fine weight (g)"), grams_text(row.fine_weight)),
                      (_("Buy rate per gram"), rate_money_text(row.rate, receipt.currency)),
                      (_("Payout"), row.payout),
                      (_("Paid as"), str(row.get_settlement_display()))]
    if row.credit_card_id:
        receipt.totals.append((_("Gift card code"), row.credit_card.display_code))
    receipt.rates = _rates({f"gold{row.karat}"} if row.karat else {"gold24"}, buy=True)
    return receipt


DARK_RUN = re.compile(rb"[\x00-\x7f]+")  # a row's dark modules (pixels below 128)


def qr_svg(payload: str, *, border: int = 4) -> str:
    """An inline SVG QR code (no external image request), sized by the page's CSS: one
    horizontal stroke per run of dark modules, in a viewBox with a `border`-module
    quiet zone.

    zxing-cpp (its writer is zint, in C): error correction M, and of the eight masks
    the one the standard's penalty rules pick (ISO/IEC 18004), in about 0.5 ms; segno
    took 4.6 ms for the same choice in pure Python, a quarter of the receipt page's
    CPU (docs/performance.md)."""
    code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = memoryview(code.to_image(scale=1, add_quiet_zones=False))
    size, pixels = image.shape[0], image.tobytes()
    runs = []
    for y in range(size):
        row = pixels[y * size:(y + 1) * size]
        runs += [f"M{run.start() + border} {y + border}.5h{run.end() - run.start()}"
                 for run in DARK_RUN.finditer(row)]
    side = size + 2 * border
    return (f'<svg viewBox="0 0 {side} {side}" xmlns="http://www.w3.org/2000/svg">'
            f'<path stroke="#000" d="{"".join(runs)}"/></svg>')


# --- PDF ---------------------------------------------------------------------------


def _fonts() -> tuple[str, str]:
    if "Vazirmatn" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Vazirmatn", str(FONTS / "Vazirmatn-Regular.ttf")))
        pdfmetrics.registerFont(TTFont("Vazirmatn-Bold", str(FONTS / "Vazirmatn-Bold.ttf")))
    return "Vazirmatn", "Vazirmatn-Bold"


def shape(text: object, *, rtl: bool = False) -> str:
    """Text ready for reportlab: Persian letters joined, then put in display order
    (a right-to-left paragraph on a Persian receipt). Direction marks (the one that
    keeps a minus sign on a Persian number's left) have done their work then and are
    dropped: the fonts have no glyph for them."""
    text = get_display(arabic_reshaper.reshape(str(text)), base_dir="R" if rtl else None)
    return text.replace(LRM, "")


def _line_text(line: ReceiptLine) -> str:
    bits = [line.sku] if line.sku else []  # as the page prints it
    if line.karat:
        bits.append(_("%(karat)sK") % {"karat": digits(line.karat)})
    if line.weight is not None:
        bits.append(_("%(weight)s g") % {"weight": grams_text(line.weight)})
    if line.quantity is not None:
        bits.append(f"× {digits(line.quantity)}")
    return " · ".join(bits)


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt on an 80 mm roll (the page is as long as the receipt)."""
    regular, bold = _fonts()
    rtl = translation.get_language_bidi()
    rows: list[tuple[str, str, str, int]] = []  # (font, left/label, right/value, size)

    def add(label: object, value: object = "", *, font: str = regular, size: int = 8) -> None:
        rows.append((font, str(label), str(value), size))

    add(receipt.shop, font=bold, size=11)
    if receipt.tax_id:
        add(_("Tax ID"), receipt.tax_id)
    add(receipt.branch)
    if receipt.address:
        add(receipt.address)
    if receipt.phone:
        add(receipt.phone)
    add(f"{receipt.title} {receipt.number}", font=bold, size=10)
    add(jdate(receipt.when))
    if receipt.cashier:
        add(_("Cashier"), receipt.cashier)
    if receipt.customer:
        add(_("Customer"), receipt.customer)
    if receipt.note:
        add(receipt.note)
    add("-" * 40)
    for line in receipt.lines:
        add(line.name[:40], money_text(line.amount, receipt.currency, label=False), font=bold)
        add(_line_text(line))
    add("-" * 40)
    for label, value in receipt.total_rows:
        add(label, value)
    if receipt.change:
        add(_("Change"), money_text(receipt.change, receipt.currency))
    if receipt.approval:
        add(receipt.approval)
    add(_("Currency"), receipt.currency_label)
    for label, rate in receipt.rate_rows:
        add(_("Rate %(karat)s per gram") % {"karat": label}, rate)
    if receipt.footer:
        add(receipt.footer)

    qr_size = 28 * mm
    logo = _logo_image(receipt.logo_name)
    logo_height = 0.0
    if logo is not None:  # at most 16 mm high and 60 % of the roll wide, ratio kept
        width, height_px = logo.getSize()
        scale = min(16 * mm / height_px, 0.6 * WIDTH / width)
        logo_width, logo_height = width * scale, height_px * scale
    height = sum(r[3] + 5 for r in rows) + qr_size + 2 * MARGIN + 10 + logo_height
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(WIDTH, height))
    pdf.setTitle(f"{receipt.title} {receipt.number}")
    y = height - MARGIN
    if logo is not None:
        y -= logo_height
        pdf.drawImage(logo, (WIDTH - logo_width) / 2, y, logo_width, logo_height,
                      mask="auto")
    for font, label, value, size in rows:
        y -= size + 5
        pdf.setFont(font, size)
        start, end = (pdf.drawRightString, pdf.drawString) if rtl else \
            (pdf.drawString, pdf.drawRightString)
        start_x, end_x = (WIDTH - MARGIN, MARGIN) if rtl else (MARGIN, WIDTH - MARGIN)
        start(start_x, y, shape(label, rtl=rtl))
        if value:
            end(end_x, y, shape(value, rtl=rtl))
    widget = qr.QrCodeWidget(receipt.url)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(qr_size, qr_size,
                      transform=[qr_size / (x2 - x1), 0, 0, qr_size / (y2 - y1), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, (WIDTH - qr_size) / 2, MARGIN)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _logo_bytes(name: str) -> bytes | None:
    """The shop's logo file from the storage; None without one, or when it cannot be
    read (the receipt still goes out, without it)."""
    if not name:
        return None
    from django.core.files.storage import default_storage

    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        logger.warning("receipt logo %s could not be read", name)
        return None


def _logo_image(name: str) -> ImageReader | None:
    """The shop's logo for the PDF (see _logo_bytes)."""
    content = _logo_bytes(name)
    return ImageReader(BytesIO(content)) if content else None


# --- email -------------------------------------------------------------------------


LOGO_CID = "shop-logo@zargar"


class _ReceiptMessage(EmailMultiAlternatives):
    """An email whose HTML alternative carries inline images: multipart/alternative of
    the text and a multipart/related of the HTML and its images (`cid:` addresses), so
    that mail clients show the logo in the body and list only the PDF as attached."""

    def __init__(self, *args, inline: list[MIMEImage], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.inline = inline

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if self.inline:
            parts = msg.get_payload()
            related = SafeMIMEMultipart(_subtype="related",
                                        encoding=self.encoding or django_settings.DEFAULT_CHARSET)
            related.attach(parts[-1])
            for image in self.inline:
                related.attach(image)
            parts[-1] = related
        return msg


def receipt_email_send(*, tenant: Tenant, actor: User, receipt: Receipt, to: str) -> None:
    """Email the receipt (HTML body with the shop's logo inline, PDF attached) to `to`,
    in the active language."""
    to = (to or "").strip()
    if not to or "@" not in to:
        raise BusinessRuleError(_("Enter an email address."), field="email")
    subject = _("%(shop)s: receipt %(number)s") % {"shop": receipt.shop,
                                                    "number": receipt.number}
    logo = _logo_bytes(receipt.logo_name)
    inline = []
    if logo:
        image = MIMEImage(logo, _subtype=receipt.logo_type.partition("/")[2] or "png")
        image.add_header("Content-ID", f"<{LOGO_CID}>")
        image.add_header("Content-Disposition", "inline", filename="logo")
        inline.append(image)
    context = {"receipt": receipt, "qr": qr_svg(receipt.url), "email": True,
               "logo_src": f"cid:{LOGO_CID}" if logo else ""}
    html = render_to_string("pos/receipt_body.html", context)
    text = render_to_string("pos/receipt_email.txt", context)
    message = _ReceiptMessage(subject=subject, body=text, to=[to], inline=inline)
    message.attach_alternative(html, "text/html")
    message.attach(f"{receipt.number}.pdf", receipt_pdf(receipt), "application/pdf")
    message.send()

