"""Shifts: one open per terminal, closing counts the drawer (acceptance 7, for sales;
refunds and payouts stay 0 until returns and buy-back exist), the Z report."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from pos import selectors
from pos import services as pos
from pos.models import Shift
from tenants import services as tenants_services
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import pos_sale_make
from tests.pos.conftest import lot, open_shift

D = Decimal
pytestmark = pytest.mark.django_db


def test_one_open_shift_per_terminal(shop_a, shop_b) -> None:
    s = shop_a
    shift = open_shift(s)
    with pytest.raises(BusinessRuleError, match="already has an open shift"):
        open_shift(s)
    with tenant_context(s.tenant):
        # The database holds the rule too (partial unique index).
        with pytest.raises(IntegrityError), transaction.atomic():
            Shift.objects.create(terminal=s.terminal, branch=s.main, opened_by=s.cashier)
        assert selectors.shift_open_for_terminal(terminal=s.terminal) == shift
    # Shop B's terminal is not A's business: B opens its own.
    assert open_shift(shop_b).terminal_id == shop_b.terminal.pk
    with pytest.raises(BusinessRuleError):
        with tenant_context(s.tenant):
            pos.shift_open(tenant=s.tenant, actor=s.cashier, terminal=shop_b.terminal)
    with pytest.raises(BusinessRuleError):
        open_shift(s, opening_float=D("-1"))


def _open(s, user, terminal):
    with tenant_context(s.tenant):
        return pos.shift_open(tenant=s.tenant, actor=user, terminal=terminal)


def _open_shifts(s):
    with tenant_context(s.tenant):
        return list(Shift.objects.filter(closed_at__isnull=True)
                    .values_list("opened_by_id", "terminal_id"))


def test_branch_bound_staff_open_shifts_at_their_branchs_terminals_only(shop_a,
                                                                        bazaar) -> None:
    """The service, not only the page: a cashier or salesperson bound to Bazaar cannot
    open a shift at main's terminal; owners, managers and staff without a branch can
    open one at any branch's."""
    s = shop_a
    with tenant_context(s.tenant):
        seller = tenants_services.staff_invite(
            tenant=s.tenant, actor=s.owner, email=f"seller.{s.tenant.slug}@example.com",
            role="salesperson", branch=s.branch)
    for user in (bazaar.cashier, seller):
        with pytest.raises(BusinessRuleError, match="You work at the Bazaar branch") as err:
            _open(s, user, s.terminal)
        assert err.value.field == "terminal"
    assert _open_shifts(s) == []
    own = _open(s, bazaar.cashier, bazaar.terminal)
    assert own.branch_id == s.branch.pk
    pos.shift_close(tenant=s.tenant, actor=bazaar.cashier, shift=own, counted_cash=D(0))
    # Owner, manager (of main) and the world's cashier (no branch) work anywhere.
    for user in (s.owner, s.manager, s.cashier):
        shift = _open(s, user, bazaar.terminal)
        assert shift.opened_by_id == user.pk
        pos.shift_close(tenant=s.tenant, actor=user, shift=shift, counted_cash=D(0))


def test_one_open_shift_per_person(shop_a, bazaar) -> None:
    """Nobody holds two drawers: a second shift on another terminal is refused, naming
    the terminal where the first is open, until that one is closed."""
    s = shop_a
    first = open_shift(s)  # the world's cashier at main's T1
    with pytest.raises(BusinessRuleError,
                       match="You already have an open shift at terminal T1") as err:
        _open(s, s.cashier, bazaar.terminal)
    assert err.value.field == "terminal"
    assert _open_shifts(s) == [(s.cashier.pk, s.terminal.pk)]
    # Someone else may open the other terminal meanwhile; the cashier after closing.
    manager_shift = _open(s, s.manager, bazaar.terminal)
    pos.shift_close(tenant=s.tenant, actor=s.manager, shift=manager_shift,
                    counted_cash=D(0))
    pos.shift_close(tenant=s.tenant, actor=s.cashier, shift=first,
                    counted_cash=first.opening_float)
    assert _open(s, s.cashier, bazaar.terminal).terminal_id == bazaar.terminal.pk


def test_close_counts_the_drawer_and_the_z_report_matches_the_sales(shop_a) -> None:
    s = shop_a
    shift = open_shift(s, opening_float=D("150.00"))
    chain = lot(s, 10)
    price = chain.selling_price
    a = pos_sale_make(s, shift=shift, lines=[(chain, 2, D("1.00"))],
                      payments=[("cash", 2 * price, "")])  # 1.00 change
    b = pos_sale_make(s, shift=shift, lines=[(chain, 1, D(0))], cart_discount=D("2.00"),
                      payments=[("card", D("10.00"), "A1"), ("cash", price + D("8.00"), "")])
    c = pos_sale_make(s, shift=shift, lines=[(chain, 1, D(0))],
                      payments=[("card", price, "A2")])
    cash_kept = (2 * price - D("1.00")) + (price - D("12.00"))
    with tenant_context(s.tenant):
        assert selectors.shift_expected_cash(shift=shift) == D("150.00") + cash_kept
    closed = pos.shift_close(tenant=s.tenant, actor=s.manager, shift=shift,
                             counted_cash=D("150.00") + cash_kept - D("3.50"))
    assert closed.expected_cash == D("150.00") + cash_kept
    assert closed.over_short == D("-3.50") and closed.closed_by == s.manager

    with tenant_context(s.tenant):
        report = selectors.shift_z_report(shift=Shift.objects.get(pk=shift.pk))
    assert report.sales_count == 3
    assert report.total == a.total + b.total + c.total
    assert report.subtotal - report.discount_total == report.total
    assert report.discount_total == D("3.00")  # 1.00 off line a, 2.00 off cart b
    assert report.tax_total == a.tax_total + b.tax_total + c.tax_total
    assert report.by_method == {"cash": cash_kept, "card": D("10.00") + price}
    assert sum(report.by_method.values()) == report.total
    assert (report.cash_refunds, report.payouts) == (0, 0)
    assert report.expected_cash == closed.expected_cash
    assert report.counted_cash == closed.counted_cash and report.over_short == D("-3.50")

    with pytest.raises(BusinessRuleError, match="already closed"):
        pos.shift_close(tenant=s.tenant, actor=s.manager, shift=shift, counted_cash=D(0))
    with pytest.raises(BusinessRuleError, match="closed"):
        pos_sale_make(s, shift=shift, lines=[(chain, 1, D(0))])


def test_the_worlds_closed_shift_balances(shop_a) -> None:
    """tests.factories.pos_world's shift: counted exactly what was expected."""
    shift = shop_a.extra["shift"]
    assert shift.closed_at is not None and shift.over_short == 0
    with tenant_context(shop_a.tenant):
        report = selectors.shift_z_report(shift=shift)
    assert report.sales_count == 1 and report.total == shop_a.extra["sale"].total
