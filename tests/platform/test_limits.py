"""Acceptance 2: each limit is enforced where the resource is created, with a message
naming it; a per-tenant override lifts it for that shop only."""

import pytest

from tenants import platform_services, services
from tenants.context import tenant_context
from tenants.errors import LimitReached
from tenants.limits import limit_check, tenant_limit
from tenants.models import Plan, User
from tests.factories import platform_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(shop_a, shop_b):  # noqa: ANN001
    """Both shops on one plan whose limits are exactly what they use."""
    plan = shop_a.tenant.plan
    Plan.objects.filter(pk=plan.pk).update(max_users=3, max_branches=2, max_terminals=1,
                                           max_items=1)
    shop_b.tenant.plan = plan
    shop_b.tenant.save(update_fields=["plan"])
    for s in (shop_a, shop_b):
        s.tenant.refresh_from_db()
        s.tenant.plan.refresh_from_db()
    return platform_admin()


def _create(shop, resource: str, n: int = 9):  # noqa: ANN001, ANN202
    t = shop.tenant
    with tenant_context(t):
        if resource == "users":
            return services.staff_invite(tenant=t, actor=shop.owner, email=f"x{n}-{t.slug}@e.test",
                                         role=User.Role.CASHIER, full_name="X")
        if resource == "branches":
            return services.branch_create(tenant=t, actor=shop.owner, name="New", code=f"N{n}")
        return services.terminal_create(tenant=t, actor=shop.owner, branch=shop.main,
                                        name=f"T{n}")


@pytest.mark.parametrize(("resource", "label"), [
    ("users", "3 users"), ("branches", "2 branches"), ("terminals", "1 terminals")])
def test_limit_refused_with_its_message_then_lifted_by_an_override(
    tight, shop_a, shop_b, resource: str, label: str
) -> None:
    with pytest.raises(LimitReached, match=f"Your plan allows {label}"):
        _create(shop_a, resource)
    platform_services.subscription_update(
        actor=tight, tenant=shop_a.tenant, status="active", next_billing_date=None,
        **{f"max_{resource}": 10},
    )
    assert _create(shop_a, resource) is not None
    # Shop B, on the same plan, still stops at the plan's limit.
    with pytest.raises(LimitReached, match=f"Your plan allows {label}"):
        _create(shop_b, resource)


def test_items_limit_follows_the_override(tight, shop_a, shop_b) -> None:
    """Items are enforced in inventory's item_create through the same limit_check."""
    with tenant_context(shop_a.tenant), pytest.raises(LimitReached, match="1 items"):
        limit_check(shop_a.tenant, "items", in_use=1)
    platform_services.subscription_update(actor=tight, tenant=shop_a.tenant, status="active",
                                          next_billing_date=None, max_items=500)
    with tenant_context(shop_a.tenant):
        assert tenant_limit(shop_a.tenant, "items") == 500
    with tenant_context(shop_b.tenant):
        assert tenant_limit(shop_b.tenant, "items") == 1


def test_only_platform_admins_change_subscriptions(shop_a) -> None:
    from tenants.errors import BusinessRuleError

    with pytest.raises(BusinessRuleError):
        platform_services.subscription_update(actor=shop_a.owner, tenant=shop_a.tenant,
                                              status="active", next_billing_date=None,
                                              max_users=99)
