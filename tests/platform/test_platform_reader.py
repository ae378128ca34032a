"""Acceptance 6: the platform panel's connection can read everything and write nothing."""

import pytest
from django.db import connections
from django.db.utils import DatabaseError

from tenants.models import Plan, Tenant

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "platform"])


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO tenants_plan (id, name, price, currency, billing_cycle, max_users, "
        "max_branches, max_items, max_terminals, is_archived, created_at) VALUES "
        "(gen_random_uuid(), 'Hacked', 0, 'USD', 'monthly', 1, 1, 1, 1, false, now())",
        "UPDATE tenants_tenant SET status = 'suspended'",
        "DELETE FROM tenants_branch",
        "UPDATE tenants_user SET is_active = false",
        "DELETE FROM auditlog_logentry",
        "INSERT INTO tenants_authevent (kind, email, user_agent, created_at) "
        "VALUES ('login', 'x', '', now())",
    ],
)
def test_platform_reader_cannot_write(shop_a, statement: str) -> None:
    reader = connections["platform"]
    with reader.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == "zargar_platform_reader"
    with pytest.raises(DatabaseError, match="permission denied"):
        with reader.cursor() as cursor:
            cursor.execute(statement)
    reader.close()  # the failed statement aborted its transaction
    assert Tenant.objects.get(pk=shop_a.tenant.pk).status == Tenant.Status.ACTIVE
    assert not Plan.objects.filter(name="Hacked").exists()


def test_platform_reader_sees_every_shop(shop_a, shop_b) -> None:
    from tenants.models import Branch

    tenants = set(Branch._base_manager.using("platform").values_list("tenant_id", flat=True))
    assert {shop_a.tenant.pk, shop_b.tenant.pk} <= tenants
