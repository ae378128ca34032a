"""One mechanism for who may open what: the two panels, roles and branches.

    @tenant_view(roles=STAFF_MANAGERS)   # shop users with these roles
    @platform_view                       # platform admins (second factor enforced by middleware)

Anonymous visitors go to the login page; a signed-in user of the other panel
or without the role gets 403. Object lookups stay 404 for other tenants' ids.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from .models import Branch, User

View = Callable[..., HttpResponse]

ALL_SHOP_ROLES = (
    User.Role.OWNER,
    User.Role.MANAGER,
    User.Role.SALESPERSON,
    User.Role.CASHIER,
)
STAFF_MANAGERS = (User.Role.OWNER, User.Role.MANAGER)
OWNERS = (User.Role.OWNER,)


def tenant_view(*, roles: Iterable[str] = ALL_SHOP_ROLES) -> Callable[[View], View]:
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request, "tenant", None) is None or user.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.zargar_access = ("tenant", allowed)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def platform_view(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_platform_admin or not user.is_verified():
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.zargar_access = ("platform", None)  # type: ignore[attr-defined]
    return wrapped


MANAGE_BRANCH = "tenants.manage_branch"


def user_manages_branch(user: User, branch: Branch | None) -> bool:
    """Owners run every branch; a manager runs the branches granted to them (guardian).
    Staff without a branch work in all branches, so only owners manage them."""
    if user.role == User.Role.OWNER:
        return True
    if user.role != User.Role.MANAGER or branch is None:
        return False
    return user.has_perm(MANAGE_BRANCH, branch)


def user_works_at(user: User, branch: Branch) -> bool:
    """Whether `user` does `branch`'s floor work (ships or receives its stock): who
    manages it, who is assigned to it, and a salesperson or cashier without a branch
    (they work in all). A manager neither granted the branch nor assigned to it does
    not; a salesperson or cashier bound to another branch does not."""
    if user_manages_branch(user, branch) or user.branch_id == branch.pk:
        return True
    return user.branch_id is None and not user_sees_all_branches(user)


def user_sees_all_branches(user: User) -> bool:
    return user.role in STAFF_MANAGERS


def user_branch_bound(user: User) -> bool:
    """A salesperson or cashier assigned to a branch: they see and work in that branch
    only. Owners and managers see all branches; staff without a branch work in all."""
    return not user_sees_all_branches(user) and user.branch_id is not None


def branches_visible_to(user: User) -> QuerySet[Branch]:
    """Active branches a shop user works with: their own if they are bound to one, else
    all."""
    branches = Branch.objects.filter(is_active=True)
    if not user_branch_bound(user):
        return branches
    return branches.filter(pk=user.branch_id)


def branch_scope[M: Model](rows: QuerySet[M], user: User, *,
                           field: str = "branch") -> QuerySet[M]:
    """`rows` (which carry a branch in `field`) that `user` may see: a branch-bound
    salesperson's or cashier's branch only; everything for the others (a closed branch's
    rows included). The tenant is RLS's business, never filtered here. Another branch's
    object is then missing, so a detail page answers 404 as for another shop's id."""
    if not user_branch_bound(user):
        return rows
    return rows.filter(**{f"{field}_id": user.branch_id})


def branch_visible(user: User, branch_id: object) -> bool:
    """The same rule for one object already read (`branch_scope` for querysets)."""
    return not user_branch_bound(user) or branch_id == user.branch_id
