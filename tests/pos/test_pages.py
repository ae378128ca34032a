"""Return, buy-back and receipt pages with the Django client; acceptance 7 (shift close
with refunds and payouts, the Z report matches)."""

import io
import re
from decimal import Decimal

import arabic_reshaper
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from inventory import services as inventory_services
from pos import receipts, selectors
from pos.models import BuyBack, Sale, SaleReturn, Shift
from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.money import money_text
from tenants.services import user_set_preferences
from tests.factories import pos_sale_make
from tests.pos.conftest import lot
from tests.pos.test_views import client_for

D = Decimal
pytestmark = pytest.mark.django_db


def open_at_register(c, s, opening_float="300.00"):
    response = c.post(reverse("pos:shift-open"), {"terminal": s.terminal.pk,
                                                  "opening_float": opening_float})
    assert response.status_code == 302
    with tenant_context(s.tenant):
        return Shift.objects.get(terminal=s.terminal, closed_at__isnull=True)


def test_return_buy_back_close_and_z_report(shop_a, shop_b) -> None:
    s = shop_a
    c = client_for(s.manager)
    shift = open_at_register(c, s)
    chain = lot(s, 5, net_weight=D("2.000"))
    sale = pos_sale_make(s, shift=shift, lines=[(chain, 3, D(0))])
    with tenant_context(s.tenant):
        line = sale.lines.get()

    # The return form lists the line; more than sold comes back with the message.
    url = reverse("pos:return-create", kwargs={"sale_id": sale.pk})
    page = c.get(url)
    assert page.status_code == 200 and chain.sku in page.content.decode()
    bad = c.post(url, {f"qty_{line.pk}": "4", "reason": "Too long", "settlement": "original"})
    assert bad.status_code == 422
    good = c.post(url, {f"qty_{line.pk}": "1", "reason": "Too long", "settlement": "original"})
    assert good.status_code == 302
    with tenant_context(s.tenant):
        ret = SaleReturn.objects.get(sale=sale)
    assert good["Location"] == reverse("pos:return-detail", kwargs={"return_id": ret.pk})
    assert ret.display_number in c.get(good["Location"]).content.decode()

    # Buy-back for cash (18K at the board's 60 a gram).
    response = c.post(reverse("pos:buyback-create"), {
        "weight": "1.500", "karat": "18", "melt_loss_percent": "0", "settlement": "cash",
        "seller_name": "Ali Moradi", "seller_id_number": "0099887766"})
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(s.tenant):
        row = BuyBack.objects.get(shift=shift)
    assert row.payout == D("90.00") and row.fine_weight == D("1.125")
    assert "1.125" in c.get(response["Location"]).content.decode()
    # The seller must be known.
    response = c.post(reverse("pos:buyback-create"), {
        "weight": "1.500", "karat": "18", "settlement": "cash"})
    assert response.status_code == 422 and "Record the seller" in response.content.decode()

    # Acceptance 7: expected cash = float + cash sales - cash refunds - payouts.
    expected = D("300.00") + sale.total - ret.total - D("90.00")
    with tenant_context(s.tenant):
        assert selectors.shift_expected_cash(shift=shift) == expected
    response = c.post(reverse("pos:shift-close"), {"counted_cash": str(expected - D("2.00"))})
    assert response.status_code == 302
    with tenant_context(s.tenant):
        closed = Shift.objects.get(pk=shift.pk)
        report = selectors.shift_z_report(shift=closed)
    assert (closed.expected_cash, closed.over_short) == (expected, D("-2.00"))
    assert report.sales_count == 1 and report.total == sale.total
    assert (report.cash_refunds, report.payouts) == (ret.total, D("90.00"))
    assert (report.returns_count, report.returns_total) == (1, ret.total)
    assert report.buybacks_count == 1 and report.buybacks_fine_weight == D("1.125")
    html = c.get(reverse("pos:shift-report", kwargs={"shift_id": shift.pk})).content.decode()
    assert f'id="z-expected">{money_text(expected, "USD")}' in html
    assert f'id="z-cash-refunds">{money_text(ret.total, "USD")}' in html
    assert 'id="z-payouts">$90.00' in html
    # Short by 2.00, said in words; a Print button (the page's print style hides the menu).
    assert re.search(r'<dt>Short</dt><dd data-over-short="short" id="z-over-short">\$2\.00<',
                     html), html[html.find("z-expected"):][:600]
    assert "data-print" in html and "@media print" in html

    # Another shop sees none of it.
    other = client_for(shop_b.owner)
    assert other.get(reverse("pos:return-detail", kwargs={"return_id": ret.pk})).status_code == 404
    assert other.get(reverse("pos:buyback-receipt",
                             kwargs={"buy_back_id": row.pk})).status_code == 404


