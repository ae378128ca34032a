"""Every platform page renders for a verified admin; plans, announcements, health and jobs."""

from django.test import Client
from django_celery_beat.models import PeriodicTask

from tenants.models import Announcement, AnnouncementReceipt, JobRun, Plan

from .conftest import PLATFORM_DB

pytestmark = PLATFORM_DB


def test_every_platform_page_renders(admin_client, shop_a, django_assert_max_num_queries) -> None:
    task = PeriodicTask.objects.order_by("pk").first()
    assert task is not None, "schedules are ensured after migrate"
    paths = ["/platform/", "/platform/tenants/", "/platform/tenants/new/",
             f"/platform/tenants/{shop_a.tenant.pk}/edit/",
             f"/platform/tenants/{shop_a.tenant.pk}/delete/", "/platform/plans/",
             "/platform/plans/new/", f"/platform/plans/{shop_a.tenant.plan_id}/",
             "/platform/flags/", "/platform/announcements/", "/platform/announcements/new/",
             "/platform/audit/?source=changes", "/platform/health/", "/platform/jobs/",
             f"/platform/jobs/{task.pk}/"]
    for path in paths:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert "<h1" in response.content.decode(), path
    with django_assert_max_num_queries(10):
        assert admin_client.get("/platform/plans/").status_code == 200


def test_plans_crud_and_archive(admin_client) -> None:
    form = {"name": "Gold", "price": "99.00", "currency": "USD", "billing_cycle": "yearly",
            "max_users": "20", "max_branches": "5", "max_items": "20000", "max_terminals": "10"}
    assert admin_client.post("/platform/plans/new/", form).status_code == 302
    plan = Plan.objects.get(name="Gold")
    assert admin_client.post("/platform/plans/new/", form).status_code == 422  # same name
    assert admin_client.post(f"/platform/plans/{plan.pk}/", {**form, "max_users": "30"}
                             ).status_code == 302
    plan.refresh_from_db()
    assert plan.max_users == 30
    admin_client.post(f"/platform/plans/{plan.pk}/archive/", {"archived": "1"})
    plan.refresh_from_db()
    assert plan.is_archived
    new_shop = admin_client.get("/platform/tenants/new/").content.decode()
    assert f'value="{plan.pk}"' not in new_shop  # archived plans take no new shops


def test_announcement_banner_targeting_dismissal_and_acknowledgement(
    admin_client, shop_a, shop_b
) -> None:
    from django.core import mail

    mail.outbox.clear()
    answer = admin_client.post("/platform/announcements/new/", {
        "title": "Maintenance tonight", "body": "We upgrade at 23:00.", "severity": "info",
        "target_plans": [str(shop_a.tenant.plan_id)], "send_email": "on"})
    assert answer.status_code == 302
    info = Announcement.objects.get(title="Maintenance tonight")
    assert [m.to for m in mail.outbox] == [[shop_a.owner.email]]
    admin_client.post("/platform/announcements/new/", {
        "title": "New terms", "body": "Please read.", "severity": "critical"})
    critical = Announcement.objects.get(title="New terms")

    a, b = Client(), Client()
    a.force_login(shop_a.owner)
    b.force_login(shop_b.owner)
    assert 'hx-get="/announcements/"' in a.get("/").content.decode()  # loaded after the page
    page_a = a.get("/announcements/").content.decode()
    assert "Maintenance tonight" in page_a and "New terms" in page_a
    page_b = b.get("/announcements/").content.decode()
    assert "Maintenance tonight" not in page_b and "New terms" in page_b
    assert AnnouncementReceipt.objects.filter(user=shop_a.owner).count() == 2  # read tracking

    a.post("/announcements/dismiss/", {"id": info.pk, "next": "/"})
    a.post("/announcements/dismiss/", {"id": critical.pk, "next": "/"})  # needs acknowledging
    page_a = a.get("/announcements/").content.decode()
    assert "Maintenance tonight" not in page_a and "New terms" in page_a
    a.post("/announcements/dismiss/", {"id": critical.pk, "acknowledge": "1", "next": "/"})
    assert "New terms" not in a.get("/announcements/").content.decode()
    assert AnnouncementReceipt.objects.get(user=shop_a.owner, announcement=critical).acknowledged_at
    # Shop B cannot dismiss an announcement not shown to it.
    assert b.post("/announcements/dismiss/", {"id": info.pk}).status_code == 404
    detail = admin_client.get(f"/platform/announcements/{critical.pk}/").content.decode()
    assert shop_a.owner.email in detail


def test_jobs_edit_run_now_and_recorded_runs(admin_client, celery_worker_running) -> None:
    task = PeriodicTask.objects.get(name="worker heartbeat")
    edit = admin_client.post(f"/platform/jobs/{task.pk}/", {"every": "120"})
    assert edit.status_code == 302
    task.refresh_from_db()
    assert task.interval.every == 120 and not task.enabled
    assert admin_client.post(f"/platform/jobs/{task.pk}/", {"every": "5"}).status_code == 422
    assert admin_client.post(f"/platform/jobs/{task.pk}/run/").status_code == 302
    import time

    deadline = time.monotonic() + 15
    while not JobRun.objects.filter(task="tenants.worker_heartbeat").exists():
        assert time.monotonic() < deadline, "the worker did not record the run"
        time.sleep(0.2)
    assert JobRun.objects.get(task="tenants.worker_heartbeat").succeeded
    assert "tenants.worker_heartbeat" in admin_client.get("/platform/jobs/").content.decode()


def test_health_page_lists_checks_disk_and_recent_errors(admin_client) -> None:
    import logging

    logging.getLogger("zargar.test").error("boom for the health page")
    body = admin_client.get("/platform/health/").content.decode()
    for name in ("PostgreSQL", "Redis", "Celery workers", "Disk"):
        assert name in body
    assert "boom for the health page" in body
