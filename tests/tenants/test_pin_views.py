"""The register PIN: owners and managers set, change and remove their own on the Security
page (with their password); an owner clears one from the Staff page; the audit trail
says that a PIN changed, never its hash."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.hashers import check_password
from django.test import Client

from tenants import services

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"  # tests.factories.shop's


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _set(client: Client, pin: str, again: str | None = None, password: str = PASSWORD):
    return client.post(
        "/settings/security/pin/",
        {
            "action": "set",
            "pin-pin": pin,
            "pin-pin_confirm": pin if again is None else again,
            "pin-password": password,
        },
    )


def test_a_manager_sees_the_register_pin_section_but_not_the_shops_rule(shop_a) -> None:
    client = _client(shop_a.manager)
    body = client.get("/settings/security/").content.decode()
    assert 'id="register-pin"' in body and "No PIN set" in body
    assert 'name="require_mfa"' not in body  # the shop's sign-in rule is the owner's
    assert 'href="/settings/security/"' in client.get("/").content.decode()  # in the menu
    assert client.post("/settings/security/", {"require_mfa": "on"}).status_code == 403
    shop_a.tenant.refresh_from_db()
    assert not shop_a.tenant.require_mfa


def test_the_owner_still_sets_the_shops_rule_and_sees_the_pin_section(shop_a) -> None:
    body = _client(shop_a.owner).get("/settings/security/").content.decode()
    assert 'name="require_mfa"' in body and 'id="register-pin"' in body


def test_a_manager_sets_a_pin_typed_in_persian_digits_with_their_password(shop_a) -> None:
    client = _client(shop_a.manager)
    response = _set(client, "۴۸۲۱", again="4821")
    assert response.status_code == 302 and response["Location"] == "/settings/security/"
    shop_a.manager.refresh_from_db()
    assert check_password("4821", shop_a.manager.pos_pin)
    body = client.get("/settings/security/").content.decode()
    assert "Your PIN is set" in body and "Remove PIN" in body and "Change PIN" in body


@pytest.mark.parametrize(
    ("pin", "again", "password", "message"),
    [
        ("4821", "4821", "not-my-password", "This is not your current password."),
        ("4821", "4822", PASSWORD, "The two PINs are not the same."),
        ("48", "48", PASSWORD, "A PIN is 4 to 8 digits."),
        ("48a1", "48a1", PASSWORD, "A PIN is 4 to 8 digits."),
    ],
)
def test_a_bad_pin_or_password_is_refused_and_changes_nothing(
    shop_a, pin, again, password, message
) -> None:
    services.user_pin_set(user=shop_a.manager, pin="1357")
    response = _set(_client(shop_a.manager), pin, again, password)
    assert response.status_code == 422
    assert message in response.content.decode()
    shop_a.manager.refresh_from_db()
    assert check_password("1357", shop_a.manager.pos_pin)


def test_removing_ones_pin_needs_the_password(shop_a) -> None:
    services.user_pin_set(user=shop_a.manager, pin="1357")
    client = _client(shop_a.manager)
    refused = client.post(
        "/settings/security/pin/", {"action": "remove", "unpin-password": "wrong"}
    )
    assert refused.status_code == 422
    shop_a.manager.refresh_from_db()
    assert shop_a.manager.pos_pin
    done = client.post("/settings/security/pin/", {"action": "remove", "unpin-password": PASSWORD})
    assert done.status_code == 302
    shop_a.manager.refresh_from_db()
    assert shop_a.manager.pos_pin == ""


def test_cashiers_have_no_pin_page(shop_a) -> None:
    client = _client(shop_a.cashier)
    assert client.get("/settings/security/").status_code == 403
    assert _set(client, "4821").status_code == 403
    shop_a.cashier.refresh_from_db()
    assert shop_a.cashier.pos_pin == ""


def test_an_owner_clears_a_managers_pin_from_the_staff_page_and_it_is_audited(shop_a) -> None:
    services.user_pin_set(user=shop_a.manager, pin="4821")
    owner = _client(shop_a.owner)
    staff = owner.get("/staff/").content.decode()
    url = f"/staff/{shop_a.manager.pk}/pin/clear/"
    assert f'action="{url}"' in staff and "Clear PIN" in staff
    response = owner.post(url)
    assert response.status_code == 302 and response["Location"] == "/staff/"
    shop_a.manager.refresh_from_db()
    assert shop_a.manager.pos_pin == ""
    entry = LogEntry.objects.filter(
        object_pk=str(shop_a.manager.pk), changes__has_key="pos_pin"
    ).latest("timestamp")
    assert entry.actor == shop_a.owner
    assert entry.changes_dict["pos_pin"] == ["********", ""]  # the hash is never in the trail
    assert f'action="{url}"' not in owner.get("/staff/").content.decode()


def test_only_owners_clear_pins_and_only_their_own_shops(shop_a, shop_b) -> None:
    services.user_pin_set(user=shop_a.owner, pin="4821")
    services.user_pin_set(user=shop_b.manager, pin="4821")
    manager = _client(shop_a.manager)
    assert "Clear PIN" not in manager.get("/staff/").content.decode()
    assert manager.post(f"/staff/{shop_a.owner.pk}/pin/clear/").status_code == 403
    assert _client(shop_a.owner).post(f"/staff/{shop_b.manager.pk}/pin/clear/").status_code == 404
    shop_a.owner.refresh_from_db()
    shop_b.manager.refresh_from_db()
    assert shop_a.owner.pos_pin and shop_b.manager.pos_pin


def test_setting_a_pin_never_writes_its_hash_to_the_audit_trail(shop_a) -> None:
    services.user_pin_set(user=shop_a.manager, pin="4821")
    shop_a.manager.refresh_from_db()
    entries = list(
        LogEntry.objects.filter(
            object_pk=str(shop_a.manager.pk),
            action=LogEntry.Action.UPDATE,
            changes__has_key="pos_pin",
        )
    )
    assert entries and all(e.changes_dict["pos_pin"] == ["", "********"] for e in entries)
    assert not any(shop_a.manager.pos_pin[-20:] in str(e.changes) for e in entries)
