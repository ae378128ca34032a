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
from django.db.models import QuerySet
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


def user_sees_all_branches(user: User) -> bool:
    return user.role in STAFF_MANAGERS


def branches_visible_to(user: User) -> QuerySet[Branch]:
    """Branches a shop user works with: owners and managers all, other staff their own."""
    branches = Branch.objects.filter(is_active=True)
    if user_sees_all_branches(user):
        return branches
    return branches.filter(pk=user.branch_id)
