"""A report as a file: CSV, XLSX (openpyxl) or PDF (reportlab).

Dates are written in the active language's calendar (Jalali for Persian, through the
`jdate` filter the pages use); money stays a number in CSV/XLSX so spreadsheets can add
it up. The PDF shapes Persian the way pos receipts do (arabic-reshaper + python-bidi,
Vazirmatn from pos/fonts) and, in a right-to-left language, puts the first column
on the right.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _

from pos.receipts import FONTS, shape
from tenants.money import money_number_format, money_text
from tenants.templatetags.zargar import digits, jdate

from .selectors import Column, Report

FORMATS = ("csv", "xlsx", "pdf")


@dataclass(frozen=True)
class ReportFile:
    name: str
    content_type: str
    content: bytes


def _plain(column: Column, value: Any) -> Any:
    """A cell for a spreadsheet: numbers stay numbers, dates in the shop's calendar."""
    if value is None:
        return ""
    if column.kind == "date" and isinstance(value, datetime.date):
        return jdate(value)
    return value


def subtitle(report: Report) -> str:
    f = report.filters
    text = _("From %(start)s to %(end)s") % {"start": jdate(f.start), "end": jdate(f.end)}
    if f.branch is not None:
        text += " · " + _("Branch: %(branch)s") % {"branch": f.branch.name}
    return text


def report_csv(report: Report) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads Persian), header row, rows, totals."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label for c in report.columns])
    for row in [*report.rows, report.totals]:
        writer.writerow([_plain(c, v) for c, v in report.cells(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(report: Report) -> bytes:
    """One sheet: title, period, header, rows, totals (bold); right-to-left in Persian."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = report.key
    sheet.sheet_view.rightToLeft = bool(translation.get_language_bidi())
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([subtitle(report)])
    sheet.append([c.label for c in report.columns])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in report.rows:
        sheet.append([_plain(c, v) for c, v in report.cells(row)])
    sheet.append([_plain(c, v) for c, v in report.total_cells])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for index, column in enumerate(report.columns, start=1):
        if column.kind == "money":
            for (cell,) in sheet.iter_rows(min_row=4, min_col=index, max_col=index):
                cell.number_format = money_number_format()
        letter = sheet.cell(row=3, column=index).column_letter
        sheet.column_dimensions[letter].width = 14 if column.kind != "text" else 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = pdfmetrics.getRegisteredFontNames()
    for name, file in (("Vazirmatn", "Vazirmatn-Regular.ttf"),
                       ("Vazirmatn-Bold", "Vazirmatn-Bold.ttf")):
        if name not in names:
            pdfmetrics.registerFont(TTFont(name, str(FONTS / file)))
    return "Vazirmatn", "Vazirmatn-Bold"


def _display(column: Column, value: Any) -> str:
    if value is None or value == "":
        return ""
    if column.kind == "date" and isinstance(value, datetime.date):
        return jdate(value)
    if column.kind == "money":
        return money_text(value, label=False)
    return str(digits(value)) if column.kind == "int" else str(value)


def report_pdf(report: Report) -> bytes:
    """An A4 table (landscape when it has many columns), repeated header on each page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _fonts()
    rtl = bool(translation.get_language_bidi())
    align = 2 if rtl else 0  # TA_RIGHT / TA_LEFT
    columns = list(reversed(report.columns)) if rtl else list(report.columns)

    def line(row: dict[str, Any]) -> list[str]:
        return [shape(_display(c, row.get(c.key)), rtl=rtl) for c in columns]

    data = [[shape(c.label, rtl=rtl) for c in columns]]
    data += [line(r) for r in report.rows]
    data.append(line(report.totals))
    table = Table(data, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), regular, 9),
        ("FONT", (0, 0), (-1, 0), bold, 9),
        ("FONT", (0, -1), (-1, -1), bold, 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#f5f5f4")]),
        ("ALIGN", (0, 0), (-1, -1), "RIGHT" if rtl else "LEFT"),
    ]
    for index, column in enumerate(columns):
        if column.kind in ("int", "money"):
            style.append(("ALIGN", (index, 0), (index, -1), "RIGHT"))
    table.setStyle(TableStyle(style))
    title_style = ParagraphStyle("title", fontName=bold, fontSize=14, leading=18, alignment=align)
    sub_style = ParagraphStyle("sub", fontName=regular, fontSize=9, leading=12, alignment=align)
    pagesize = landscape(A4) if len(columns) > 5 else A4
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=pagesize, leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=report.title)
    doc.build([Paragraph(escape(shape(report.title, rtl=rtl)), title_style),
               Paragraph(escape(shape(subtitle(report), rtl=rtl)), sub_style),
               Spacer(1, 6 * mm), table])
    return out.getvalue()


_WRITERS = {
    "csv": (report_csv, "text/csv; charset=utf-8"),
    "xlsx": (report_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": (report_pdf, "application/pdf"),
}


def report_file(report: Report, file_format: str) -> ReportFile:
    """The report in `file_format` (csv, xlsx or pdf), with an ASCII file name."""
    writer, content_type = _WRITERS[file_format]
    f = report.filters
    name = f"sales-{report.key}-{f.start.isoformat()}-{f.end.isoformat()}.{file_format}"
    return ReportFile(name, content_type, writer(report))
