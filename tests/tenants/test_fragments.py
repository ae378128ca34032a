"""Every page with an htmx-swapped region (tenants.fragments.page_or_partial): a filter
change aimed at the region gets the bare partial; a history restore, and any other htmx
request, gets the whole page (with a status htmx shows). And every page lets htmx swap
a 422 (the refusal's message)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import platform_admin
from tests.platform.conftest import PLATFORM_DB, verified_client

RESTORE = {
    "HX-Request": "true",
    "HX-History-Restore-Request": "true",
    "HX-Current-URL": "http://testserver/",
}
SWAP_422 = '{"code":"422","swap":true,"error":false}'

# (url name, element id the filter form aims at, how the partial begins)
SHOP_PAGES = [
    ("crm:customer-list", "customer-results", '<div id="customer-results"'),
    ("crm:gift-card-list", "gift-card-results", '<div id="gift-card-results"'),
    ("crm:gift-card-check", "gift-card-balance", '<div id="gift-card-balance"'),
    ("inventory:item-list", "item-results", '<form id="item-results"'),
    ("inventory:report-dead-stock", "report-results", '<div id="report-results"'),
    ("inventory:report-turnover", "report-results", '<div id="report-results"'),
    ("repairs:order-list", "repair-results", '<div id="repair-results"'),
    ("staff-list", "staff-results", '<div id="staff-results"'),
    ("reports:index", "report-results", '<section id="report-results"'),
    ("pos:sale-list", "sale-results", '<div id="sale-results"'),
    ("pos:shift-list", "shift-results", '<div id="shift-results"'),
]
PLATFORM_PAGES = [
    ("platform:tenant-list", "tenant-results", '<div id="tenant-results"'),
    ("platform:audit-list", "audit-results", '<div id="audit-results"'),
    ("backups:list", "runs", '<section id="runs"'),
]


def _signed_in(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _check(client: Client, url: str, target: str, start: str) -> None:
    response = client.get(url, headers={"HX-Request": "true", "HX-Target": target})
    html = response.content.decode()
    assert response.status_code == 200, url
    assert html.lstrip().startswith(start) and "<html" not in html, url
    # Going back to an address htmx pushed, with the snapshot gone from its cache: htmx
    # asks with an htmx request (no target) and replaces the body with the answer.
    response = client.get(url, headers=RESTORE)
    html = response.content.decode()
    assert response.status_code == 200, url
    assert "<html" in html and 'id="main"' in html and start in html, url
    # Whatever the request says it aims at, a restore gets the page.
    response = client.get(url, headers={**RESTORE, "HX-Target": target})
    assert "<html" in response.content.decode(), url
    # Any other htmx request (not aimed at the region) gets the page too.
    response = client.get(url, headers={"HX-Request": "true", "HX-Target": "main"})
    assert "<html" in response.content.decode(), url
    # A cache keeps the page and the partial apart by the headers that choose them.
    vary = {v.strip() for v in response["Vary"].split(",")}
    assert {"HX-Request", "HX-Target", "HX-History-Restore-Request"} <= vary, url


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "target", "start"), SHOP_PAGES)
def test_shop_pages_swap_the_results_and_restore_the_whole_page(
    shop_a, name, target, start
) -> None:
    _check(_signed_in(shop_a.owner), reverse(name), target, start)


@PLATFORM_DB
@pytest.mark.parametrize(("name", "target", "start"), PLATFORM_PAGES)
def test_platform_pages_swap_the_results_and_restore_the_whole_page(name, target, start) -> None:
    _check(verified_client(platform_admin()), reverse(name), target, start)


@pytest.mark.django_db
def test_every_page_lets_htmx_swap_a_422_once(shop_a) -> None:
    """The base layout carries the htmx-config (templates/partials/htmx_swap_422.html):
    htmx reads the first such meta only, so no page repeats it."""
    client = _signed_in(shop_a.owner)
    for name, _target, _start in SHOP_PAGES:
        html = client.get(reverse(name)).content.decode()
        assert html.count('name="htmx-config"') == 1 and SWAP_422 in html, name
    for name in ("home", "pos:register", "inventory:rate-alerts"):
        html = client.get(reverse(name)).content.decode()
        assert html.count('name="htmx-config"') == 1 and SWAP_422 in html, name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("reports:index", {"start": "2026-02-01", "end": "2026-01-01"}, "after the end date"),
        ("pos:sale-list", {"start": "2026-02-01", "end": "2026-01-01"}, "after the end date"),
        ("pos:shift-list", {"terminal": "not-an-id"}, "is not a valid UUID"),
    ],
)
def test_a_refused_filters_address_restores_as_a_page_htmx_shows(
    shop_a, name, params, message
) -> None:
    """htmx puts a history restore's answer in place only when it is 2xx/3xx: the
    refused filter's page (its message in it) comes back as a 200 there, a 422 elsewhere."""
    client = _signed_in(shop_a.owner)
    url = reverse(name)
    response = client.get(url, params)
    assert response.status_code == 422 and message in response.content.decode()
    response = client.get(url, params, headers=RESTORE)
    html = response.content.decode()
    assert response.status_code == 200, url
    assert "<html" in html and message in html, url
