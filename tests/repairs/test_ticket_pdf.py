"""The work order as a PDF: produced, with the order number and the customer, in
English and in Persian (Vazirmatn embedded, Persian digits), linked from the order page,
and only for the shop's own orders."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from tenants.context import tenant_context

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _pdf(response) -> PdfReader:  # noqa: ANN001
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def test_ticket_pdf_has_the_number_customer_and_amounts(shop_a) -> None:
    order = shop_a.extra["repair"]
    client = _client(shop_a.cashier)
    detail = client.get(reverse("repairs:order-detail", args=[order.pk])).content.decode()
    url = reverse("repairs:order-ticket-pdf", args=[order.pk])
    assert f'href="{url}"' in detail
    response = client.get(url)
    assert response["Content-Disposition"] == f'attachment; filename="R-{order.number}.pdf"'
    reader = _pdf(response)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert f"R-{order.number}" in text
    assert "Work order" in text and "Ring: resize to 54" in text
    assert order.customer.full_name in text
    assert "25.00" in text and "4.120" in text  # estimate, weight in
    assert reader.metadata.title == f"Work order R-{order.number}"


def test_ticket_pdf_in_persian_embeds_vazirmatn_and_persian_digits(shop_a) -> None:
    shop_a.cashier.language = "fa"
    shop_a.cashier.save(update_fields=["language"])
    order = shop_a.extra["repair"]
    reader = _pdf(_client(shop_a.cashier).get(
        reverse("repairs:order-ticket-pdf", args=[order.pk])))
    fonts = {str(font.get_object()["/BaseFont"])
             for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("Vazirmatn" in f for f in fonts)
    persian_number = str(order.number).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    text = reader.pages[0].extract_text()
    assert persian_number in text and "Work order" not in text


def test_long_descriptions_wrap_onto_more_lines_not_off_the_page(shop_a) -> None:
    from repairs.models import RepairOrder

    order = shop_a.extra["repair"]
    with tenant_context(shop_a.tenant):
        RepairOrder.objects.filter(pk=order.pk).update(
            description="Resize and polish the ring, then check every stone. " * 40)
    reader = _pdf(_client(shop_a.cashier).get(
        reverse("repairs:order-ticket-pdf", args=[order.pk])))
    text = "".join(page.extract_text() for page in reader.pages)
    assert text.count("stone.") == 40 and text.count("Resize") == 40 and f"R-{order.number}" in text


def test_another_shops_order_is_404(shop_a, shop_b) -> None:
    other = shop_b.extra["repair"]
    response = _client(shop_a.owner).get(reverse("repairs:order-ticket-pdf", args=[other.pk]))
    assert response.status_code == 404
