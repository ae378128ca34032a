"""The register's cart drawn by Jinja2 (pos/jinja2/pos/cart.html, config/jinja2.py):
the Persian catalogue, the shop's money format, escaping and the forms' CSRF input."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from pos.models import CartLine
from tenants.context import tenant_context
from tests.pos.conftest import lot, serial_piece

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _till(s, language: str) -> Client:
    s.manager.language = language  # the saved language wins over the browser's
    s.manager.save(update_fields=["language"])
    c = Client()
    c.force_login(s.manager)
    c.post(reverse("pos:shift-open"), {"terminal": s.terminal.pk, "opening_float": "100.00"})
    return c


def _full_cart(s, c: Client) -> str:
    ring, chain = serial_piece(s), lot(s, 5)
    for code in (ring.barcode, chain.barcode, chain.barcode):
        assert c.post(reverse("pos:scan"), {"code": code}, **HX).status_code == 200
    response = c.post(reverse("pos:old-gold-credit"), {
        "gold-weight": "1.000", "gold-karat": "18", "gold-melt_loss_percent": "4",
        "gold-rate": "31.25", "gold-seller_name": "Maryam Rahimi",
        "gold-seller_id_number": "0012345678"}, **HX)
    assert response.status_code == 200
    response = c.post(reverse("pos:customer-create"), {
        "first_name": "<b>Ali</b>", "last_name": "Karimi", "phone": "+989121234567"}, **HX)
    assert response.status_code == 200
    with tenant_context(s.tenant):
        line = CartLine.objects.get(serial=False)
    response = c.post(reverse("pos:discount"), {"target": str(line.pk), "amount": "1.00"},
                      **HX)
    assert response.status_code == 200
    # A code that is no item: 422, the message in the cart, the cart unchanged.
    response = c.post(reverse("pos:scan"), {"code": "NO-SUCH-CODE"}, **HX)
    assert response.status_code == 422
    return response.content.decode()


def test_the_cart_in_persian_with_the_shop_s_numbers(shop_a) -> None:
    html = _full_cart(shop_a, _till(shop_a, "fa"))

    assert 'id="cart"' in html and "<html" not in html
    # The catalogue's Persian, plain strings and those with values.
    assert "اعتبار طلای کهنه" in html  # "Old gold credit"
    assert re.search(r'aria-label="برداشتن [^"]+"', html)  # "Remove %(sku)s"
    assert "افت ذوب ۴٪" in html or "افت ذوب ۴%" in html  # melt loss, Persian digits
    assert 'class="field-error" role="alert" id="id_code_error">هیچ کالایی با این کد' in html
    # Amounts in Persian digits; the machine-readable totals stay plain.
    assert re.search(r'id="cart-total">[۰-۹٬٫]+<', html)
    assert re.search(r'data-total="[0-9.]+"', html)


def test_the_cart_escapes_what_people_typed_and_each_form_posts_back(shop_a) -> None:
    c = _till(shop_a, "en")
    html = _full_cart(shop_a, c)

    assert "&lt;b&gt;Ali&lt;/b&gt; Karimi" in html and "<b>Ali</b>" not in html
    assert "Maryam Rahimi" in html and "No item has this code" in html
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) >= 6  # scan, customer, quantity, remove x2, old gold, discount, ...
    # The CSRF input the forms carry is accepted (the client enforces the check).
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = c.cookies
    response = strict.post(reverse("pos:scan"), {"code": "NO-SUCH-CODE",
                                                 "csrfmiddlewaretoken": tokens[0]}, **HX)
    assert response.status_code == 422
    response = strict.post(reverse("pos:scan"), {"code": "NO-SUCH-CODE"}, **HX)
    assert response.status_code == 403
