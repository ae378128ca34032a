"""Repair pages: intake (photos checked, input kept on error), the list with filters,
workflow buttons by role, the ticket, the dashboard widget, isolation, Persian."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from repairs.models import RepairOrder, RepairPhoto
from tenants.context import tenant_context

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _intake(shop, **extra):
    data = {"customer": shop.extra["customer"].pk, "branch": shop.main.pk, "kind": "repair",
            "service": "resize", "description": "Wedding ring, resize to 56",
            "weight_in": "3.875", "labour_estimate": "40.00"}
    data.update(extra)
    return data


def test_intake_creates_an_order_with_its_photo_and_redirects(shop_a) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (10, 10), (250, 200, 0)).save(buf, "JPEG")
    client = _client(shop_a.cashier)
    response = client.post(reverse("repairs:order-create"),
                           _intake(shop_a, photo=SimpleUploadedFile("ring.jpg", buf.getvalue())))
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        order = RepairOrder.objects.get(description="Wedding ring, resize to 56")
        assert order.photos.count() == 1 and order.weight_in == Decimal("3.875")
    assert response["Location"] == reverse("repairs:order-detail", args=[order.pk])
    body = client.get(response["Location"]).content.decode()
    assert f"R-{order.number}" in body and 'data-action="quote"' in body
    assert 'data-action="cancel"' not in body  # a cashier may not cancel


def test_intake_refuses_a_non_image_named_jpg_with_a_clear_message(shop_a) -> None:
    client = _client(shop_a.cashier)
    fake = SimpleUploadedFile("ring.jpg", b"MZ\x90\x00 this is an exe" * 20, "image/jpeg")
    response = client.post(reverse("repairs:order-create"), _intake(shop_a, photo=fake))
    body = response.content.decode()
    assert response.status_code == 422
    assert "This file is not an image we can read" in body
    assert "Wedding ring, resize to 56" in body  # input kept
    with tenant_context(shop_a.tenant):
        assert not RepairOrder.objects.filter(description__startswith="Wedding").exists()


def test_photo_upload_refuses_an_oversized_file_with_a_clear_message(shop_a, settings) -> None:
    settings.REPAIR_PHOTO_MAX_BYTES = 1024
    order = shop_a.extra["repair"]
    buf = io.BytesIO()
    Image.new("RGB", (300, 300)).save(buf, "PNG", compress_level=0)
    response = _client(shop_a.owner).post(reverse("repairs:photo-add", args=[order.pk]),
                                          {"photo": SimpleUploadedFile("big.png", buf.getvalue())})
    assert response.status_code == 422
    assert "A photo can be at most 1.0\xa0KB." in response.content.decode()
    with tenant_context(shop_a.tenant):
        assert RepairPhoto.objects.filter(order=order).count() == 1  # the world's photo only


def test_transition_buttons_move_the_order_and_an_illegal_post_is_refused(shop_a) -> None:
    order = shop_a.extra["repair"]  # quoted
    client = _client(shop_a.owner)
    url = reverse("repairs:order-transition", args=[order.pk])
    response = client.post(url, {"action": "deliver"})
    assert response.status_code == 422
    assert "cannot do this" in response.content.decode()
    assert client.post(url, {"action": "approve"}).status_code == 302
    with tenant_context(shop_a.tenant):
        assert RepairOrder.objects.get(pk=order.pk).status == "approved"
    body = client.get(reverse("repairs:order-detail", args=[order.pk])).content.decode()
    assert 'data-action="start"' in body and 'data-action="approve"' not in body


def test_list_filters_and_isolation(shop_a, shop_b, django_assert_max_num_queries) -> None:
    client = _client(shop_a.cashier)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("repairs:order-list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("repairs:order-detail", args=[shop_a.extra["repair"].pk]) in body
    assert str(shop_b.extra["repair"].pk) not in body
    response = client.get(reverse("repairs:order-list"), {"status": "delivered"},
                          headers={"HX-Request": "true", "HX-Target": "repair-results"})
    assert "<html" not in response.content.decode()
    assert "No order matches" in response.content.decode()
    assert client.get(reverse("repairs:order-detail",
                              args=[shop_b.extra["repair"].pk])).status_code == 404
    assert client.get(reverse("repairs:photo-file",
                              args=[shop_b.extra["repair_photo"].pk])).status_code == 404


def test_ticket_and_photo_are_served(shop_a) -> None:
    order = shop_a.extra["repair"]
    client = _client(shop_a.cashier)
    body = client.get(reverse("repairs:order-ticket", args=[order.pk])).content.decode()
    assert f"R-{order.number}" in body and "Customer's signature" in body
    response = client.get(reverse("repairs:photo-file", args=[shop_a.extra["repair_photo"].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_dashboard_widget_counts_pending_repairs(shop_a) -> None:
    body = _client(shop_a.owner).get(reverse("home")).content.decode()
    assert 'id="widget-pending-repairs"' in body


def test_pages_in_persian(shop_a) -> None:
    shop_a.owner.language = "fa"
    shop_a.owner.save(update_fields=["language"])
    client = _client(shop_a.owner)
    body = client.get(reverse("repairs:order-list")).content.decode()
    assert 'dir="rtl"' in body and "تعمیر" in body
    body = client.get(reverse("repairs:order-detail",
                              args=[shop_a.extra["repair"].pk])).content.decode()
    assert "تاریخچه" in body
