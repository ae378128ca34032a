"""The beat task, through a real Celery worker: one email per due schedule, per shop."""

import time

from django.core import mail

from reports.models import ReportSchedule
from reports.tasks import schedules_send_all, schedules_send_task
from tenants.context import tenant_context


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not get there in time")
        time.sleep(0.1)


def test_the_beat_task_sends_each_shops_due_report_once(shop_a, shop_b,
                                                        celery_worker_running) -> None:
    mail.outbox.clear()
    assert schedules_send_all.delay().get(timeout=30) >= 2
    _wait_for(lambda: len(_reports()) >= 2)
    assert sorted(m.to[0] for m in _reports()) == sorted([shop_a.owner.email,
                                                          shop_b.owner.email])
    for message in _reports():
        (name, content, mimetype), = message.attachments
        assert name.startswith("sales-branch-") and name.endswith(".pdf")
        assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    for shop in (shop_a, shop_b):
        with tenant_context(shop.tenant):
            assert ReportSchedule.objects.get().last_sent_on is not None
    # Weekly: a second run the same day sends nothing more. The solo worker runs tasks in
    # order, so once a later task for shop A has answered, the fan-out's have run.
    assert schedules_send_all.delay().get(timeout=30) >= 2
    assert schedules_send_task.delay_for(shop_a.tenant).get(timeout=30) == 0
    assert len(_reports()) == 2


def _reports() -> list:
    """The report emails (other tasks of the world, e.g. notifications, also send mail)."""
    return [m for m in mail.outbox if "Sales by branch" in m.subject]
