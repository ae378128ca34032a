"""Tenants: list, create with owner invitation, suspend/reactivate (acceptance 1),
schedule deletion and purge, password reset by email, subscription overrides."""

import pytest
from django.core import mail
from django.test import Client

from tenants import platform_services
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.models import AuthEvent, Branch, Subscription, Tenant, User
from tests.factories import plan_make

from .conftest import PLATFORM_DB

pytestmark = PLATFORM_DB


def _owner_client(shop) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(shop.owner)
    return client


def test_suspended_shop_sees_the_suspended_page_and_changes_nothing(
    admin_client, shop_a, shop_b
) -> None:
    owner = _owner_client(shop_a)
    assert owner.get("/").status_code == 200
    url = f"/platform/tenants/{shop_a.tenant.pk}/status/"
    assert admin_client.post(url, {"action": "suspend"}).status_code == 302
    assert Tenant.objects.get(pk=shop_a.tenant.pk).status == Tenant.Status.SUSPENDED

    page = owner.get("/staff/")
    assert page.status_code == 403
    assert "account is suspended" in page.content.decode()
    with tenant_context(shop_a.tenant):
        before = Branch.objects.count()
    refused = owner.post("/branches/new/", {"name": "Sneaky", "code": "SNK"})
    assert refused.status_code == 403
    with tenant_context(shop_a.tenant):
        assert Branch.objects.count() == before
    # Shop B is not affected.
    assert _owner_client(shop_b).get("/staff/").status_code == 200

    assert admin_client.post(url, {"action": "reactivate"}).status_code == 302
    assert owner.get("/staff/").status_code == 200
    created = owner.post("/branches/new/", {"name": "Uptown", "code": "UPT"})
    assert created.status_code == 302
    with tenant_context(shop_a.tenant):
        assert Branch.objects.filter(code="UPT").exists()


def test_shop_users_cannot_open_the_platform_panel(shop_a) -> None:
    owner = _owner_client(shop_a)
    for path in ("/platform/", "/platform/tenants/", f"/platform/tenants/{shop_a.tenant.pk}/",
                 "/platform/audit/", "/platform/flags/", "/platform/health/"):
        assert owner.get(path).status_code == 403, path


def test_tenant_list_filters_and_serves_an_htmx_fragment(
    admin_client, shop_a, shop_b, django_assert_max_num_queries
) -> None:
    platform_services.tenant_suspend(actor=User.objects.get(role="platform_admin"),
                                     tenant=shop_b.tenant)
    with django_assert_max_num_queries(12):
        page = admin_client.get("/platform/tenants/")
    body = page.content.decode()
    assert "Shop A" in body and "Shop B" in body
    only_b = admin_client.get("/platform/tenants/", {"status": "suspended"}).content.decode()
    assert "Shop B" in only_b and "Shop A" not in only_b
    by_email = admin_client.get("/platform/tenants/", {"q": shop_a.cashier.email}).content.decode()
    assert "Shop A" in by_email and "Shop B" not in by_email
    by_plan = admin_client.get("/platform/tenants/", {"plan": str(shop_a.tenant.plan_id)})
    assert "Shop B" not in by_plan.content.decode()
    fragment = admin_client.get("/platform/tenants/", {"q": "Shop A"}, HTTP_HX_REQUEST="true",
                               HTTP_HX_TARGET="tenant-results")
    text = fragment.content.decode()
    assert 'id="tenant-results"' in text and "<html" not in text
    future = admin_client.get("/platform/tenants/", {"from": "2999-01-01"}).content.decode()
    assert "No shop matches these filters." in future


def test_create_a_tenant_invites_its_owner(admin_client) -> None:
    plan = plan_make(name="Starter")
    form = {"name": "Golden Bazaar", "slug": "golden-bazaar", "plan": str(plan.pk),
            "currency": "usd", "owner_email": "Owner@Golden.test", "owner_name": "Sara",
            "language": "fa"}
    bad = admin_client.post("/platform/tenants/new/", {**form, "slug": "not a slug"})
    assert bad.status_code == 422
    assert "Golden Bazaar" in bad.content.decode()  # input kept
    done = admin_client.post("/platform/tenants/new/", form)
    assert done.status_code == 302
    tenant = Tenant.objects.get(slug="golden-bazaar")
    assert done["Location"] == f"/platform/tenants/{tenant.pk}/"
    owner = User.objects.get(tenant=tenant)
    assert owner.role == User.Role.OWNER and not owner.has_usable_password()
    assert [m.to for m in mail.outbox] == [["owner@golden.test"]]
    with tenant_context(tenant):
        assert Subscription.objects.count() == 1
    for tab in ("info", "users", "subscription", "activity"):
        assert admin_client.get(f"/platform/tenants/{tenant.pk}/", {"tab": tab}).status_code == 200
    edit = admin_client.post(f"/platform/tenants/{tenant.pk}/edit/",
                             {"name": "Golden Bazaar 2", "plan": str(plan.pk), "currency": "EUR"})
    assert edit.status_code == 302
    assert Tenant.objects.get(pk=tenant.pk).currency == "EUR"


