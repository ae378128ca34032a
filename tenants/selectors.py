"""Reads of the tenancy core. Users are a global table, so staff reads scope by tenant
here (the one place that does it); tenant tables are scoped by RLS alone."""

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404

from .limits import tenant_limit
from .models import Branch, Tenant, User

PAGE_SIZE = 25


def staff_list(*, tenant: Tenant, search: str = "", role: str = "", branch_id: str = "",
               status: str = "") -> QuerySet[User]:
    users = User.objects.filter(tenant=tenant).select_related("branch").order_by(
        "-is_active", "full_name", "email"
    )
    if search:
        users = users.filter(
            Q(full_name__icontains=search) | Q(email__icontains=search) | Q(phone__icontains=search)
        )
    if role:
        users = users.filter(role=role)
    if branch_id:
        users = users.filter(branch_id=branch_id)
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    return users


def staff_page(users: QuerySet[User], page: str | int | None) -> Page:
    return Paginator(users, PAGE_SIZE).get_page(page)


def staff_get(*, tenant: Tenant, user_id: object) -> User:
    """A member of this shop's staff; anybody else is a 404, like a missing id."""
    try:
        return User.objects.select_related("branch").get(tenant=tenant, pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def staff_usage(*, tenant: Tenant) -> dict[str, int]:
    return {
        "active": User.objects.filter(tenant=tenant, is_active=True).count(),
        "limit": tenant_limit(tenant, "users"),
    }


def branch_list() -> QuerySet[Branch]:
    return Branch.objects.order_by("-is_active", "name")


def branch_get(*, branch_id: object) -> Branch:
    try:
        return Branch.objects.get(pk=branch_id)
    except (Branch.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
