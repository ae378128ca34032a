"""Acceptance 2 and 3: parallel cashiers never sell a piece twice, never drive a lot
negative, and one idempotency key is one sale however often and however fast it comes.

Each thread runs the service in its own connection (closed at the end); a Barrier
starts them together. No sleeps: the database locks decide the order.
"""

import threading
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from inventory.models import StockLevel, StockMovement
from pos import services as pos
from pos.models import Payment, Sale, Shift
from tenants import services as tenants_services
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.pos.conftest import lot, open_shift, serial_piece

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


def run_parallel(n: int, work: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def thread(i: int) -> None:
        try:
            barrier.wait()
            value = work(i)
            with lock:
                results.append(value)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=thread, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results, errors


def _sell(s, shift, lines, payments, key=None):
    with tenant_context(s.tenant):
        return pos.sale_complete(tenant=s.tenant, actor=s.cashier, shift=shift,
                                 idempotency_key=key or uuid.uuid4(), lines=lines,
                                 payments=payments)


def test_twenty_cashiers_one_serial_piece_exactly_one_sale(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    ring = serial_piece(s)
    price = ring.selling_price

    results, errors = run_parallel(
        20, lambda i: _sell(s, shift, [(ring, 1, D(0))], [("cash", price, "")]).pk)

    assert len(results) == 1 and len(errors) == 19
    assert all(isinstance(e, BusinessRuleError) for e in errors), errors
    assert all("may have just been sold" in e.message for e in errors)
    with tenant_context(s.tenant):
        assert Sale.objects.filter(lines__item=ring).count() == 1
        assert StockMovement.objects.filter(item=ring, kind="sale").count() == 1
        assert StockLevel.objects.get(item=ring, branch=s.main).quantity == 0
        assert Payment.objects.filter(sale_id=results[0]).count() == 1
        numbers = sorted(Sale.objects.values_list("number", flat=True))
        assert numbers == [1, 2]  # no number burnt by the 19 refusals


def test_parallel_sales_of_a_lot_never_go_negative(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    chain = lot(s, 7)
    price = chain.selling_price
    qty = [1, 2, 1, 3, 1, 2, 1, 1, 2, 1, 1, 2]  # 18 asked for, 7 in stock

    results, errors = run_parallel(
        len(qty), lambda i: (qty[i], _sell(s, shift, [(chain, qty[i], D(0))],
                                           [("cash", price * qty[i], "")]).pk))

    assert all(isinstance(e, BusinessRuleError) and "Not enough stock" in e.message
               for e in errors), errors
    assert len(results) + len(errors) == len(qty) and results
    with tenant_context(s.tenant):
        sold = sum(-m.quantity for m in StockMovement.objects.filter(item=chain, kind="sale"))
        left = StockLevel.objects.get(item=chain, branch=s.main).quantity
        assert left >= 0 and sold + left == 7
        assert sold == sum(q for q, _pk in results)
        assert Sale.objects.filter(pk__in=[pk for _q, pk in results]).count() == len(results)
        numbers = sorted(Sale.objects.values_list("number", flat=True))
        assert numbers == list(range(1, len(results) + 2))


def test_the_same_key_ten_times_in_parallel_is_one_sale(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    chain = lot(s, 50)
    price = chain.selling_price
    key = uuid.uuid4()

    results, errors = run_parallel(
        10, lambda i: _sell(s, shift, [(chain, 2, D(0))], [("cash", price * 2, "")], key).pk)

    assert errors == [] and len(results) == 10 and len(set(results)) == 1
    with tenant_context(s.tenant):
        assert Sale.objects.filter(idempotency_key=key).count() == 1
        assert StockLevel.objects.get(item=chain, branch=s.main).quantity == 48
        assert StockMovement.objects.filter(item=chain, kind="sale").count() == 1


def test_one_person_opening_two_tills_at_once_gets_one_shift(shop_a) -> None:
    """Two shift openings by the same cashier at two terminals, together: each locks its
    own terminal, so only the lock on the user's row makes the second see the first."""
    s = shop_a
    with tenant_context(s.tenant):
        terminals = [s.terminal, tenants_services.terminal_create(
            tenant=s.tenant, actor=s.owner, branch=s.main, name="T2")]

    def work(i: int):
        with tenant_context(s.tenant):
            return pos.shift_open(tenant=s.tenant, actor=s.cashier, terminal=terminals[i])

    results, errors = run_parallel(2, work)
    assert len(results) == 1 and len(errors) == 1, (results, errors)
    assert isinstance(errors[0], BusinessRuleError), errors
    assert "You already have an open shift at terminal" in errors[0].message
    with tenant_context(s.tenant):
        assert Shift.objects.filter(opened_by=s.cashier, closed_at__isnull=True).count() == 1
