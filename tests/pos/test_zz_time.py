import time
import pytest
from django.urls import reverse
from tests.pos.conftest import lot, serial_piece
from tests.pos.test_views import _open_register
pytestmark = pytest.mark.django_db

def test_time(shop_a):
    s = shop_a
    c = _open_register(s)
    pieces = [serial_piece(s) for _ in range(3)]
    for p in pieces:
        c.post(reverse("pos:scan"), {"code": p.barcode}, HTTP_HX_REQUEST="true")
    chain = lot(s, 500)
    ts = []
    for i in range(100):
        t = time.perf_counter()
        r = c.post(reverse("pos:scan"), {"code": chain.sku}, HTTP_HX_REQUEST="true")
        ts.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
    ts.sort()
    print("p50", ts[50], "p95", ts[95], "max", ts[-1])
