"""Report schedules: who may create them, what is refused, and how often they send."""

import datetime
import io

import pytest
from django.core import mail
from openpyxl import load_workbook

from reports import services
from reports.models import ReportSchedule
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.reports.conftest import DAY1, NECKLACE, RING

pytestmark = pytest.mark.django_db


def _schedule(shop, **kw) -> ReportSchedule:
    values = {"report": "day", "frequency": "daily", "file_format": "xlsx",
              "recipients": "boss@example.com, Accountant@Example.com"}
    values.update(kw)
    return services.report_schedule_create(tenant=shop.tenant, actor=shop.owner, **values)


def _send(shop, today: datetime.date, django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return services.report_schedules_send(tenant=shop.tenant, today=today)


def test_only_the_owner_schedules_and_bad_input_changes_nothing(shop_a) -> None:
    for actor in (shop_a.manager, shop_a.cashier):
        with pytest.raises(BusinessRuleError):
            services.report_schedule_create(tenant=shop_a.tenant, actor=actor, report="day",
                                            frequency="daily", file_format="pdf",
                                            recipients="a@example.com")
    for kw, field in (({"recipients": "not-an-address"}, "recipients"),
                      ({"recipients": " , "}, "recipients"),
                      ({"recipients": ",".join(f"u{i}@example.com" for i in range(11))},
                       "recipients"),
                      ({"report": "profit"}, "report"), ({"frequency": "hourly"}, "frequency"),
                      ({"file_format": "doc"}, "file_format")):
        with pytest.raises(BusinessRuleError) as caught:
            _schedule(shop_a, **kw)
        assert caught.value.field == field
    with tenant_context(shop_a.tenant):
        assert ReportSchedule.objects.count() == 1  # the world's


def test_a_daily_schedule_sends_yesterday_once_a_day_with_the_attachment(
        scenario, django_capture_on_commit_callbacks) -> None:
    shop = scenario.shop
    with tenant_context(shop.tenant):
        ReportSchedule.objects.all().delete()  # the world's weekly one
    schedule = _schedule(shop)
    assert schedule.recipients == "boss@example.com, accountant@example.com"
    today = DAY1 + datetime.timedelta(days=1)  # the report covers DAY1
    mail.outbox.clear()
    assert _send(shop, today, django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["boss@example.com", "accountant@example.com"]
    assert shop.tenant.name in message.subject and "Sales by day" in message.subject
    (name, content, mimetype), = message.attachments
    assert name == "sales-day-2026-01-10-2026-01-10.xlsx"
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=4, values_only=True))
    assert rows[0][1:] == (2, 2 * RING + NECKLACE, 0, 2 * RING + NECKLACE)
    # Again the same day: nothing; the next day: one more.
    assert _send(shop, today, django_capture_on_commit_callbacks) == 0
    assert _send(shop, today + datetime.timedelta(days=1), django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 2
    with tenant_context(shop.tenant):
        schedule.refresh_from_db()
    assert schedule.last_sent_on == today + datetime.timedelta(days=1)


def test_weekly_and_monthly_respect_their_period(shop_a, django_capture_on_commit_callbacks) -> None:
    with tenant_context(shop_a.tenant):
        ReportSchedule.objects.all().delete()
    _schedule(shop_a, frequency="weekly", report="branch", file_format="csv")
    _schedule(shop_a, frequency="monthly", report="customers", file_format="pdf")
    start = datetime.date(2026, 1, 31)
    sent = {}
    for offset in range(0, 62):
        day = start + datetime.timedelta(days=offset)
        mail.outbox.clear()
        _send(shop_a, day, django_capture_on_commit_callbacks)
        for m in mail.outbox:
            sent.setdefault(m.attachments[0][0].rsplit(".", 1)[1], []).append(
                (day, m.attachments[0][0]))
    assert [d for d, _ in sent["csv"]] == [start + datetime.timedelta(days=7 * k)
                                           for k in range(9)]
    assert sent["csv"][0][1] == "sales-branch-2026-01-24-2026-01-30.csv"
    # Monthly: the first run, then the first run of each new month (the month before).
    assert sent["pdf"] == [
        (datetime.date(2026, 1, 31), "sales-customers-2025-12-01-2025-12-31.pdf"),
        (datetime.date(2026, 2, 1), "sales-customers-2026-01-01-2026-01-31.pdf"),
        (datetime.date(2026, 3, 1), "sales-customers-2026-02-01-2026-02-28.pdf"),
        (datetime.date(2026, 4, 1), "sales-customers-2026-03-01-2026-03-31.pdf"),
    ]


def test_paused_schedules_and_other_shops_are_not_sent(shop_a, shop_b,
                                                       django_capture_on_commit_callbacks) -> None:
    with tenant_context(shop_a.tenant):
        ReportSchedule.objects.update(is_active=False)
    mail.outbox.clear()
    assert _send(shop_a, DAY1, django_capture_on_commit_callbacks) == 0
    assert _send(shop_b, DAY1, django_capture_on_commit_callbacks) == 1
    assert mail.outbox[0].to == [shop_b.owner.email]


def test_the_report_email_is_written_in_the_owners_language(
        shop_a, django_capture_on_commit_callbacks) -> None:
    shop_a.owner.language = "fa"
    shop_a.owner.save(update_fields=["language"])
    with tenant_context(shop_a.tenant):
        ReportSchedule.objects.all().delete()
    _schedule(shop_a, file_format="csv")
    mail.outbox.clear()
    _send(shop_a, DAY1, django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    assert "فروش روزانه" in message.subject
    content = message.attachments[0][1]  # Django hands text/* attachments back as str
    assert content.lstrip("\ufeff").startswith("روز,"), content
