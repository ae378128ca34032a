"""Acceptance 5: the audit explorer lists sign-in events and data changes, flags failed
sign-ins and lockouts, and its CSV export holds exactly the filtered rows."""

import csv
import io

from django.test import Client

from tenants import platform_services
from tenants.models import AuthEvent

from .conftest import PLATFORM_DB

pytestmark = PLATFORM_DB


def _csv(response) -> list[list[str]]:  # noqa: ANN001
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_failed_login_appears_flagged_and_csv_has_the_filtered_rows(
    admin_client, shop_a, shop_b, django_assert_max_num_queries
) -> None:
    Client().post("/accounts/login/", {"login": shop_a.owner.email, "password": "wrong-one-1"})
    Client().post("/accounts/login/", {"login": shop_b.owner.email, "password": "pw-for-tests-1"})
    failed = AuthEvent.objects.get(kind="login_failed")
    assert failed.email == shop_a.owner.email and failed.tenant_id == shop_a.tenant.pk
    assert failed.is_flagged

    with django_assert_max_num_queries(12):
        page = admin_client.get("/platform/audit/")
    body = page.content.decode()
    assert "Failed sign-in" in body and 'data-flagged="1"' in body

    flagged = admin_client.get("/platform/audit/", {"flagged": "1"}).content.decode()
    assert shop_a.owner.email in flagged and shop_b.owner.email not in flagged

    export = admin_client.get("/platform/audit/export.csv",
                              {"action": "login_failed", "user": shop_a.owner.email})
    assert export["Content-Type"].startswith("text/csv")
    rows = _csv(export)
    assert rows[0][:3] == ["Time", "Email", "Event"]
    assert [r[1] for r in rows[1:]] == [shop_a.owner.email]
    assert rows[1][2] == "Failed sign-in" and rows[1][3] == "yes"

    by_tenant = _csv(admin_client.get("/platform/audit/export.csv",
                                      {"tenant": str(shop_b.tenant.pk)}))
    assert {r[1] for r in by_tenant[1:]} == {shop_b.owner.email}
    ip = _csv(admin_client.get("/platform/audit/export.csv", {"ip": "10.9.9.9"}))
    assert ip[1:] == []


def test_lockout_is_recorded_and_flagged(shop_a, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        Client().post("/accounts/login/", {"login": shop_a.owner.email, "password": "nope-nope-1"})
    assert AuthEvent.objects.filter(kind="lockout", email=shop_a.owner.email).exists()


def test_data_changes_are_filtered_by_tenant_and_exported(admin, admin_client, shop_a, shop_b
                                                          ) -> None:
    platform_services.tenant_suspend(actor=admin, tenant=shop_a.tenant)
    page = admin_client.get("/platform/audit/", {"source": "changes",
                                                 "tenant": str(shop_a.tenant.pk)})
    assert page.status_code == 200
    rows = _csv(admin_client.get("/platform/audit/export.csv",
                                 {"source": "changes", "tenant": str(shop_a.tenant.pk),
                                  "action": "update"}))
    assert rows[1:], "the suspension is an update of shop A"
    assert all(r[5] == str(shop_a.tenant.pk) for r in rows[1:])
    assert any("suspended" in r[7] for r in rows[1:])
    assert not any("password" in r[7] for r in rows[1:])
