import pytest

from tenants import services
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError, LimitReached
from tenants.models import Subscription, User
from tests.factories import plan_make, shop

pytestmark = pytest.mark.django_db


def test_user_limit_is_enforced_with_a_clear_message_and_an_override_lifts_it() -> None:
    s = shop(plan=plan_make(max_users=3))  # owner, manager, cashier: full
    with tenant_context(s.tenant):
        with pytest.raises(LimitReached, match="allows 3 users"):
            services.staff_invite(tenant=s.tenant, actor=s.owner, email="x@example.com",
                                  role="salesperson")
        assert not User.objects.filter(email="x@example.com").exists()
        Subscription.objects.update(max_users=4)
        services.staff_invite(tenant=s.tenant, actor=s.owner, email="x@example.com",
                              role="salesperson")
    other = shop(plan=s.tenant.plan)  # same plan, no override: still limited
    with tenant_context(other.tenant), pytest.raises(LimitReached):
        services.staff_invite(tenant=other.tenant, actor=other.owner, email="y@example.com",
                              role="cashier")


def test_branch_and_terminal_limits() -> None:
    s = shop(plan=plan_make(max_branches=2, max_terminals=1))
    with tenant_context(s.tenant):
        with pytest.raises(LimitReached, match="branches"):
            services.branch_create(tenant=s.tenant, actor=s.owner, name="Third", code="T3")
        with pytest.raises(LimitReached, match="terminals"):
            services.terminal_create(tenant=s.tenant, actor=s.owner, branch=s.branch, name="T2")


def test_managers_manage_salespeople_and_cashiers_only() -> None:
    s = shop()
    with tenant_context(s.tenant):
        with pytest.raises(BusinessRuleError, match="Managers"):
            services.staff_invite(tenant=s.tenant, actor=s.manager, email="m2@example.com",
                                  role="manager")
        with pytest.raises(BusinessRuleError, match="Managers"):
            services.staff_set_active(tenant=s.tenant, actor=s.manager, user=s.owner, active=False)
        with pytest.raises(BusinessRuleError, match="Only owners and managers"):
            services.staff_invite(tenant=s.tenant, actor=s.cashier, email="c2@example.com",
                                  role="cashier")
        # Staff of another branch than the manager's, and staff without a branch (they
        # work in every branch, like the world's cashier), are not theirs to manage.
        bazaar = services.staff_invite(tenant=s.tenant, actor=s.owner, role="cashier",
                                       email="bazaar@example.com", branch=s.branch)
        for user in (bazaar, s.cashier):
            with pytest.raises(BusinessRuleError, match="your own branches"):
                services.staff_set_active(tenant=s.tenant, actor=s.manager, user=user,
                                          active=False)
        colleague = services.staff_invite(tenant=s.tenant, actor=s.manager, role="salesperson",
                                          email="seller@example.com", branch=s.main)
        services.staff_set_active(tenant=s.tenant, actor=s.manager, user=colleague, active=False)
        colleague.refresh_from_db()
        assert not colleague.is_active


def test_managers_run_their_branch_by_a_per_object_permission() -> None:
    s = shop()
    with tenant_context(s.tenant):
        assert s.manager.has_perm("tenants.manage_branch", s.main)
        assert not s.manager.has_perm("tenants.manage_branch", s.branch)
        # Moving the manager moves the permission; demoting them removes it.
        services.staff_update(tenant=s.tenant, actor=s.owner, user=s.manager, full_name="M",
                              phone="", role="manager", branch=s.branch)
        manager = User.objects.get(pk=s.manager.pk)
        assert manager.has_perm("tenants.manage_branch", s.branch)
        assert not manager.has_perm("tenants.manage_branch", s.main)
        services.staff_update(tenant=s.tenant, actor=s.owner, user=manager, full_name="M",
                              phone="", role="salesperson", branch=s.branch)
        manager = User.objects.get(pk=s.manager.pk)
        assert not manager.has_perm("tenants.manage_branch", s.branch)
        manager2 = services.staff_invite(tenant=s.tenant, actor=s.owner, role="manager",
                                         email="m2@example.com", branch=s.main)
        with pytest.raises(BusinessRuleError, match="your own branches"):
            services.staff_invite(tenant=s.tenant, actor=manager2, email="z@example.com",
                                  role="cashier", branch=s.branch)
        services.staff_invite(tenant=s.tenant, actor=manager2, email="z@example.com",
                              role="cashier", branch=s.main)


def test_a_shop_keeps_an_owner_and_nobody_deactivates_themselves() -> None:
    s = shop()
    with tenant_context(s.tenant):
        with pytest.raises(BusinessRuleError, match="yourself"):
            services.staff_set_active(tenant=s.tenant, actor=s.owner, user=s.owner, active=False)
        with pytest.raises(BusinessRuleError, match="at least one active owner"):
            services.staff_update(tenant=s.tenant, actor=s.owner, user=s.owner, full_name="O",
                                  phone="", role="manager", branch=None)


def test_staff_of_another_shop_cannot_be_managed() -> None:
    a, b = shop(), shop()
    with tenant_context(a.tenant), pytest.raises(BusinessRuleError, match="not on your staff"):
        services.staff_set_active(tenant=a.tenant, actor=a.owner, user=b.cashier, active=False)
    b.cashier.refresh_from_db()
    assert b.cashier.is_active


def test_email_is_one_account_on_the_platform() -> None:
    a, b = shop(), shop()
    with tenant_context(b.tenant), pytest.raises(BusinessRuleError, match="already exists"):
        services.staff_invite(tenant=b.tenant, actor=b.owner, email=a.cashier.email.upper(),
                              role="cashier")
