"""Celery tasks that work on one shop's data.

    @shared_task(base=TenantTask, bind=True)
    def sale_post(self, sale_id): ...
    sale_post.delay_for(tenant, sale_id)

The task runs inside tenant_context(tenant), one transaction; a call without a
tenant_id is refused loudly.
"""

from typing import Any

from celery import Task

from .context import TenantContextMissing, tenant_context


class TenantTask(Task):
    abstract = True
    acks_late = True
    # tenant_id travels as a keyword the task function never sees (popped in __call__).
    typing = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from .models import Tenant

        tenant_id = kwargs.pop("tenant_id", None)
        if not tenant_id:
            raise TenantContextMissing(f"{self.name} needs tenant_id=...")
        tenant = Tenant.objects.get(pk=tenant_id)
        with tenant_context(tenant):
            return super().__call__(*args, **kwargs)

    def delay_for(self, tenant: Any, *args: Any, **kwargs: Any) -> Any:
        return self.apply_async(args=args, kwargs={**kwargs, "tenant_id": str(tenant.pk)})


def fan_out(task: TenantTask, *args: Any, **kwargs: Any) -> int:
    """Enqueue `task` once for every active tenant (from a scheduled platform task);
    returns how many were enqueued."""
    from .models import Tenant

    ids = Tenant.objects.filter(status=Tenant.Status.ACTIVE).values_list("pk", flat=True)
    n = 0
    for tenant_id in ids.iterator():
        task.apply_async(args=args, kwargs={**kwargs, "tenant_id": str(tenant_id)})
        n += 1
    return n
