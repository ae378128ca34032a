"""The shop's tax ID and logo on receipts: set by the owner on the register settings
page (the logo checked by content, at most 1 MB), served through RLS, printed on the
receipt page, its PDF and its email."""

import io
from email import message_from_bytes

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from pos import selectors, services
from tenants.context import tenant_context
from tests.pos.test_views import client_for

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(size=(120, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (20, 20, 20)).save(buf, "PNG")
    return buf.getvalue()


def _settings_post(c, **data):
    values = {"discount_limit_percent": "5", "return_approval_limit": "500",
              "receipt_footer": "", "receipt_tax_id": "", **data}
    return c.post(reverse("pos:settings"), values)


def test_the_owner_sets_a_tax_id_and_logo_and_every_receipt_prints_them(
        shop_a, shop_b, tmp_path, django_capture_on_commit_callbacks) -> None:
    s = shop_a
    owner = client_for(s.owner)
    content = png()
    # The name lies (a .gif): the content decides.
    response = _settings_post(owner, receipt_tax_id="  IR-4110  2233 ",
                              receipt_logo=SimpleUploadedFile("logo.gif", content))
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(s.tenant):
        row = selectors.pos_settings_get()
    assert row.receipt_tax_id == "IR-4110 2233" and row.receipt_logo_type == "image/png"
    assert row.receipt_logo.name.startswith(f"logos/{s.tenant.pk}/")
    assert row.receipt_logo.name.endswith(".png")
    assert (tmp_path / row.receipt_logo.name).read_bytes() == content
    page = owner.get(reverse("pos:settings")).content.decode()
    assert 'id="receipt-logo-preview"' in page

    # Any of the shop's staff gets the file (the receipt shows it); another shop does not.
    cashier = client_for(s.cashier)
    response = cashier.get(reverse("pos:receipt-logo"))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == content
    assert client_for(shop_b.owner).get(reverse("pos:receipt-logo")).status_code == 404

    sale = {"sale_id": s.extra["sale"].pk}
    html = cashier.get(reverse("pos:sale-receipt", kwargs=sale)).content.decode()
    assert 'id="receipt-logo"' in html and reverse("pos:receipt-logo") in html
    assert "Tax ID: <bdi dir=\"ltr\">IR-4110 2233</bdi>" in html
    pdf = PdfReader(io.BytesIO(cashier.get(reverse("pos:sale-receipt-pdf", kwargs=sale)).content))
    assert "Tax ID" in pdf.pages[0].extract_text()
    assert len(pdf.pages[0].images) == 1  # the logo (the QR code is vector graphics)
    cashier.post(reverse("pos:sale-receipt-email", kwargs=sale), {"email": "b@example.com"})
    assert "Tax ID: IR-4110 2233\n" in mail.outbox[-1].body
    # The email's HTML shows the logo inline (cid:), the PDF stays an attachment.
    email = message_from_bytes(mail.outbox[-1].message().as_bytes())
    related = next(part for part in email.walk() if part.get_content_type() == "multipart/related")
    html_part, image_part = related.get_payload()
    assert 'src="cid:shop-logo@zargar"' in html_part.get_payload(decode=True).decode()
    assert image_part.get_content_type() == "image/png" and image_part["Content-ID"] == "<shop-logo@zargar>"
    assert image_part.get_payload(decode=True) == content
    assert [part.get_filename() for part in email.walk() if part.get_content_disposition() == "attachment"] == [
        f"{s.extra['sale'].display_number}.pdf"]

    # A new logo replaces the file once committed; removing it leaves none.
    old = tmp_path / row.receipt_logo.name
    with django_capture_on_commit_callbacks(execute=True):
        assert _settings_post(owner, receipt_tax_id="IR-4110 2233", receipt_logo=SimpleUploadedFile(
            "new.png", png((60, 60)))).status_code == 302
    with tenant_context(s.tenant):
        new = tmp_path / selectors.pos_settings_get().receipt_logo.name
    assert new.exists() and new != old and not old.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert _settings_post(owner, receipt_logo_clear="on").status_code == 302
    with tenant_context(s.tenant):
        row = selectors.pos_settings_get()
    assert not row.receipt_logo and not new.exists() and row.receipt_tax_id == ""
    html = cashier.get(reverse("pos:sale-receipt", kwargs=sale)).content.decode()
    assert 'id="receipt-logo"' not in html and "Tax ID" not in html
    assert cashier.get(reverse("pos:receipt-logo")).status_code == 404
    pdf = PdfReader(io.BytesIO(cashier.get(reverse("pos:sale-receipt-pdf", kwargs=sale)).content))
    assert len(pdf.pages[0].images) == 0


@pytest.mark.parametrize(("content", "message"), [
    (b"not an image at all", "This file is not an image we can read."),
    (b"\x89PNG" + b"0" * (services.RECEIPT_LOGO_MAX_BYTES + 10), "A logo can be at most 1 MB."),
])
def test_a_bad_logo_is_refused_and_nothing_changes(shop_a, tmp_path, content, message) -> None:
    s = shop_a
    response = _settings_post(client_for(s.owner), receipt_tax_id="NEW-1",
                              receipt_logo=SimpleUploadedFile("logo.png", content))
    assert response.status_code == 422 and message in response.content.decode()
    with tenant_context(s.tenant):
        row = selectors.pos_settings_get()
    assert not row.receipt_logo and row.receipt_tax_id == ""  # the tax ID was not saved
    assert not (tmp_path / "logos").exists()


def test_only_the_owner_changes_what_receipts_print(shop_a) -> None:
    response = _settings_post(client_for(shop_a.manager), receipt_tax_id="X")
    assert response.status_code == 403
