"""The register's drawer for other modules: money taken or paid back at a terminal
for something that is not a sale (a repair's deposit, its balance, a refund of a
deposit), with the same rules as a sale's tenders, and the cash those modules put
into or take out of a shift's drawer.

- drawer_take(): one tender (cash with the change due, or card with its reference)
  for an amount due, at an open shift held FOR SHARE like a sale holds it (closing
  the shift waits for it). The rules are the sale's: pos.services._money and
  pos.totals.change_split.
- drawer_pay_out(): cash or card paid back; the shift is locked and, for cash, its
  drawer must hold it (pos.returns.cash_out_check, as for a refund or a buy-back).
- Drawer sources: an app registers (in its AppConfig.ready) a function giving the
  cash it moved through a shift's drawer (signed: in > 0, out < 0) with a label;
  pos.selectors.shift_expected_cash and the Z report add each one as its own line.
  pos never imports those apps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from tenants.errors import BusinessRuleError
from tenants.models import Tenant, User

from . import totals
from .models import Payment, Shift

ZERO = Decimal("0")
# The tenders a drawer takes for other modules (the sale's other tenders need a sale).
DRAWER_METHODS = (Payment.Method.CASH, Payment.Method.CARD)


@dataclass(frozen=True)
class Tender:
    """What the cashier entered: the method, the cash handed over (blank: exactly the
    amount) and the card's reference."""

    method: str
    handed: Any = None
    reference: str = ""


@dataclass(frozen=True)
class DrawerMove:
    shift: Shift
    method: str
    amount: Decimal  # what the payment counts for (handed over net of change)
    change_given: Decimal
    reference: str


def _method_check(method: str) -> None:
    if method not in DRAWER_METHODS:
        raise BusinessRuleError(_("Choose cash or card."), field="method")


def drawer_take(*, tenant: Tenant, actor: User, shift: Shift, amount: Decimal,
                tender: Tender) -> DrawerMove:
    """Take `amount` at the shift's terminal in one tender; the shift must be open (held
    FOR SHARE until the caller's transaction commits). Cash may be more than the amount
    (the rest is change), card exactly the amount. Call inside tenant_context."""
    from .services import _money, _require_staff, _shift_for_sale

    _require_staff(actor, tenant)
    _method_check(tender.method)
    amount = _money(amount, tenant.currency, field="amount")
    if amount <= 0:
        raise BusinessRuleError(_("Each payment must be more than zero."), field="amount")
    handed = amount if tender.handed in (None, "") else \
        _money(tender.handed, tenant.currency, field="handed")
    if tender.method != Payment.Method.CASH and handed != amount:
        raise BusinessRuleError(_("A card pays exactly the amount due."), field="handed")
    shift = _shift_for_sale(shift)
    (change,) = totals.change_split(amount, [(tender.method, handed)], currency=tenant.currency)
    return DrawerMove(shift=shift, method=tender.method, amount=amount, change_given=change,
                      reference=(tender.reference or "").strip()[:100])


def drawer_pay_out(*, tenant: Tenant, actor: User, shift: Shift, amount: Decimal,
                   tender: Tender) -> DrawerMove:
    """Pay `amount` back in cash out of the shift's drawer (it must hold it) or to a card;
    the shift is locked FOR UPDATE. Call inside tenant_context."""
    from .returns import _lock_shift_for_cash, cash_out_check
    from .services import _money, _require_staff

    _require_staff(actor, tenant)
    _method_check(tender.method)
    amount = _money(amount, tenant.currency, field="amount")
    if amount <= 0:
        raise BusinessRuleError(_("Nothing to pay back."), field="amount")
    shift = _lock_shift_for_cash(shift)
    if tender.method == Payment.Method.CASH:
        cash_out_check(shift=shift, amount=amount)
    return DrawerMove(shift=shift, method=tender.method, amount=amount, change_given=ZERO,
                      reference=(tender.reference or "").strip()[:100])


# --- cash of other modules in a shift's drawer ---------------------------------------


@dataclass(frozen=True)
class DrawerSource:
    key: str
    label: str | Promise
    cash: Callable[[Shift], Decimal]  # signed: into the drawer > 0


DRAWER_SOURCES: dict[str, DrawerSource] = {}


def drawer_source_register(source: DrawerSource) -> None:
    DRAWER_SOURCES[source.key] = source


def shift_other_cash(*, shift: Shift) -> list[tuple[str, str, Decimal]]:
    """(key, label, signed cash) of every registered source, in registration order."""
    return [(s.key, str(s.label), s.cash(shift)) for s in DRAWER_SOURCES.values()]
