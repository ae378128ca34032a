"""Per-user notification preferences: the page saves them, and notification_create
honours them (in-app row, email through a real Celery worker, both or neither)."""

import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications import selectors
from notifications.models import Notification, NotificationPreference
from notifications.services import notification_create, notification_preferences_set
from tenants.context import tenant_context

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _notes(shop, user) -> list[str]:
    with tenant_context(shop.tenant):
        return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_defaults_are_in_app_only(shop_a) -> None:
    with tenant_context(shop_a.tenant):
        prefs = selectors.notification_preferences(user=shop_a.manager)
    assert prefs["transfer.request"] == (True, False)
    assert set(prefs) >= {"transfer.request", "transfer.receive", "repair.overdue"}


def test_page_shows_and_saves_the_choices(shop_a) -> None:
    client = _client(shop_a.manager)
    url = reverse("notifications:preferences")
    page = client.get(url).content.decode()
    assert 'name="transfer_request__in_app"' in page and "checked" in page
    # Untick in-app for "received", tick email for "waits for approval".
    data = {"transfer_request__in_app": "on", "transfer_request__email": "on",
            "transfer_approve__in_app": "on", "transfer_ship__in_app": "on",
            "repair_overdue__in_app": "on"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == url
    with tenant_context(shop_a.tenant):
        prefs = selectors.notification_preferences(user=shop_a.manager)
        assert prefs["transfer.request"] == (True, True)
        assert prefs["transfer.receive"] == (False, False)
        # Someone else's preferences are untouched.
        assert selectors.notification_preferences(user=shop_a.owner)["transfer.receive"] == (
            True, False)
    assert "Changes saved" in client.get(url).content.decode()


def test_notification_create_respects_in_app_choice(shop_a) -> None:
    notification_preferences_set(tenant=shop_a.tenant, user=shop_a.manager,
                                 choices={"transfer.receive": (False, False)})
    notification_create(tenant=shop_a.tenant, users=[shop_a.manager, shop_a.owner],
                        title="Transfer T-5 received", event="transfer.receive")
    assert _notes(shop_a, shop_a.manager) == []
    assert "Transfer T-5 received" in _notes(shop_a, shop_a.owner)


def test_unknown_event_is_refused(shop_a) -> None:
    with pytest.raises(ValueError):
        notification_create(tenant=shop_a.tenant, users=[shop_a.owner], title="x",
                            event="nope")
    with pytest.raises(ValueError):
        notification_preferences_set(tenant=shop_a.tenant, user=shop_a.owner,
                                     choices={"nope": (True, True)})
    with tenant_context(shop_a.tenant):
        assert not NotificationPreference.objects.filter(event="nope").exists()


def test_preferences_page_in_persian(shop_a) -> None:
    shop_a.manager.language = "fa"
    shop_a.manager.save(update_fields=["language"])
    page = _client(shop_a.manager).get(reverse("notifications:preferences")).content.decode()
    assert 'dir="rtl"' in page and "Notification preferences" not in page


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_transfer_request_emails_a_manager_who_chose_email(shop_a, celery_worker_running
                                                              ) -> None:
    from inventory import transfers
    from tests.factories import item_make

    notification_preferences_set(tenant=shop_a.tenant, user=shop_a.manager,
                                 choices={"transfer.request": (False, True)})
    with tenant_context(shop_a.tenant):
        item = item_make(shop_a)
        transfer = transfers.transfer_create(tenant=shop_a.tenant, actor=shop_a.owner,
                                             source=shop_a.main, destination=shop_a.branch,
                                             lines=[(item, 1)])
    transfers.transfer_transition(tenant=shop_a.tenant, actor=shop_a.owner,
                                  transfer=transfer, action="request")
    def emails() -> list:
        return [m for m in mail.outbox if m.to == [shop_a.manager.email]
                and f"T-{transfer.number}" in m.subject]

    deadline = time.monotonic() + 20
    while not emails():
        assert time.monotonic() < deadline, "the worker did not send the email"
        time.sleep(0.1)
    sent = emails()[0]
    assert reverse("inventory:transfer-detail", args=[transfer.pk]) in sent.body
    # In-app turned off for the manager, on (the default) for the owner.
    assert not any(f"T-{transfer.number} " in t for t in _notes(shop_a, shop_a.manager))
    assert any(f"T-{transfer.number} " in t for t in _notes(shop_a, shop_a.owner))
