"""The exports open and hold the report's figures (CSV parsed, XLSX read back with
openpyxl, PDF text extracted from reportlab's output), in English and in Persian."""

import csv
import io
from decimal import Decimal

import arabic_reshaper
import pytest
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import exports, selectors
from reports.selectors import ReportFilter
from tenants.context import tenant_context
from tests.reports.conftest import DAY1, DAY2, NECKLACE, RING

pytestmark = pytest.mark.django_db


def _report(scenario, key: str):
    with tenant_context(scenario.shop.tenant):
        return selectors.report_build(key=key, filters=ReportFilter(start=DAY1, end=DAY2))


def test_csv_has_the_header_rows_and_totals(scenario) -> None:
    with translation.override("en"):
        file = exports.report_file(_report(scenario, "branch"), "csv")
    assert file.name == "sales-branch-2026-01-10-2026-01-11.csv"
    rows = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"))))
    assert rows[0] == ["Branch", "Number of sales", "Sales", "Returns", "Net sales"]
    figures = {r[0]: [Decimal(x) for x in r[1:]] for r in rows[1:]}
    s = scenario.shop
    assert figures[s.main.name] == [2, RING + 2 * NECKLACE, NECKLACE, RING + NECKLACE]
    assert figures[s.branch.name] == [1, RING, 0, RING]
    assert figures["Total"] == [3, 2 * RING + 2 * NECKLACE, NECKLACE, 2 * RING + NECKLACE]


def test_xlsx_opens_with_numbers_and_jalali_days_in_persian(scenario) -> None:
    with translation.override("fa"):
        file = exports.report_file(_report(scenario, "day"), "xlsx")
    sheet = load_workbook(io.BytesIO(file.content)).active
    assert sheet.sheet_view.rightToLeft
    values = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert values[0] == ["روز", "تعداد فروش", "فروش‌ها", "مرجوعی‌ها", "فروش خالص"]
    # 10 and 11 January 2026 are 20 and 21 Dey 1404.
    assert values[1] == ["۱۴۰۴/۱۰/۲۰", 2, 2 * RING + NECKLACE, 0, 2 * RING + NECKLACE]
    assert values[2] == ["۱۴۰۴/۱۰/۲۱", 1, NECKLACE, NECKLACE, 0]
    assert values[3][1:] == [3, 2 * RING + 2 * NECKLACE, NECKLACE, 2 * RING + NECKLACE]


def test_pdf_holds_the_figures_in_english_and_in_persian(scenario) -> None:
    with translation.override("en"):
        file = exports.report_file(_report(scenario, "employee"), "pdf")
    assert file.content.startswith(b"%PDF") and file.content_type == "application/pdf"
    text = PdfReader(io.BytesIO(file.content)).pages[0].extract_text()
    assert "Sales by employee" in text and "Second Cashier" in text, text
    for figure in ("6,000.00", "2,500.00", "3,500.00", "1,000.00", "4,500.00"):
        assert figure in text, f"{figure} missing from {text}"
    with translation.override("fa"):
        fa = exports.report_file(_report(scenario, "employee"), "pdf")
    reader = PdfReader(io.BytesIO(fa.content))
    assert any("Vazirmatn" in str(f.get_object()["/BaseFont"])
               for f in reader.pages[0]["/Resources"]["/Font"].values())
    text = reader.pages[0].extract_text()
    # Shaped (joined) Persian letters, read back in logical order; Persian digits.
    assert arabic_reshaper.reshape("کارمند") in text, text
    assert "۴٬۵۰۰٫۰۰" in text and "۷٬۰۰۰٫۰۰" in text, text
