"""PDF and XLSX files of the trial balance, income statement and balance sheet: the
files open and hold the figures computed by hand (the world: the ring, cost 300.00,
received on credit and sold for its price in cash, tax included; a repair deposit of
10.00 taken by card)."""

import io
from decimal import Decimal

import arabic_reshaper
import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from tenants.money import money_text

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def _get(shop, statement: str, file_format: str, language: str = "en", **period):  # noqa: ANN001, ANN202
    if shop.owner.language != language:
        shop.owner.language = language
        shop.owner.save(update_fields=["language"])
    client = Client()
    client.force_login(shop.owner)
    response = client.get(reverse("accounting:statement-export"),
                          {"statement": statement, "format": file_format, **period})
    assert response.status_code == 200, response.content[:500]
    return response


def _figures(shop) -> dict[str, Decimal]:  # noqa: ANN001
    sale, ring = shop.extra["sale"], shop.extra["item"]
    deposit = shop.extra["repair_payment"].amount  # Dr card clearing, Cr repair deposits
    net_sales = sale.total - sale.tax_total
    return {"cash": sale.total, "tb_total": sale.total + ring.cost + deposit,
            "net_income": net_sales - ring.cost,
            "liabilities": ring.cost + sale.tax_total + deposit,
            "assets": sale.total + deposit, "net_sales": net_sales}


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_statements_hold_the_figures(shop_a, shop_b) -> None:
    f = _figures(shop_a)
    tb = _get(shop_a, "trial-balance", "pdf")
    assert tb["Content-Type"] == "application/pdf"
    text = _pdf_text(tb.content)
    assert "Trial balance" in text and shop_a.tenant.name in text
    assert f"{f['tb_total']:,.2f}" in text and "1010 · Cash" in text
    assert shop_b.tenant.name not in text
    text = _pdf_text(_get(shop_a, "income-statement", "pdf").content)
    assert "Net income" in text and f"{f['net_income']:,.2f}" in text
    assert f"{f['net_sales']:,.2f}" in text
    text = _pdf_text(_get(shop_a, "balance-sheet", "pdf").content)
    assert "Total assets" in text and f"{f['cash']:,.2f}" in text
    assert f"{f['liabilities']:,.2f}" in text


def test_persian_pdf_is_shaped_with_persian_digits(shop_a) -> None:
    f = _figures(shop_a)
    content = _get(shop_a, "trial-balance", "pdf", language="fa").content
    reader = PdfReader(io.BytesIO(content))
    assert any("Vazirmatn" in str(font.get_object()["/BaseFont"])
               for font in reader.pages[0]["/Resources"]["/Font"].values())
    text = reader.pages[0].extract_text()
    assert arabic_reshaper.reshape("تراز آزمایشی") in text, text
    # Figures in Persian digits (pypdf reads a line whose label is all right-to-left
    # letters, like the total's, backwards; the cash line has its code too).
    # Persian separators too (٬ and ٫), as on the pages (tenants.money).
    assert money_text(f["cash"], "USD", label=False, lang="fa") in text, text


def test_xlsx_statements_hold_the_figures_as_numbers(shop_a) -> None:
    f = _figures(shop_a)

    def cells(statement: str) -> dict[str, list]:
        response = _get(shop_a, statement, "xlsx")
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(io.BytesIO(response.content)).active
        return {str(row[0]): list(row[1:]) for row in sheet.iter_rows(values_only=True)
                if row and row[0] is not None}

    tb = cells("trial-balance")
    assert Decimal(str(tb["Total"][0])) == Decimal(str(tb["Total"][1])) == f["tb_total"]
    assert Decimal(str(tb["1010 · Cash"][0])) == f["cash"]
    income = cells("income-statement")
    assert Decimal(str(income["Net income"][0])) == f["net_income"]
    assert Decimal(str(income["4010 · Sales"][0])) == f["net_sales"]
    sheet = cells("balance-sheet")
    assert Decimal(str(sheet["Total assets"][0])) == f["assets"]
    assert Decimal(str(sheet["Total liabilities and equity"][0])) == f["assets"]
    # The period follows the fiscal year asked for (the world's: the Jalali year of today).
    year = shop_a.extra["fiscal_year"]
    response = _get(shop_a, "income-statement", "xlsx", year=str(year.pk))
    assert f"{year.start.isoformat()}-{year.end.isoformat()}" in response["Content-Disposition"]


def test_exports_are_for_owners_and_managers(shop_a) -> None:
    client = Client()
    client.force_login(shop_a.cashier)
    assert client.get(reverse("accounting:statement-export")).status_code == 403
