"""Parallel tills scanning the same serial piece: it lands in exactly one cart and the
others are told it is in another cart; parallel scans of a lot at one terminal add up
(the cart row is locked) and never exceed the branch's stock."""

from decimal import Decimal

import pytest

from pos import carts
from pos import services as pos
from pos.models import CartLine
from tenants import services as tenant_services
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.pos.conftest import lot, open_shift, serial_piece
from tests.pos.test_concurrency import run_parallel

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_piece_one_cart_across_terminals(shop_a) -> None:
    s = shop_a
    ring = serial_piece(s)
    shifts = [open_shift(s)]
    with tenant_context(s.tenant):
        for n in range(2, 5):  # the plan allows 4 terminals
            terminal = tenant_services.terminal_create(tenant=s.tenant, actor=s.owner,
                                                       branch=s.main, name=f"T{n}")
            # one open shift per person: a cashier of their own at each till
            cashier = tenant_services.staff_invite(
                tenant=s.tenant, actor=s.owner, role="cashier", branch=s.main,
                email=f"t{n}.{s.tenant.slug}@example.com")
            shifts.append(pos.shift_open(tenant=s.tenant, actor=cashier, terminal=terminal,
                                         opening_float=Decimal(0)))

    def work(i: int):
        with tenant_context(s.tenant):
            return carts.cart_line_add(tenant=s.tenant, actor=s.cashier, shift=shifts[i],
                                       item=ring)

    results, errors = run_parallel(4, work)
    assert len(results) == 1 and len(errors) == 3
    assert all(isinstance(e, BusinessRuleError) for e in errors), errors
    assert all("another cart" in e.message or "cart of terminal" in e.message
               for e in errors), [e.message for e in errors]
    with tenant_context(s.tenant):
        assert CartLine.objects.filter(item=ring).count() == 1


def test_parallel_scans_of_a_lot_add_up_to_the_stock(shop_a) -> None:
    s = shop_a
    chain = lot(s, 5)
    shift = open_shift(s)

    def work(i: int):
        with tenant_context(s.tenant):
            return carts.cart_line_add(tenant=s.tenant, actor=s.cashier, shift=shift,
                                       item=chain)

    results, errors = run_parallel(8, work)
    assert len(results) == 5 and len(errors) == 3
    assert all("Only 5 of" in e.message for e in errors)
    with tenant_context(s.tenant):
        assert CartLine.objects.get(item=chain).quantity == 5
