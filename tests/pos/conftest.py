"""POS fixtures: an open shift at each shop's terminal and stock to sell; the Bazaar
branch's own till and cashier for branch scope."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from inventory import services as inventory
from pos import services as pos
from tenants import services as tenants_services
from tenants.context import tenant_context
from tenants.models import Terminal, User
from tests.factories import Shop, item_make


def receive(s: Shop, item, quantity: int, branch=None) -> None:
    with tenant_context(s.tenant):
        inventory.stock_move(tenant=s.tenant, actor=s.owner, item=item, branch=branch or s.main,
                             kind="purchase_receipt", quantity=quantity, reference="PO-T")


def serial_piece(s: Shop, **overrides):
    item = item_make(s, **overrides)
    receive(s, item, 1)
    return item


def lot(s: Shop, quantity: int, **overrides):
    item = item_make(s, tracking="lot", **overrides)
    receive(s, item, quantity)
    return item


def register_open(page, base_url: str, s: Shop, password: str) -> None:  # noqa: ANN001
    """In a browser: sign in as the shop's manager and open a shift at its terminal
    with a float of 100, landing on the register."""
    page.goto(base_url + "/accounts/login/")
    page.locator("input[name=login]").fill(s.manager.email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.goto(base_url + "/pos/")
    page.get_by_label("Terminal").select_option(str(s.terminal.pk))
    page.get_by_label("Cash in the drawer (float)").fill("100")
    page.get_by_role("button", name="Open the shift").click()


def open_shift(s: Shop, opening_float: Decimal = Decimal("200.00")):
    """The world's shift at s.terminal is closed; open a new one (the terminal is at main;
    the world's cashier has no branch, so works there)."""
    with tenant_context(s.tenant):
        return pos.shift_open(tenant=s.tenant, actor=s.cashier, terminal=s.terminal,
                              opening_float=opening_float)


def make_gold(s: Shop) -> None:
    """The world's customer spends past the Gold threshold (1,000): Gold, 5 % off."""
    from crm import services as crm

    with tenant_context(s.tenant):
        crm.points_accrue(tenant=s.tenant, actor=s.owner, customer=s.extra["customer"],
                          amount=Decimal("1000.00"), reference="earlier")
        s.extra["customer"].refresh_from_db()
        assert s.extra["customer"].tier.discount_percent == Decimal("5")


@pytest.fixture
def shift_a(shop_a):
    return open_shift(shop_a)


@dataclass
class Bazaar:
    """The shop's second branch at work: its terminal and a cashier bound to it."""

    terminal: Terminal
    cashier: User


def bazaar_make(s: Shop) -> Bazaar:
    with tenant_context(s.tenant):
        terminal = tenants_services.terminal_create(tenant=s.tenant, actor=s.owner,
                                                    branch=s.branch, name="Bazaar till")
        cashier = tenants_services.staff_invite(
            tenant=s.tenant, actor=s.owner, email=f"bazaar.{s.tenant.slug}@example.com",
            role=User.Role.CASHIER, full_name="Bazaar Cashier", branch=s.branch)
    return Bazaar(terminal, cashier)


@pytest.fixture
def bazaar(shop_a) -> Bazaar:
    return bazaar_make(shop_a)
