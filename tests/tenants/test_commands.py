import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tenants.context import tenant_context
from tenants.models import Branch, Tenant, User
from tests.factories import plan_make


@pytest.mark.django_db(transaction=True)
def test_create_tenant_makes_the_shop_and_invites_its_owner() -> None:
    plan_make(name="Starter")
    out = io.StringIO()
    call_command("create_tenant", "Golden Crown", "golden-crown", "Owner@Example.com",
                 "--plan", "Starter", stdout=out)
    tenant = Tenant.objects.get(slug="golden-crown")
    owner = User.objects.get(email="owner@example.com")
    assert owner.tenant == tenant and owner.role == "owner" and not owner.has_usable_password()
    with tenant_context(tenant):
        assert Branch.objects.filter(code="MAIN").exists()
    assert mail.outbox[-1].to == ["owner@example.com"]
    with pytest.raises(CommandError, match="already taken"):
        call_command("create_tenant", "Again", "golden-crown", "x@example.com", "--plan", "Starter")
    with pytest.raises(CommandError, match="No plan named"):
        call_command("create_tenant", "X", "x", "y@example.com", "--plan", "Nope")


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_logins() -> None:
    for _ in range(2):
        out = io.StringIO()
        call_command("seed_demo", "--password", "demo-password-1", stdout=out)
    text = out.getvalue()
    assert "admin@zargar.local" in text and "owner@zarin.example" in text
    assert Tenant.objects.filter(slug__in=["golden-crown", "zarin"]).count() == 2
    for tenant in Tenant.objects.all():
        with tenant_context(tenant):
            assert Branch.objects.count() == 3
        assert User.objects.filter(tenant=tenant).count() == 4
    assert User.objects.get(email="cashier@zarin.example").check_password("demo-password-1")
