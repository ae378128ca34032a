"""Manager approval at the register: over the shop's limits (a discount above
PosSettings.discount_limit_percent, a refund above return_approval_limit) a manager
types their PIN on the cashier's screen.

manager_approval_check() answers the approving user or raises a BusinessRuleError:
- an owner, or a manager who runs the branch, approves their own action without a PIN;
- otherwise the PIN must be the one of an active owner of the shop or a manager of
  the branch (tenants.access.user_manages_branch) who has set a PIN;
- a PIN that two approvers of the branch share is refused: the approval would be
  recorded under whichever was found first (each must then set their own);
- after PIN_ATTEMPTS wrong PINs from one user the check refuses for PIN_LOCK_SECONDS
  (the cache counts them), so a PIN cannot be guessed at the counter;
- a PIN is read as typed on a Persian or Arabic keyboard too (tenants.services.pin_typed);
  owners and managers set theirs on their Security page (/settings/security/).
"""

from __future__ import annotations

from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.utils.translation import gettext as _

from tenants.access import user_manages_branch
from tenants.errors import BusinessRuleError
from tenants.models import Branch, Tenant, User
from tenants.services import PIN_ROLES, pin_typed

PIN_ATTEMPTS = 5
PIN_LOCK_SECONDS = 300
APPROVER_ROLES = PIN_ROLES


def _attempts_key(actor: User) -> str:
    return f"pos:pin-attempts:{actor.pk}"


def manager_approval_check(*, tenant: Tenant, actor: User, branch: Branch, pin: str | None) -> User:
    """The manager who approves `actor`'s action at `branch` (see the module docstring)."""
    if actor.tenant_id == tenant.pk and user_manages_branch(actor, branch):
        return actor
    key = _attempts_key(actor)
    if cache.get(key, 0) >= PIN_ATTEMPTS:
        raise BusinessRuleError(
            _("Too many wrong PINs: wait a few minutes and try again."), field="manager_pin"
        )
    pin = pin_typed(pin)  # ۴۸۲۱ typed on a Persian keyboard is 4821
    if not pin:
        raise BusinessRuleError(
            _("This needs a manager's approval: ask a manager to enter their PIN."),
            field="manager_pin",
        )
    candidates = User.objects.filter(
        tenant=tenant, is_active=True, role__in=APPROVER_ROLES
    ).exclude(pos_pin="")
    # The branch first: a PIN hash check (Argon2) costs tens of milliseconds each.
    approvers = [user for user in candidates if user_manages_branch(user, branch)]
    matches = [user for user in approvers if check_password(pin, user.pos_pin)]
    if len(matches) > 1:
        raise BusinessRuleError(
            _("More than one manager of this branch uses this PIN, so it cannot say who "
              "approves: each should set their own PIN on their Security page."),
            field="manager_pin",
        )
    if matches:
        cache.delete(key)
        return matches[0]
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, PIN_LOCK_SECONDS)
    raise BusinessRuleError(
        _("This PIN does not belong to a manager of this branch."), field="manager_pin"
    )
