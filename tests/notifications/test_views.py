"""The notification centre in the header: the badge placeholder on every page, the
badge fragment's count (a new notification shows, reading it clears it) and its
query budget."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from notifications.services import notification_create

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _count(html: str) -> int:
    match = re.search(r'data-unread="(\d+)"', html)
    return int(match.group(1)) if match else 0


def test_header_has_the_polling_badge_placeholder(shop_a) -> None:
    body = _client(shop_a.cashier).get(reverse("home")).content.decode()
    placeholder = re.search(r'<a [^>]*id="notification-badge"[^>]*>', body).group(0)
    assert f'hx-get="{reverse("notifications:badge")}"' in placeholder
    assert 'hx-trigger="load, every 30s"' in placeholder
    assert f'href="{reverse("notifications:list")}"' in placeholder


def test_signed_out_pages_have_no_badge(db) -> None:
    body = Client().get(reverse("account_login")).content.decode()
    assert "notification-badge" not in body


def test_badge_counts_a_new_notification_and_clears_when_it_is_read(shop_a) -> None:
    client = _client(shop_a.cashier)
    badge = reverse("notifications:badge")
    assert _count(client.get(badge).content.decode()) == 0
    note = notification_create(tenant=shop_a.tenant, users=[shop_a.cashier],
                               title="Transfer T-9 waits for you")[0]
    fragment = client.get(badge).content.decode()
    assert _count(fragment) == 1
    assert 'hx-trigger="every 30s"' in fragment and "load" not in fragment
    assert "1 unread notification" in fragment
    # Another user's notification does not count for this one.
    notification_create(tenant=shop_a.tenant, users=[shop_a.owner], title="Not yours")
    assert _count(client.get(badge).content.decode()) == 1
    response = client.post(reverse("notifications:mark-one-read", args=[note.pk]))
    assert response.status_code == 302
    assert _count(client.get(badge).content.decode()) == 0


def test_badge_counts_only_this_shops_notifications(shop_a, shop_b) -> None:
    notification_create(tenant=shop_b.tenant, users=[shop_b.cashier], title="B")
    assert _count(_client(shop_a.cashier).get(reverse("notifications:badge"))
                  .content.decode()) == 0
    assert _count(_client(shop_b.cashier).get(reverse("notifications:badge"))
                  .content.decode()) == 1


def test_badge_fragment_query_budget(shop_a, django_assert_max_num_queries) -> None:
    notification_create(tenant=shop_a.tenant, users=[shop_a.cashier] * 1,
                        title="One")
    for i in range(20):
        notification_create(tenant=shop_a.tenant, users=[shop_a.cashier], title=f"N{i}")
    client = _client(shop_a.cashier)
    client.get(reverse("notifications:badge"))  # warm the session and caches
    with django_assert_max_num_queries(8) as captured:
        response = client.get(reverse("notifications:badge"))
    assert _count(response.content.decode()) == 21
    counts = [q["sql"] for q in captured.captured_queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1  # one COUNT, however many notifications


def test_badge_in_persian(shop_a) -> None:
    notification_create(tenant=shop_a.tenant, users=[shop_a.cashier], title="x")
    shop_a.cashier.language = "fa"
    shop_a.cashier.save(update_fields=["language"])
    body = _client(shop_a.cashier).get(reverse("notifications:badge")).content.decode()
    assert ">۱</span>" in body
