"""Platform backup pages: runs with live progress, an export on demand, a restore
confirmed by the typed address; a browser drives export then merge restore
(acceptance 6) with a real Celery worker."""

import time

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from playwright.sync_api import Page, expect

from backups import services
from backups.fingerprints import tenant_fingerprint
from backups.models import BackupRun
from crm.models import Customer
from tenants.context import tenant_context
from tests.factories import platform_admin, shop
from tests.platform.conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "platform"])


def _wait_finished(kind: str, timeout: float = 60) -> BackupRun:
    deadline = time.monotonic() + timeout
    while True:
        run = BackupRun.objects.filter(kind=kind).order_by("-started_at").first()
        if run is not None and not run.is_running:
            return run
        assert time.monotonic() < deadline, f"{kind} did not finish"
        time.sleep(0.1)


def test_anonymous_and_shop_users_are_kept_out(client) -> None:  # noqa: ANN001
    a = shop("Shop A")
    assert client.get("/platform/backups/").status_code == 302
    client.force_login(a.owner)
    assert client.get("/platform/backups/").status_code == 403


def test_running_runs_show_progress_and_poll() -> None:
    a = shop("Shop A")
    run = services.backup_run_start(kind=BackupRun.Kind.TENANT_EXPORT, tenant=a.tenant)
    services.backup_progress_set(run, 42, "upload")
    page = verified_client(platform_admin()).get("/platform/backups/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'hx-trigger="every 2s"' in body and 'value="42"' in body
    fragment = verified_client(platform_admin()).get("/platform/backups/",
                                                     headers={"HX-Request": "true",
                                                              "HX-Target": "runs"})
    assert fragment.content.decode().lstrip().startswith('<section id="runs"')
    services.backup_run_finish(run=run, state=BackupRun.State.FAILED, error="x")
    assert "every 2s" not in verified_client(platform_admin()).get(
        "/platform/backups/").content.decode()


def test_export_then_restore_through_the_pages(celery_worker_running) -> None:  # noqa: ANN001
    a, b = shop("Shop A"), shop("Shop B")
    client = verified_client(platform_admin())
    response = client.post("/platform/backups/export/", {"tenant": a.tenant.pk, "reason": "t"})
    assert response.status_code == 302
    export = _wait_finished(BackupRun.Kind.TENANT_EXPORT)
    assert export.state == BackupRun.State.COMPLETED, export.error

    url = f"/platform/backups/{export.pk}/restore/"
    wrong = client.post(url, {"mode": "replace", "reason": "t", "confirm_slug": b.tenant.slug})
    assert wrong.status_code == 422 and "Type the shop" in wrong.content.decode()
    assert not BackupRun.objects.filter(kind=BackupRun.Kind.TENANT_RESTORE).exists()

    with tenant_context(b.tenant):
        b_before = tenant_fingerprint()
    ok = client.post(url, {"mode": "replace", "reason": "t", "confirm_slug": a.tenant.slug})
    assert ok.status_code == 302
    restore = _wait_finished(BackupRun.Kind.TENANT_RESTORE)
    assert restore.state == BackupRun.State.COMPLETED, restore.error
    with tenant_context(b.tenant):
        assert tenant_fingerprint() == b_before


def test_a_platform_admin_starts_the_database_copy_from_the_page(celery_worker_running) -> None:  # noqa: ANN001
    a = shop("Shop A")
    admin = platform_admin()
    client = verified_client(admin)
    page = client.get("/platform/backups/").content.decode()
    assert 'action="/platform/backups/dump/"' in page and 'name="dump-reason"' in page
    assert client.get("/platform/backups/dump/").status_code == 405  # POST only

    response = client.post("/platform/backups/dump/", {"dump-reason": "before the upgrade"})
    assert response.status_code == 302
    run = _wait_finished(BackupRun.Kind.DUMP)
    assert run.state == BackupRun.State.COMPLETED, run.error
    # Recorded like the other manual runs: who started it and why.
    assert run.initiator == admin and run.reason == "before the upgrade"
    assert run.targets["local"]["state"] == "ok" and run.size_bytes
    listing = client.get("/platform/backups/").content.decode()
    assert "Portable database copy" in listing and "Database copy started." in listing

    # One at a time: while a copy runs, another is refused and nothing is queued.
    running = services.backup_run_start(kind=BackupRun.Kind.DUMP)
    refused = client.post("/platform/backups/dump/", {"dump-reason": ""}, follow=True)
    assert "A database copy is already running." in refused.content.decode()
    assert BackupRun.objects.filter(kind=BackupRun.Kind.DUMP).count() == 2
    services.backup_run_finish(run=running, state=BackupRun.State.FAILED, error="x")
    # Too long a reason: the page again with the error, no run.
    long = client.post("/platform/backups/dump/", {"dump-reason": "x" * 301})
    assert long.status_code == 422 and 'id="id_dump-reason_error"' in long.content.decode()
    assert BackupRun.objects.filter(kind=BackupRun.Kind.DUMP).count() == 2

    # Shop users and visitors are kept out, as from the other backup actions.
    outsider = Client()
    assert outsider.post("/platform/backups/dump/").status_code == 302
    outsider.force_login(a.owner)
    assert outsider.post("/platform/backups/dump/").status_code == 403
    assert BackupRun.objects.filter(kind=BackupRun.Kind.DUMP).count() == 2


@pytest.mark.browser
def test_browser_export_progress_then_merge_restore(page: Page, live_server,  # noqa: ANN001
                                                    celery_worker_running,
                                                    screenshot_dir) -> None:
    a = shop("Firouzeh Gold")
    client = verified_client(platform_admin())
    page.context.add_cookies([{
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    page.goto(live_server.url + "/platform/backups/")
    page.locator("#id_tenant").select_option(str(a.tenant.pk))
    page.get_by_role("button", name="Start export").click()
    rows = page.locator("#runs tbody tr")
    # The list polls until the run has finished: "Completed" appears without a reload.
    expect(rows.first).to_contain_text("Completed", timeout=30_000)
    page.screenshot(path=str(screenshot_dir / "backups-runs.png"), full_page=True)

    def tokens() -> int:
        with tenant_context(a.tenant), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM crm_customersearchtoken WHERE customer_id = %s",
                           [a.extra["referrer"].pk])
            return cursor.fetchone()[0]

    before = tokens()
    with tenant_context(a.tenant), connection.cursor() as cursor:  # rows lost by mistake
        cursor.execute("DELETE FROM crm_customersearchtoken WHERE customer_id = %s",
                       [a.extra["referrer"].pk])
        Customer.objects.filter(pk=a.extra["referrer"].pk).update(notes="edited since")
    assert tokens() == 0 < before
    # The four-step wizard, from the export's "Restore" link (shop and export chosen).
    page.get_by_role("link", name="Restore", exact=True).first.click()
    steps = page.get_by_role("list", name="Steps")
    expect(steps.locator("[aria-current=step]")).to_contain_text("Backup")
    expect(page.get_by_label("Shop")).to_have_value(str(a.tenant.pk))
    page.get_by_role("button", name="Next").click()
    expect(steps.locator("[aria-current=step]")).to_contain_text("Type")
    page.get_by_label("Merge", exact=True).check()
    page.get_by_role("button", name="Next").click()
    expect(steps.locator("[aria-current=step]")).to_contain_text("Options")
    page.get_by_role("button", name="Next").click()
    expect(steps.locator("[aria-current=step]")).to_contain_text("Confirm")
    expect(page.locator("#wizard-summary")).to_contain_text("Merge")
    page.get_by_label("Reason").fill("customer deleted by mistake")
    page.get_by_label("Type the shop's address to confirm").fill(a.tenant.slug)
    page.screenshot(path=str(screenshot_dir / "backups-wizard-confirm.png"), full_page=True)
    page.get_by_role("button", name="Start the restore").click()
    expect(page.locator("#runs tbody tr").first).to_contain_text("Shop restore")
    expect(page.locator("#runs tbody tr").first).to_contain_text("Completed", timeout=30_000)
    assert tokens() == before  # merge brought them back
    with tenant_context(a.tenant):  # and kept the edit made since the export
        assert Customer.objects.get(pk=a.extra["referrer"].pk).notes == "edited since"
    page.screenshot(path=str(screenshot_dir / "backups-restored.png"), full_page=True)


def test_wizard_checks_every_step_and_restores_one_shop(celery_worker_running) -> None:  # noqa: ANN001
    a, b = shop("Shop A"), shop("Shop B")
    client = verified_client(platform_admin())
    export = services.tenant_export_create(tenant=a.tenant)
    assert export.state == BackupRun.State.COMPLETED, export.error
    url = "/platform/backups/restore/"

    first = client.get(url + f"?export={export.pk}").content.decode()
    assert f'value="{export.pk}"' in first and "checked" in first
    # Step 1 without a backup chosen: refused, nothing written.
    refused = client.post(url, {"step": "0", "s-tenant": a.tenant.pk})
    assert refused.status_code == 422
    data = {"s-tenant": a.tenant.pk, "s-source": str(export.pk)}
    step2 = client.post(url, {"step": "0", **data})
    assert step2.status_code == 200 and 'name="t-mode"' in step2.content.decode()
    assert client.post(url, {"step": "1", **data}).status_code == 422  # no type
    data["t-mode"] = "replace"
    step3 = client.post(url, {"step": "1", **data}).content.decode()
    assert 'name="o-copy"' in step3 and "local" in step3
    data["o-copy"] = "local"
    step4 = client.post(url, {"step": "2", **data}).content.decode()
    assert 'name="c-confirm_slug"' in step4
    # An export of shop A offered for shop B is not a valid choice.
    wrong_shop = client.post(url, {"step": "3", **data, "s-tenant": b.tenant.pk,
                                   "c-reason": "r", "c-confirm_slug": b.tenant.slug})
    assert wrong_shop.status_code == 422
    wrong_slug = client.post(url, {"step": "3", **data, "c-reason": "r",
                                   "c-confirm_slug": b.tenant.slug})
    assert wrong_slug.status_code == 422 and "Type the shop" in wrong_slug.content.decode()
    assert not BackupRun.objects.filter(kind=BackupRun.Kind.TENANT_RESTORE).exists()

    with tenant_context(b.tenant):
        b_before = tenant_fingerprint()
    done = client.post(url, {"step": "3", **data, "c-reason": "test",
                             "c-confirm_slug": a.tenant.slug})
    assert done.status_code == 302
    restore = _wait_finished(BackupRun.Kind.TENANT_RESTORE)
    assert restore.state == BackupRun.State.COMPLETED, restore.error
    assert restore.details.get("target_name") == "local" and restore.mode == "replace"
    with tenant_context(b.tenant):
        assert tenant_fingerprint() == b_before


def test_wizard_point_in_time_needs_a_moment_after_the_oldest_backup() -> None:
    a = shop("Shop A")
    client = verified_client(platform_admin())
    url = "/platform/backups/restore/"
    data = {"s-tenant": a.tenant.pk, "s-source": "pitr", "t-mode": "merge"}
    step3 = client.post(url, {"step": "1", **data}).content.decode()
    assert 'name="o-target_time"' in step3 and 'type="datetime-local"' in step3
    assert client.post(url, {"step": "2", **data}).status_code == 422  # no moment
    data["o-target_time"] = "2000-01-01T10:00:00"
    step4 = client.post(url, {"step": "2", **data})
    assert step4.status_code == 200
    too_old = client.post(url, {"step": "3", **data, "c-reason": "r",
                                "c-confirm_slug": a.tenant.slug})
    assert too_old.status_code == 422
    assert "No cluster backup reaches that far back" in too_old.content.decode()
    assert not BackupRun.objects.filter(kind=BackupRun.Kind.TENANT_RESTORE).exists()
