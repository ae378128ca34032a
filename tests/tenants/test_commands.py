import io

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.core.management import CommandError, call_command

from tenants.context import tenant_context
from tenants.models import Branch, Tenant, User
from tests.factories import plan_make


@pytest.mark.django_db(transaction=True)
def test_create_tenant_makes_the_shop_and_invites_its_owner() -> None:
    plan_make(name="Starter")
    out = io.StringIO()
    call_command(
        "create_tenant",
        "Golden Crown",
        "golden-crown",
        "Owner@Example.com",
        "--plan",
        "Starter",
        stdout=out,
    )
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


@pytest.mark.django_db
def test_seed_demo_gives_managers_a_pin_and_the_persian_shop_persian_staff() -> None:
    call_command("seed_demo", "--password", "demo-password-1", stdout=io.StringIO())
    manager = User.objects.get(email="manager@zarin.example")
    assert manager.pos_pin == ""  # without --pin nothing is set
    for _ in range(2):  # idempotent, and a demo seeded before gets its PIN
        out = io.StringIO()
        call_command("seed_demo", "--password", "demo-password-1", "--pin", "۴۸۲۱۵۷", stdout=out)
    lines = out.getvalue().splitlines()
    for domain in ("goldencrown.example", "zarin.example"):
        manager = User.objects.get(email=f"manager@{domain}")
        assert check_password("482157", manager.pos_pin)
        assert any(line.endswith(f"manager@{domain}\tregister PIN 482157") for line in lines)
    assert not any("register PIN" in line for line in lines if "manager@" not in line)
    staff = User.objects.filter(email__endswith="@zarin.example")
    assert {u.language for u in staff} == {"fa"}, [(u.email, u.language) for u in staff]
    english = User.objects.filter(email__endswith="@goldencrown.example")
    assert {u.language for u in english} == {"en"}
    with pytest.raises(CommandError, match="4 to 8 digits"):
        call_command(
            "seed_demo", "--password", "demo-password-1", "--pin", "12", stdout=io.StringIO()
        )
