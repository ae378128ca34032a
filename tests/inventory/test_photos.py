"""Item photos: checked by content, stored through Django storage, served through RLS."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from inventory import services
from inventory.models import ItemPhoto
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import TINY_PNG

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def image_bytes(fmt: str, size=(4, 3)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 160, 40)).save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize(("fmt", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png"),
                                                   ("WEBP", "image/webp")])
def test_upload_and_serve(shop_a, shop_b, tmp_path, fmt, content_type) -> None:
    item = shop_a.extra["item"]
    c = client_for(shop_a.manager)
    content = image_bytes(fmt)
    # The name lies: the content decides.
    upload = SimpleUploadedFile("photo.gif", content, content_type="application/octet-stream")
    response = c.post(reverse("inventory:item-photo-upload", args=[item.pk]), {"photo": upload})
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        photo = ItemPhoto.objects.filter(item=item).latest("created_at")
    assert (photo.content_type, photo.size, photo.width, photo.height) == (
        content_type, len(content), 4, 3)
    assert photo.image.name.startswith(f"items/{shop_a.tenant.pk}/")
    assert (tmp_path / photo.image.name).read_bytes() == content
    detail = c.get(reverse("inventory:item-detail", args=[item.pk])).content.decode()
    assert reverse("inventory:item-photo", args=[photo.pk]) in detail
    served = client_for(shop_a.cashier).get(reverse("inventory:item-photo", args=[photo.pk]))
    assert served.status_code == 200 and served["Content-Type"] == content_type
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == content
    # Shop B cannot see it, nor delete it.
    other = client_for(shop_b.owner)
    assert other.get(reverse("inventory:item-photo", args=[photo.pk])).status_code == 404
    assert other.post(reverse("inventory:item-photo-delete", args=[photo.pk])).status_code == 404
    assert Client().get(reverse("inventory:item-photo", args=[photo.pk])).status_code == 302


@pytest.mark.parametrize(("name", "content", "message"), [
    ("evil.png", b"<script>alert(1)</script>", "not an image we can read"),
    ("fake.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "not an image we can read"),
    ("anim.gif", None, "JPEG, PNG or WebP"),
])
def test_rejected_uploads_keep_nothing(shop_a, tmp_path, name, content, message) -> None:
    item = shop_a.extra["item"]
    content = content if content is not None else image_bytes("GIF")
    before = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    response = client_for(shop_a.owner).post(
        reverse("inventory:item-photo-upload", args=[item.pk]),
        {"photo": SimpleUploadedFile(name, content, content_type="image/png")})
    assert response.status_code == 422 and message in response.content.decode()
    with tenant_context(shop_a.tenant):
        assert ItemPhoto.objects.filter(item=item).count() == 1  # the world's photo only
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == before


def test_size_limit_and_roles(shop_a, monkeypatch) -> None:
    item = shop_a.extra["item"]
    monkeypatch.setattr(services, "PHOTO_MAX_BYTES", 50)
    with tenant_context(shop_a.tenant), pytest.raises(BusinessRuleError, match="5 MB"):
        services.item_photo_add(tenant=shop_a.tenant, actor=shop_a.owner, item=item,
                                upload=SimpleUploadedFile("big.png", image_bytes("PNG", (64, 64))))
    response = client_for(shop_a.cashier).post(
        reverse("inventory:item-photo-upload", args=[item.pk]),
        {"photo": SimpleUploadedFile("a.png", TINY_PNG)})
    assert response.status_code == 403


def test_delete_removes_row_and_file(shop_a, tmp_path, django_capture_on_commit_callbacks) -> None:
    item = shop_a.extra["item"]
    with tenant_context(shop_a.tenant):
        photo = services.item_photo_add(tenant=shop_a.tenant, actor=shop_a.owner, item=item,
                                        upload=SimpleUploadedFile("a.png", TINY_PNG))
    path = tmp_path / photo.image.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(shop_a.manager).post(
            reverse("inventory:item-photo-delete", args=[photo.pk]))
    assert response.status_code == 302 and not path.exists()
    with tenant_context(shop_a.tenant):
        assert not ItemPhoto.objects.filter(pk=photo.pk).exists()
