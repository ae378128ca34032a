"""The tenant scope of the current unit of work (request, task, command, test).

PostgreSQL enforces isolation: `app.tenant_id` is set with set_config(..., true),
which lasts until the end of the surrounding transaction, so it can never leak
to the next user of a pooled connection. Python keeps the same tenant in a
context variable so tenant code can refuse to run without one (a loud error),
because "zero rows" alone can hide a bug.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import connections, transaction

if TYPE_CHECKING:
    from .models import Tenant

SETTING = "app.tenant_id"

_current: contextvars.ContextVar[Tenant | None] = contextvars.ContextVar(
    "zargar_tenant", default=None
)
# (tenant id, database alias) whose app.tenant_id the innermost tenant_context set on
# that connection's open transaction.
_scoped: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "zargar_tenant_scope", default=None
)


class TenantContextMissing(RuntimeError):
    """Tenant-owned data was touched outside tenant_context()."""


def current_tenant() -> Tenant | None:
    return _current.get()


def require_tenant() -> Tenant:
    tenant = _current.get()
    if tenant is None:
        raise TenantContextMissing(
            "Tenant-owned data used without a tenant scope: wrap the work in "
            "tenants.context.tenant_context(tenant) (requests get it from the middleware, "
            "tasks from TenantTask)."
        )
    return tenant


def _set_database_scope(tenant_id: str, using: str) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, tenant_id])


@contextmanager
def tenant_context(tenant: Tenant, *, using: str = "default") -> Iterator[Tenant]:
    """Run the block as `tenant`: one transaction with app.tenant_id set inside it.

    Nested scopes are allowed (a platform service acting for several tenants in
    turn); the outer tenant is restored on exit. A nested scope of the tenant that
    is already set on this connection's transaction (a service called by a view, a
    service called by a service) does not set it again: two round trips saved per
    service call (docs/performance.md, POS).
    """
    outer = _current.get()
    outermost = not connections[using].in_atomic_block
    scope = (str(tenant.pk), using)
    # Only inside the block that set it: the transaction, hence the setting, is alive.
    already = not outermost and _scoped.get() == scope
    token = _current.set(tenant)
    try:
        with transaction.atomic(using=using):
            if not already:
                _set_database_scope(scope[0], using)
            scoped = _scoped.set(scope)
            try:
                yield tenant
            finally:
                _scoped.reset(scoped)
            # The surrounding transaction may go on (a command, a test): give it
            # back the outer tenant, or no tenant at all. When this block is the
            # whole transaction its end clears the setting; on an error the
            # (savepoint) rollback restores the previous value by itself.
            if not outermost and not already:
                _set_database_scope(str(outer.pk) if outer is not None else "", using)
    finally:
        _current.reset(token)
