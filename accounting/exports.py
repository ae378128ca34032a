"""PDF and XLSX files of the trial balance, income statement and balance sheet.

Each statement becomes a `Table` (title, columns, rows of a label and amounts) from the
same selectors as the statements page; `table_xlsx` writes it with openpyxl (numbers
stay numbers, right-to-left sheet in Persian) and `table_pdf` draws it with reportlab on
A4. reportlab neither joins Persian letters nor orders right-to-left text, so every
string goes through the POS receipts' shaping (arabic-reshaper + python-bidi) and is
drawn in Vazirmatn (pos/fonts), labels on the right and figures on the left in Persian.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from pos.receipts import FONTS, shape
from tenants.money import LRM, money_number_format, money_text
from tenants.templatetags.zargar import digits, jdate

from . import selectors

Amount = Decimal | None


@dataclass
class Row:
    label: str
    amounts: list[Amount] = field(default_factory=list)
    bold: bool = False


@dataclass
class Table:
    key: str
    title: str
    shop: str
    period: str
    currency: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)


def _label(code: str, name: object) -> str:
    return f"{digits(code)} · {name}"


def trial_balance_table(*, as_of: datetime.date) -> tuple[str, list[str], list[Row]]:
    tb = selectors.trial_balance(as_of=as_of)
    rows = [Row(_label(r.code, r.name), [r.debit or None, r.credit or None]) for r in tb["rows"]]
    rows.append(Row(_("Total"), [tb["debit"], tb["credit"]], bold=True))
    return _("Trial balance"), [_("Account"), _("Debit"), _("Credit")], rows


def income_statement_table(*, start: datetime.date, end: datetime.date
                           ) -> tuple[str, list[str], list[Row]]:
    data = selectors.income_statement(start=start, end=end)
    rows: list[Row] = []
    for section in data["sections"]:
        rows.append(Row(str(section.name), [None], bold=True))
        rows += [Row(_label(code, name), [amount]) for code, name, amount in section.lines]
        rows.append(Row(_("Total"), [section.total]))
    rows.append(Row(_("Gross profit"), [data["gross_profit"]], bold=True))
    rows.append(Row(_("Net income"), [data["net_income"]], bold=True))
    return _("Income statement"), [_("Account"), _("Amount")], rows


def balance_sheet_table(*, as_of: datetime.date) -> tuple[str, list[str], list[Row]]:
    data = selectors.balance_sheet(as_of=as_of)
    rows: list[Row] = [Row(str(data["assets"].name), [None], bold=True)]
    rows += [Row(_label(c, n), [a]) for c, n, a in data["assets"].lines]
    rows.append(Row(_("Total assets"), [data["assets"].total], bold=True))
    rows.append(Row(str(data["liabilities"].name), [None], bold=True))
    rows += [Row(_label(c, n), [a]) for c, n, a in data["liabilities"].lines]
    rows.append(Row(_("Total liabilities"), [data["liabilities"].total], bold=True))
    rows.append(Row(str(data["equity"].name), [None], bold=True))
    rows += [Row(_label(c, n), [a]) for c, n, a in data["equity"].lines]
    rows.append(Row(_("Earnings of the period"), [data["earnings"]]))
    rows.append(Row(_("Total liabilities and equity"), [data["liabilities_and_equity"]],
                    bold=True))
    return _("Balance sheet"), [_("Account"), _("Amount")], rows


STATEMENTS = ("trial-balance", "income-statement", "balance-sheet")
FORMATS = ("pdf", "xlsx")


def statement_table(*, key: str, start: datetime.date, end: datetime.date, shop: str,
                    currency: str) -> Table:
    """The statement `key` for the period (balances as of `end`), in the active language."""
    if key == "income-statement":
        title, columns, rows = income_statement_table(start=start, end=end)
        period = _("From %(start)s to %(end)s") % {"start": jdate(start), "end": jdate(end)}
    else:
        builder = trial_balance_table if key == "trial-balance" else balance_sheet_table
        title, columns, rows = builder(as_of=end)
        period = _("As of %(date)s") % {"date": jdate(end)}
    return Table(key, title, shop, period, currency, columns, rows)


def money(value: Amount) -> str:
    """An amount as the PDF shows it: the shop's minor units, grouped, Persian digits
    in Persian; drawn left to right without shaping, so without direction marks."""
    return "" if value is None else money_text(value, label=False).replace(LRM, "")


# --- XLSX --------------------------------------------------------------------------


def table_xlsx(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.sheet_view.rightToLeft = bool(translation.get_language_bidi())
    bold = Font(bold=True)
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([table.shop])
    sheet.append([f"{table.period} · {table.currency}"])
    sheet.append([])
    sheet.append(table.columns)
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for row in table.rows:
        sheet.append([row.label, *row.amounts])
        for i, cell in enumerate(sheet[sheet.max_row]):
            if i:
                cell.number_format = money_number_format(table.currency)
            if row.bold:
                cell.font = bold
    sheet.column_dimensions["A"].width = 48
    for letter in "BCD"[: len(table.columns) - 1]:
        sheet.column_dimensions[letter].width = 18
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- PDF ---------------------------------------------------------------------------

MARGIN = 15 * mm
AMOUNT_WIDTH = 38 * mm


def _fonts() -> tuple[str, str]:
    if "Vazirmatn" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Vazirmatn", str(FONTS / "Vazirmatn-Regular.ttf")))
        pdfmetrics.registerFont(TTFont("Vazirmatn-Bold", str(FONTS / "Vazirmatn-Bold.ttf")))
    return "Vazirmatn", "Vazirmatn-Bold"


def table_pdf(table: Table) -> bytes:
    """The statement on A4 pages (title, shop, period, then the table, page by page)."""
    regular, bold = _fonts()
    rtl = bool(translation.get_language_bidi())
    width, height = A4
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"{table.title} · {table.shop}")
    n_amounts = len(table.columns) - 1

    def text_at(x_start: float, y: float, text: str, font: str, size: float) -> None:
        """The label column: from the right margin in Persian, the left otherwise."""
        pdf.setFont(font, size)
        if rtl:
            pdf.drawRightString(x_start, y, shape(text, rtl=True))
        else:
            pdf.drawString(x_start, y, shape(text))

    def amount_x(i: int) -> float:
        """Right edge of amount column i (they sit on the left in Persian)."""
        if rtl:
            return MARGIN + (n_amounts - i) * AMOUNT_WIDTH
        return width - MARGIN - (n_amounts - 1 - i) * AMOUNT_WIDTH

    label_x = width - MARGIN if rtl else MARGIN

    def header(y: float) -> float:
        text_at(label_x, y, table.title, bold, 15)
        y -= 18
        text_at(label_x, y, table.shop, regular, 10)
        y -= 14
        text_at(label_x, y, f"{table.period} · {table.currency}", regular, 10)
        y -= 22
        text_at(label_x, y, table.columns[0], bold, 9)
        for i, column in enumerate(table.columns[1:]):
            pdf.setFont(bold, 9)
            pdf.drawRightString(amount_x(i), y, shape(column, rtl=rtl))
        y -= 4
        pdf.line(MARGIN, y, width - MARGIN, y)
        return y - 14

    y = header(height - MARGIN - 10)
    for row in table.rows:
        if y < MARGIN + 14:
            pdf.showPage()
            y = header(height - MARGIN - 10)
        font = bold if row.bold else regular
        text_at(label_x, y, row.label, font, 9)
        for i, amount in enumerate(row.amounts):
            if amount is not None:
                pdf.setFont(font, 9)
                pdf.drawRightString(amount_x(i), y, money(amount))  # digits: no shaping
        y -= 14
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