def test_receipts_html_pdf_and_email(shop_a) -> None:
    s = shop_a
    c = client_for(s.manager)
    shift = open_at_register(c, s)
    chain = lot(s, 2, net_weight=D("2.500"))
    sale = pos_sale_make(s, shift=shift, lines=[(chain, 1, D(0))])

    page = c.get(reverse("pos:sale-receipt", kwargs={"sale_id": sale.pk}) + "?print=1")
    html = page.content.decode()
    assert page.status_code == 200
    assert sale.display_number in html and "2.500" in html and "18K" in html
    assert "<svg" in html and "receipt_print.js" in html  # QR inline; auto-print script
    assert "Rate Gold 18K per gram" in html  # the day's rate from the board
    # The cashier's way on: the register, focused.
    assert re.search(r'<a [^>]*href="/pos/"[^>]*id="next-sale" autofocus', html)

    pdf = c.get(reverse("pos:sale-receipt-pdf", kwargs={"sale_id": sale.pk}))
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert sale.display_number in text and "2.500" in text

    response = c.post(reverse("pos:sale-receipt-email", kwargs={"sale_id": sale.pk}),
                      {"email": "buyer@example.com"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["buyer@example.com"] and sale.display_number in message.subject
    assert message.attachments[0][0] == f"{sale.display_number}.pdf"
    assert message.attachments[0][1][:4] == b"%PDF"
    bad = c.post(reverse("pos:sale-receipt-email", kwargs={"sale_id": sale.pk}),
                 {"email": "not-an-address"})
    assert bad.status_code == 422 and len(mail.outbox) == 1

    # Return and buy-back receipts (the world's rows).
    for name, kwargs in (("pos:return-receipt", {"return_id": s.extra["sale_return"].pk}),
                         ("pos:buyback-receipt", {"buy_back_id": s.extra["buy_back"].pk})):
        assert c.get(reverse(name, kwargs=kwargs)).status_code == 200
        assert c.get(reverse(name + "-pdf", kwargs=kwargs)).content[:4] == b"%PDF"


def test_persian_receipt_pdf_is_shaped(shop_a) -> None:
    """Persian letters reach the PDF joined (presentation forms) in display order, drawn
    with the embedded Vazirmatn font."""
    s = shop_a
    with tenant_context(s.tenant), translation.override("fa"):
        sale = s.extra["sale"]
        receipt = receipts.sale_receipt(tenant=s.tenant, sale=sale, url="https://x/")
        content = receipts.receipt_pdf(receipt)
        shaped = receipts.shape("فروش", rtl=True)
    reader = PdfReader(io.BytesIO(content))
    fonts = {str(f) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("Vazirmatn" in str(f.get_object()["/BaseFont"])
               for f in reader.pages[0]["/Resources"]["/Font"].values()), fonts
    assert shaped != "فروش" and all("\ufe70" <= ch <= "\ufeff" for ch in shaped)
    # pypdf puts right-to-left runs back in reading order: the joined letters of the
    # word come out in logical order (and unjoined letters would not match).
    text = reader.pages[0].extract_text()
    assert arabic_reshaper.reshape("فروش") in text, text
    assert "S-000001" in text


def test_brackets_in_persian_text_are_mirrored() -> None:
    """In a right-to-left line the brackets around "(گرم)" face the word: in display
    (left-to-right) order the string starts with "(" and the word's last letter."""
    shaped = receipts.shape("وزن (گرم)", rtl=True)
    assert shaped.startswith("(") and ")" in shaped
    assert not shaped.startswith(")")


def test_detail_pages_name_the_karat_in_persian(shop_a) -> None:
    s = shop_a
    c = client_for(s.manager)
    shift = open_at_register(c, s)
    sale = pos_sale_make(s, shift=shift, lines=[(lot(s, 1), 1, D(0))])
    user_set_preferences(user=s.manager, language="fa")
    for url in (reverse("pos:sale-detail", kwargs={"sale_id": sale.pk}),
                reverse("pos:buyback-detail", kwargs={"buy_back_id": s.extra["buy_back"].pk})):
        html = c.get(url).content.decode()
        assert "۱۸ عیار" in html and "۱۸K" not in html, url


def test_the_owner_sets_the_registers_limits_and_footer(shop_a) -> None:
    """The settings page: the owner only (a manager gets 403); bad input is a message
    on its field and changes nothing; a Persian keyboard's digits are read; the limits
    then rule the register and the footer prints on receipts."""
    s = shop_a
    url = reverse("pos:settings")
    assert client_for(s.manager).get(url).status_code == 403
    c = client_for(s.owner)
    page = c.get(url).content.decode()
    assert 'name="discount_limit_percent"' in page and 'name="receipt_footer"' in page
    with tenant_context(s.tenant):
        before = selectors.pos_settings_get()
    bad = c.post(url, {"discount_limit_percent": "150", "return_approval_limit": "10",
                       "receipt_footer": "x"})
    assert bad.status_code == 422 and "between 0% and 100%" in bad.content.decode()
    with tenant_context(s.tenant):
        after = selectors.pos_settings_get()
    assert (after.discount_limit_percent, after.receipt_footer) == \
        (before.discount_limit_percent, before.receipt_footer)
    response = c.post(url, {"discount_limit_percent": "۷٫۵", "return_approval_limit": "250",
                            "receipt_footer": "Returns within 14 days"})
    assert response.status_code == 302 and response["Location"] == url
    with tenant_context(s.tenant):
        row = selectors.pos_settings_get()
    assert (row.discount_limit_percent, row.return_approval_limit, row.receipt_footer) == \
        (D("7.5"), D("250"), "Returns within 14 days")
    shift = open_at_register(c, s)
    sale = pos_sale_make(s, shift=shift, lines=[(lot(s, 1), 1, D(0))])
    receipt = c.get(reverse("pos:sale-receipt", kwargs={"sale_id": sale.pk})).content.decode()
    assert "Returns within 14 days" in receipt
    # The owner's menu has the page; the manager's has not.
    assert f'href="{url}"' in c.get(reverse("pos:return-list")).content.decode()
    assert f'href="{url}"' not in client_for(s.manager).get(
        reverse("pos:return-list")).content.decode()


def _receipt_pages(c, s) -> dict[str, str]:
    """The world's sale and buy-back receipts: page, PDF text and emailed text."""
    sale, buy_back = s.extra["sale"], s.extra["buy_back"]
    pdf = c.get(reverse("pos:sale-receipt-pdf", kwargs={"sale_id": sale.pk})).content
    c.post(reverse("pos:sale-receipt-email", kwargs={"sale_id": sale.pk}),
           {"email": "buyer@example.com"})
    return {
        "page": c.get(reverse("pos:sale-receipt", kwargs={"sale_id": sale.pk})).content.decode(),
        "pdf": PdfReader(io.BytesIO(pdf)).pages[0].extract_text(),
        "email": mail.outbox[-1].body,
        "buy_back": c.get(reverse("pos:buyback-receipt",
                                  kwargs={"buy_back_id": buy_back.pk})).content.decode(),
    }


@pytest.mark.parametrize(("language", "rate", "buy_rate"), [
    ("en", "64.80", "60.00"), ("fa", "۶۴٫۸۰", "۶۰٫۰۰")])
def test_receipts_print_the_days_rate_as_money(shop_a, language, rate, buy_rate) -> None:
    """The rate per gram with the currency's decimals, grouped and in the language's
    digits, as every amount is (not "64.8"); a rate with more decimals keeps them."""
    s = shop_a
    with tenant_context(s.tenant):
        inventory_services.rate_board_set(tenant=s.tenant, actor=s.owner, code="gold18",
                                          mode="manual", buy_rate=D("60.5"), sell_rate=D("64.8"))
    user_set_preferences(user=s.manager, language=language)
    got = _receipt_pages(client_for(s.manager), s)
    assert re.search(rf'<span>{re.escape(rate)}</span></div>', got["page"]), got["page"]
    assert rate in got["pdf"] or language == "fa"  # pypdf's reading order of RTL digits
    assert f"<span>{buy_rate}</span>" in got["buy_back"]  # the buy-back's own rate
    with translation.override("fa"):
        assert receipts.rate_money_text(D("64.8125"), "USD") == "۶۴٫۸۱۲۵"
        assert receipts.rate_money_text(D("4500000.0000"), "IRR") == "۴٬۵۰۰٬۰۰۰"


@pytest.mark.parametrize(("language", "currency", "label"), [
    ("fa", "IRR", "ریال"), ("en", "USD", "$"), ("fa", "USD", "$")])
def test_receipts_name_the_currency_as_the_app_does(shop_a, language, currency,
                                                    label) -> None:
    """The Currency line: the label money shows with (tenants.money.currency_label),
    not the ISO code, on the page, in the PDF and in the email."""
    s = shop_a
    Tenant.objects.filter(pk=s.tenant.pk).update(currency=currency)
    with tenant_context(s.tenant):  # the sale made in that currency (its receipt says its own)
        Sale.objects.filter(pk=s.extra["sale"].pk).update(currency=currency)
    user_set_preferences(user=s.manager, language=language)
    got = _receipt_pages(client_for(s.manager), s)
    with translation.override(language):
        name = str(translation.gettext("Currency"))
    assert f"<span>{name}</span><span>{label}</span>" in got["page"]
    assert f"{name}: {label}\n" in got["email"]
    if language == "fa":
        assert arabic_reshaper.reshape(label) in got["pdf"] and currency not in got["pdf"]
    else:
        assert f"{name}\n{label}\n" in got["pdf"] and currency not in got["pdf"], got["pdf"]
    assert currency not in got["page"].split('id="receipt"')[1].split("</article>")[0]


def test_receipts_keep_the_currency_they_were_made_in(shop_a) -> None:
    """The shop goes from dollars to rials after the world's sale, its return and a
    buy-back credited to it: their receipts (page, PDF, email) and pages still say
    dollars, in dollars' cents."""
    s = shop_a
    sale, ret, row = s.extra["sale"], s.extra["sale_return"], s.extra["buy_back"]
    with tenant_context(s.tenant):
        BuyBack.objects.filter(pk=row.pk).update(sale=sale, settlement="sale")
    assert sale.currency == "USD"
    Tenant.objects.filter(pk=s.tenant.pk).update(currency="IRR")
    c = client_for(s.manager)
    documents = (
        ("pos:sale-receipt", "pos:sale-detail", {"sale_id": sale.pk}, sale.total),
        ("pos:return-receipt", "pos:return-detail", {"return_id": ret.pk}, ret.total),
        ("pos:buyback-receipt", "pos:buyback-detail", {"buy_back_id": row.pk}, row.payout),
    )
    for receipt, detail, kwargs, amount in documents:
        dollars = money_text(amount, "USD")
        page = c.get(reverse(receipt, kwargs=kwargs)).content.decode()
        body = page.split('id="receipt"')[1].split("</article>")[0]
        assert "<span>Currency</span><span>$</span>" in body, receipt
        assert dollars in body and "IRR" not in body, receipt
        text = PdfReader(io.BytesIO(
            c.get(reverse(receipt + "-pdf", kwargs=kwargs)).content)).pages[0].extract_text()
        assert "Currency\n$\n" in text and dollars in text and "IRR" not in text, receipt
        c.post(reverse(receipt + "-email", kwargs=kwargs), {"email": "buyer@example.com"})
        assert "Currency: $\n" in mail.outbox[-1].body and "IRR" not in mail.outbox[-1].body
        assert dollars in c.get(reverse(detail, kwargs=kwargs)).content.decode(), detail
    # And the lists: a return's and a credited buy-back's amounts in dollars.
    for name, amount in (("pos:return-list", ret.total), ("pos:buyback-list", row.payout)):
        assert money_text(amount, "USD") in c.get(reverse(name)).content.decode(), name
