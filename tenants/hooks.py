"""What other apps do when a shop is created, without tenants importing them.

    tenant_created_register("accounting.entity", entity_for_new_tenant)

tenants.services.tenant_create() calls every registered function inside its
transaction and the new tenant's scope, after the owner exists, so a failing
hook leaves no half-made shop. An explicit registry rather than a signal: the
order is the registration order and `grep tenant_created_register` finds them.
"""

from collections.abc import Callable
from typing import Any

TenantCreatedHook = Callable[..., Any]  # fn(*, tenant, owner) -> Any

_tenant_created: dict[str, TenantCreatedHook] = {}


def tenant_created_register(key: str, hook: TenantCreatedHook) -> None:
    """Add (or replace, by key) a function run for every new tenant."""
    _tenant_created[key] = hook


def tenant_created_run(*, tenant: Any, owner: Any) -> None:
    for hook in list(_tenant_created.values()):
        hook(tenant=tenant, owner=owner)
