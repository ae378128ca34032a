"""Acceptance 3: impersonation is audited, bannered, and refused for platform-admin targets."""

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.models import AuthEvent, Tenant
from tests.factories import platform_admin

from .conftest import PLATFORM_DB, verified_client

pytestmark = PLATFORM_DB


def test_impersonate_a_shop_owner_then_stop(admin, admin_client, shop_a) -> None:
    # The owner uses two-factor sign-in: the impersonated session must not ask for it.
    TOTPDevice.objects.create(user=shop_a.owner, name="owner phone", confirmed=True)
    Tenant.objects.filter(pk=shop_a.tenant.pk).update(require_mfa=True)

    started = admin_client.post("/platform/impersonate/", {"user_pk": shop_a.owner.pk,
                                                           "next": "/"})
    assert started.status_code == 302 and started["Location"] == "/"
    home = admin_client.get("/")
    assert home.status_code == 200
    body = home.content.decode()
    assert 'data-testid="impersonation-banner"' in body
    assert shop_a.owner.email in body
    assert admin_client.get("/staff/").status_code == 200  # usable, no MFA detour
    assert admin_client.get("/platform/").status_code == 403  # acting as the owner now

    event = AuthEvent.objects.get(kind=AuthEvent.Kind.IMPERSONATION_START)
    assert event.actor_id == admin.pk and event.user_id == shop_a.owner.pk
    assert event.tenant_id == shop_a.tenant.pk
    # Hijack's login is not counted as the owner's own sign-in.
    assert not AuthEvent.objects.filter(kind="login", user_id=shop_a.owner.pk).exists()

    stopped = admin_client.post("/impersonation/stop/", {"next": "/platform/tenants/"})
    assert stopped.status_code == 302 and stopped["Location"] == "/platform/tenants/"
    back = admin_client.get("/platform/")
    assert back.status_code == 200  # the admin's own verified session again
    assert 'data-testid="impersonation-banner"' not in back.content.decode()
    end = AuthEvent.objects.get(kind=AuthEvent.Kind.IMPERSONATION_END)
    assert end.actor_id == admin.pk and end.user_id == shop_a.owner.pk


def test_impersonating_another_platform_admin_is_refused(admin_client) -> None:
    other = platform_admin()
    refused = admin_client.post("/platform/impersonate/", {"user_pk": other.pk, "next": "/"})
    assert refused.status_code == 403
    assert not AuthEvent.objects.filter(kind=AuthEvent.Kind.IMPERSONATION_START).exists()
    assert admin_client.get("/platform/").status_code == 200  # still themselves


def test_unverified_admin_and_shop_users_cannot_impersonate(shop_a, shop_b) -> None:
    admin = platform_admin()
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    unverified = Client()
    unverified.force_login(admin)
    answer = unverified.post("/platform/impersonate/", {"user_pk": shop_b.owner.pk})
    assert answer.status_code == 302 and answer["Location"].startswith("/account/two-factor/")
    owner = Client()
    owner.force_login(shop_a.owner)
    assert owner.post("/platform/impersonate/", {"user_pk": shop_a.cashier.pk}).status_code == 403
    assert not AuthEvent.objects.filter(kind=AuthEvent.Kind.IMPERSONATION_START).exists()


def test_stop_without_impersonating_is_refused(shop_a) -> None:
    client = verified_client(shop_a.owner)
    assert client.post("/impersonation/stop/").status_code == 403
