"""Sign-in: allauth's password step, django-otp's second step, axes' lockout, two panels."""

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.mfa import backup_codes_regenerate
from tenants.models import User
from tests.factories import platform_admin

PASSWORD = "pw-for-tests-1"
pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def login(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def confirmed_totp(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_platform_admin_without_a_device_cannot_reach_the_platform(client: Client) -> None:
    admin = platform_admin()
    assert login(client, admin.email).status_code == 302
    response = client.get("/platform/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/setup/")
    # Everything else is closed too until a device is set up.
    assert client.get("/staff/")["Location"].startswith("/account/two-factor/setup/")


def test_platform_admin_sets_up_totp_and_gets_in(client: Client) -> None:
    admin = platform_admin()
    login(client, admin.email)
    page = client.get("/account/two-factor/setup/?next=/platform/")
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert client.post("/account/two-factor/setup/", {"token": "000000"}).status_code == 422
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post("/account/two-factor/setup/", {"token": code_for(device), "next": "/platform/"})
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10
    assert client.get("/platform/").status_code == 200


def test_platform_admin_with_a_device_must_enter_a_code(client: Client) -> None:
    admin = platform_admin()
    device = confirmed_totp(admin)
    login(client, admin.email)
    response = client.get("/platform/")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/?next=/platform/"

    wrong = client.post("/account/two-factor/", {"token": "123456", "next": "/platform/"})
    assert wrong.status_code == 422
    assert client.get("/platform/").status_code == 302

    # Right after a failure the device is throttled: even the right code waits.
    throttled = client.post("/account/two-factor/", {"token": code_for(device)})
    assert throttled.status_code == 422
    assert "Too many wrong codes" in throttled.content.decode()

    device.throttle_reset()
    ok = client.post("/account/two-factor/", {"token": code_for(device), "next": "/platform/"})
    assert ok.status_code == 302 and ok["Location"] == "/platform/"
    assert client.get("/platform/").status_code == 200


def test_backup_code_works_once(client: Client) -> None:
    admin = platform_admin()
    confirmed_totp(admin)
    codes = backup_codes_regenerate(user=admin)
    login(client, admin.email)
    assert client.post("/account/two-factor/", {"token": codes[0]}).status_code == 302
    assert client.get("/platform/").status_code == 200

    other = Client()
    login(other, admin.email)
    assert other.post("/account/two-factor/", {"token": codes[0]}).status_code == 422


def test_lockout_after_repeated_failed_passwords(client: Client, settings) -> None:
    admin = platform_admin()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = login(client, admin.email, "wrong-password")
        assert response.status_code in (200, 429)
    locked = login(Client(), admin.email, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in Client().session


def test_a_shop_user_cannot_open_the_platform_panel(client: Client, shop_a) -> None:
    assert login(client, shop_a.owner.email).status_code == 302
    assert client.get("/platform/").status_code == 403
    assert client.get("/staff/").status_code == 200


def test_a_platform_admin_cannot_open_the_tenant_panel(client: Client) -> None:
    admin = platform_admin()
    device = confirmed_totp(admin)
    login(client, admin.email)
    client.post("/account/two-factor/", {"token": code_for(device)})
    assert client.get("/staff/").status_code == 403
    assert client.get("/")["Location"] == "/platform/"


def test_owner_can_require_mfa_for_the_whole_shop(client: Client, shop_a) -> None:
    login(client, shop_a.owner.email)
    response = client.post("/settings/security/", {"require_mfa": "on"})
    assert response.status_code == 302
    shop_a.tenant.refresh_from_db()
    assert shop_a.tenant.require_mfa
    cashier = Client()
    login(cashier, shop_a.cashier.email)
    assert cashier.get("/")["Location"].startswith("/account/two-factor/setup/")


def test_there_is_no_public_sign_up(client: Client) -> None:
    before = User.objects.count()
    client.post("/accounts/signup/", {"email": "x@example.com", "password1": "Very-long-pw-1",
                                      "password2": "Very-long-pw-1"})
    assert User.objects.count() == before


def test_invited_staff_sets_a_password_through_the_emailed_link(
    client: Client, shop_a, django_capture_on_commit_callbacks
) -> None:
    from tenants import services

    with django_capture_on_commit_callbacks(execute=True):
        with __import__("tenants.context", fromlist=["tenant_context"]).tenant_context(shop_a.tenant):
            services.staff_invite(tenant=shop_a.tenant, actor=shop_a.owner,
                                  email="new@example.com", role="salesperson", full_name="New")
    message = mail.outbox[-1]
    assert message.to == ["new@example.com"]
    link = next(line for line in message.body.splitlines() if "/accounts/password/reset/key/" in line)
    path = link[link.index("/accounts/"):]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    saved = client.post(action, {"password1": "A-good-new-pw-42", "password2": "A-good-new-pw-42"})
    assert saved.status_code == 302
    assert login(Client(), "new@example.com", "A-good-new-pw-42").status_code == 302


def test_the_signed_in_message_speaks_the_users_language(client: Client, shop_a) -> None:
    """The sign-in page is in the visitor's language (English here); the message the
    sign-in adds is in the user's own (Persian), like every page after it."""
    shop_a.owner.language = "fa"
    shop_a.owner.save(update_fields=["language"])
    assert login(client, shop_a.owner.email).status_code == 302
    home = client.get("/").content.decode()
    assert "باموفقیت وارد شدی" in home and "Successfully signed in" not in home
    assert '<html lang="fa" dir="rtl"' in home


@pytest.mark.parametrize(("method", "url"), [("get", "/notifications/badge/"),
                                             ("post", "/pos/scan/")])
def test_an_htmx_request_after_the_session_ended_sends_the_whole_page_to_sign_in(
        client: Client, method: str, url: str) -> None:
    """Not the sign-in form swapped into the badge or the cart: HX-Redirect to sign in,
    coming back to the page the request was sent from."""
    headers = {"HTTP_HX_REQUEST": "true",
               "HTTP_HX_CURRENT_URL": "http://testserver/pos/register/?terminal=1"}
    response = getattr(client, method)(url, **headers)
    assert response.status_code == 200, response.status_code
    assert response["HX-Redirect"] == "/accounts/login/?next=/pos/register/%3Fterminal%3D1"
    # Without htmx the view's own redirect stands; another site's page is not a target.
    assert getattr(client, method)(url)["Location"].startswith("/accounts/login/?next=")
    other = getattr(client, method)(url, HTTP_HX_REQUEST="true",
                                    HTTP_HX_CURRENT_URL="https://evil.example/x")
    assert other["HX-Redirect"] == "/accounts/login/?next=/"


def test_an_htmx_request_before_the_second_factor_goes_to_it_from_its_page(
        client: Client) -> None:
    admin = platform_admin()
    login(client, admin.email)
    response = client.get("/notifications/badge/", HTTP_HX_REQUEST="true",
                          HTTP_HX_CURRENT_URL="http://testserver/platform/")
    assert response["HX-Redirect"] == "/account/two-factor/setup/?next=/platform/"
