"""Plan limits: what a tenant may have, and the check made where a resource is created."""

from typing import Literal

from django.utils.translation import gettext as _

from .errors import LimitReached
from .models import Subscription, Tenant

Resource = Literal["users", "branches", "items", "terminals"]


def _labels() -> dict[str, str]:
    return {
        "users": _("users"),
        "branches": _("branches"),
        "items": _("items"),
        "terminals": _("terminals"),
    }


def tenant_limit(tenant: Tenant, resource: Resource) -> int:
    """The tenant's limit: its subscription's override if set, else the plan's."""
    field = f"max_{resource}"
    subscription = Subscription.objects.filter(tenant=tenant).only(field).first()
    override = getattr(subscription, field, None) if subscription else None
    return override if override is not None else getattr(tenant.plan, field)


def limit_check(tenant: Tenant, resource: Resource, *, in_use: int) -> None:
    """Refuse one more `resource` when `in_use` already reaches the limit."""
    limit = tenant_limit(tenant, resource)
    if in_use >= limit:
        raise LimitReached(
            _(
                "Your plan allows %(limit)s %(resource)s and all are in use. "
                "Ask the platform team to upgrade your plan."
            )
            % {"limit": limit, "resource": _labels()[resource]}
        )
