"""After work for tenant A, the same connection with no tenant sees nothing of A:
covers persistent connections (CONN_MAX_AGE), pools and Celery workers."""

import pytest
from celery import shared_task
from django.db import connection
from django.test import Client

from tenants.context import current_tenant
from tenants.models import Branch
from tenants.tasks_base import TenantTask


@shared_task(base=TenantTask, name="tests.branch_codes")
def branch_codes() -> list[str]:
    return sorted(Branch.objects.values_list("code", flat=True))


@shared_task(name="tests.unscoped_branch_count")
def unscoped_branch_count() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.tenant_id', true), count(*) FROM tenants_branch")
        setting, n = cursor.fetchone()
    return {"setting": setting or "", "count": n, "python_scope": current_tenant() is not None}


def _unscoped_view() -> tuple[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.tenant_id', true), count(*) FROM tenants_branch")
        setting, n = cursor.fetchone()
    return setting or "", n


@pytest.mark.django_db(transaction=True)
def test_request_as_a_then_same_connection_without_tenant_sees_nothing(shop_a) -> None:
    client = Client()
    client.force_login(shop_a.owner)
    response = client.get("/staff/")
    assert response.status_code == 200
    assert b"Bazaar" in response.content  # the request really read A's branches
    backend_pid = connection.connection.info.backend_pid if connection.connection else None

    setting, visible = _unscoped_view()
    assert connection.connection.info.backend_pid == backend_pid  # the same server session
    assert setting == ""
    assert visible == 0
    assert current_tenant() is None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_task_for_a_then_unscoped_task_on_same_worker_sees_nothing(
    shop_a, shop_b, celery_worker_running
) -> None:
    codes = branch_codes.delay_for(shop_a.tenant).get(timeout=20)
    assert codes == ["BZR", "MAIN"]
    after = unscoped_branch_count.delay().get(timeout=20)
    assert after == {"setting": "", "count": 0, "python_scope": False}


def test_tenant_task_without_tenant_is_refused_loudly() -> None:
    from tenants.context import TenantContextMissing

    with pytest.raises(TenantContextMissing):
        branch_codes.apply(throw=True)
