"""Manager approval with a PIN at the register (pos.approvals) and the PIN itself."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from pos import approvals
from pos import services as pos
from tenants import services as tenants
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.models import User

pytestmark = pytest.mark.django_db


def _check(s, pin, actor=None):
    with tenant_context(s.tenant):
        return approvals.manager_approval_check(
            tenant=s.tenant, actor=actor or s.cashier, branch=s.main, pin=pin
        )


def test_owner_approves_own_action_without_pin(shop_a) -> None:
    assert _check(shop_a, None, actor=shop_a.owner) == shop_a.owner


def test_cashier_needs_a_managers_pin(shop_a) -> None:
    tenants.user_pin_set(user=shop_a.owner, pin="4321")
    with pytest.raises(BusinessRuleError, match="manager's approval"):
        _check(shop_a, "")
    with pytest.raises(BusinessRuleError, match="does not belong"):
        _check(shop_a, "1234")
    assert _check(shop_a, "4321") == shop_a.owner
    shop_a.owner.refresh_from_db()
    assert shop_a.owner.pos_pin and "4321" not in shop_a.owner.pos_pin  # stored hashed


def test_a_pin_two_approvers_share_is_refused_rather_than_credited_to_one(shop_a) -> None:
    cache.clear()
    tenants.user_pin_set(user=shop_a.owner, pin="2468")
    tenants.user_pin_set(user=shop_a.manager, pin="2468")
    with pytest.raises(BusinessRuleError, match="More than one manager"):
        _check(shop_a, "2468")
    tenants.user_pin_set(user=shop_a.manager, pin="1357")  # each their own: both approve
    assert _check(shop_a, "2468") == shop_a.owner
    assert _check(shop_a, "1357") == shop_a.manager


def test_other_shops_manager_pin_does_not_approve(shop_a, shop_b) -> None:
    tenants.user_pin_set(user=shop_b.owner, pin="7777")
    with pytest.raises(BusinessRuleError, match="does not belong"):
        _check(shop_a, "7777")


def test_pin_guessing_is_locked_after_five_wrong_pins(shop_a) -> None:
    cache.clear()
    tenants.user_pin_set(user=shop_a.owner, pin="4321")
    for guess in ("0000", "1111", "2222", "3333", "5555"):
        with pytest.raises(BusinessRuleError, match="does not belong"):
            _check(shop_a, guess)
    with pytest.raises(BusinessRuleError, match="Too many wrong PINs"):
        _check(shop_a, "4321")


@pytest.mark.parametrize("pin", ["12", "123456789", "12a4", "۱۲a۴", "۱۲۳۴۵۶۷۸۹"])
def test_pin_format(shop_a, pin) -> None:
    with pytest.raises(BusinessRuleError, match="4 to 8 digits"):
        tenants.user_pin_set(user=shop_a.owner, pin=pin)


def test_staff_below_manager_have_no_pin(shop_a) -> None:
    with pytest.raises(BusinessRuleError, match="Only owners and managers"):
        tenants.user_pin_set(user=shop_a.cashier, pin="1234")
    assert shop_a.cashier.role == User.Role.CASHIER


def test_settings_only_owner_and_bounds(shop_a) -> None:
    s = shop_a
    with pytest.raises(BusinessRuleError, match="Only the owner"):
        pos.pos_settings_update(
            tenant=s.tenant, actor=s.cashier, discount_limit_percent=Decimal("50")
        )
    with pytest.raises(BusinessRuleError, match="between 0% and 100%"):
        pos.pos_settings_update(
            tenant=s.tenant, actor=s.owner, discount_limit_percent=Decimal("101")
        )
    row = pos.pos_settings_update(
        tenant=s.tenant, actor=s.owner, discount_limit_percent=Decimal("12.5")
    )
    with tenant_context(s.tenant):
        from pos.selectors import pos_settings_get

        assert (
            pos_settings_get().discount_limit_percent
            == Decimal("12.50")
            == row.discount_limit_percent
        )


def test_a_pin_typed_in_persian_digits_approves(shop_a) -> None:
    cache.clear()
    tenants.user_pin_set(user=shop_a.manager, pin="4821")
    assert _check(shop_a, "۴۸۲۱") == shop_a.manager
    assert _check(shop_a, "٤٨٢١") == shop_a.manager  # Arabic-Indic digits too
    assert cache.get(approvals._attempts_key(shop_a.cashier), 0) == 0  # no lockout count


def test_a_pin_set_in_persian_digits_is_kept_as_ascii(shop_a) -> None:
    tenants.user_pin_set(user=shop_a.manager, pin=" ۴۸۲۱ ")
    assert _check(shop_a, "4821") == shop_a.manager