def test_password_reset_is_emailed_and_never_shown(admin_client, shop_a) -> None:
    url = f"/platform/tenants/{shop_a.tenant.pk}/users/{shop_a.cashier.pk}/password-reset/"
    mail.outbox.clear()  # the fixtures' invitations
    assert admin_client.post(url).status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [shop_a.cashier.email]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    users_tab = admin_client.get(f"/platform/tenants/{shop_a.tenant.pk}/", {"tab": "users"})
    body = users_tab.content.decode()
    assert shop_a.cashier.email in body
    assert 'type="password"' not in body


def test_schedule_deletion_then_purge_removes_only_that_shop(admin, admin_client, shop_a, shop_b
                                                             ) -> None:
    url = f"/platform/tenants/{shop_a.tenant.pk}/delete/"
    assert admin_client.post(url, {"confirm_slug": "wrong"}).status_code == 422
    assert admin_client.post(url, {"confirm_slug": shop_a.tenant.slug}).status_code == 302
    tenant = Tenant.objects.get(pk=shop_a.tenant.pk)
    assert tenant.status == Tenant.Status.PENDING_DELETION
    assert tenant.deletion_scheduled_for is not None
    assert _owner_client(shop_a).get("/staff/").status_code == 403
    # Not yet: the grace period runs.
    assert platform_services.tenant_purge_due() == 0
    with pytest.raises(BusinessRuleError):
        platform_services.tenant_purge(tenant=tenant)

    platform_services.tenant_purge(tenant=tenant, force=True)
    assert not Tenant.objects.filter(pk=shop_a.tenant.pk).exists()
    assert not User.objects.filter(email=shop_a.owner.email).exists()
    with tenant_context(shop_b.tenant):
        assert Branch.objects.count() >= 2
    assert User.objects.filter(tenant=shop_b.tenant).count() == 3


def test_purge_due_purges_after_the_grace_period(admin, shop_a) -> None:
    from datetime import timedelta

    from django.utils import timezone

    platform_services.tenant_schedule_deletion(actor=admin, tenant=shop_a.tenant,
                                               confirm_slug=shop_a.tenant.slug)
    later = timezone.now() + timedelta(days=31)
    assert platform_services.tenant_purge_due(now=later) == 1
    assert not Tenant.objects.filter(pk=shop_a.tenant.pk).exists()


def test_subscription_status_and_overrides(admin_client, shop_a) -> None:
    url = f"/platform/tenants/{shop_a.tenant.pk}/subscription/"
    bad = admin_client.post(url, {"status": "nonsense"})
    assert bad.status_code == 422
    ok = admin_client.post(url, {"status": "active", "next_billing_date": "2030-01-31",
                                 "max_users": "50", "max_branches": ""})
    assert ok.status_code == 302
    with tenant_context(shop_a.tenant):
        sub = Subscription.objects.get()
    assert sub.status == "active" and sub.max_users == 50 and sub.max_branches is None
    assert str(sub.next_billing_date) == "2030-01-31"
    page = admin_client.get(f"/platform/tenants/{shop_a.tenant.pk}/", {"tab": "subscription"})
    assert "Override for this shop" in page.content.decode()


def test_dashboard_shows_mrr_arr_and_churn(admin, admin_client, shop_a, shop_b) -> None:
    from decimal import Decimal

    yearly = plan_make(price=Decimal("1200.00"), billing_cycle="yearly")
    Tenant.objects.filter(pk=shop_b.tenant.pk).update(plan=yearly)
    shop_b.tenant.refresh_from_db()
    platform_services.subscription_update(actor=admin, tenant=shop_a.tenant, status="active",
                                          next_billing_date=None)
    platform_services.subscription_update(actor=admin, tenant=shop_b.tenant, status="active",
                                          next_billing_date=None)
    from tenants.platform_selectors import revenue_metrics

    metrics = revenue_metrics()
    assert metrics["mrr"] == [("USD", Decimal("149.00"))]  # 49 + 1200 / 12
    assert metrics["arr"] == [("USD", Decimal("1788.00"))]
    platform_services.subscription_update(actor=admin, tenant=shop_b.tenant, status="cancelled",
                                          next_billing_date=None)
    metrics = revenue_metrics()
    assert metrics["churned_30d"] == 1 and metrics["churn_percent"] == 50.0
    page = admin_client.get("/platform/").content.decode()
    assert "49.00" in page and "50.0%" in page


def test_login_event_is_recorded(shop_a) -> None:
    client = Client()
    client.post("/accounts/login/", {"login": shop_a.owner.email, "password": "pw-for-tests-1"})
    assert AuthEvent.objects.filter(kind="login", user_id=shop_a.owner.pk,
                                    tenant=shop_a.tenant).exists()
