"""Overdue repair reminders: a scheduled platform task fans out per shop; each open
order past its promised date (not yet ready) is reminded at most once a day, the
customer per consent and the shop in-app (per preferences)."""

import datetime
import time
from decimal import Decimal

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from notifications.models import CustomerMessage, Notification
from notifications.services import notification_preferences_set
from repairs import services
from repairs.models import RepairOrder
from repairs.tasks import overdue_remind_all, overdue_remind_task
from tenants.context import tenant_context
from tests.factories import customer_make

TODAY = datetime.date(2026, 12, 6)


def _order(shop, customer, *, promised: datetime.date, status: str = "in_progress"
           ) -> RepairOrder:
    with tenant_context(shop.tenant):
        order = services.repair_create(tenant=shop.tenant, actor=shop.owner, customer=customer,
                                       branch=shop.main, description="Chain solder",
                                       labour_estimate=Decimal("12"))
        RepairOrder.objects.filter(pk=order.pk).update(status=status, promised_on=promised)
        return RepairOrder.objects.get(pk=order.pk)


def _overdue_messages(shop, customer) -> list[CustomerMessage]:
    with tenant_context(shop.tenant):
        return list(CustomerMessage.objects.filter(customer=customer, event="repair.overdue"))


def _notes(shop, user) -> list[Notification]:
    with tenant_context(shop.tenant):
        return list(Notification.objects.filter(user=user, url__contains="overdue=1"))


@pytest.mark.django_db(databases=["default", "platform"])
def test_the_schedule_is_registered() -> None:
    task = PeriodicTask.objects.get(name="repair overdue reminders")
    assert task.task == "repairs.overdue_remind_all" and task.enabled
    assert task.interval.every == 3600


@pytest.mark.django_db(databases=["default", "platform"])
def test_once_a_day_per_order_only_open_not_ready_orders(shop_a) -> None:
    yes = customer_make(shop_a, last_name="Late", phone="09125550001", sms_opt_in=True)
    no = customer_make(shop_a, last_name="Quiet", phone="09125550002")
    late = _order(shop_a, yes, promised=TODAY - datetime.timedelta(days=2))
    quiet = _order(shop_a, no, promised=TODAY - datetime.timedelta(days=1))
    _order(shop_a, yes, promised=TODAY)  # due today: not overdue
    _order(shop_a, yes, promised=TODAY - datetime.timedelta(days=3), status="ready")
    _order(shop_a, yes, promised=TODAY - datetime.timedelta(days=3), status="delivered")

    assert services.repair_overdue_remind(tenant=shop_a.tenant, today=TODAY) == 2
    assert [m.channel for m in _overdue_messages(shop_a, yes)] == ["sms"]
    assert f"R-{late.number}" in _overdue_messages(shop_a, yes)[0].body
    assert _overdue_messages(shop_a, no) == []  # no consent: nothing to the customer
    for user in (shop_a.owner, shop_a.manager):
        [note] = _notes(shop_a, user)
        assert note.title == "2 repair orders are past their promised date"
        assert f"R-{late.number}" in note.body and f"R-{quiet.number}" in note.body
    assert _notes(shop_a, shop_a.cashier) == []
    with tenant_context(shop_a.tenant):
        assert RepairOrder.objects.get(pk=late.pk).reminded_on == TODAY

    # Again the same day: nothing new.
    assert services.repair_overdue_remind(tenant=shop_a.tenant, today=TODAY) == 0
    assert len(_overdue_messages(shop_a, yes)) == 1 and len(_notes(shop_a, shop_a.owner)) == 1
    # The next day: reminded again, and the order due "today" is now overdue too.
    assert services.repair_overdue_remind(
        tenant=shop_a.tenant, today=TODAY + datetime.timedelta(days=1)) == 3
    assert len(_overdue_messages(shop_a, yes)) == 3


@pytest.mark.django_db(databases=["default", "platform"])
def test_shop_reminder_follows_preferences_and_language(shop_a) -> None:
    customer = customer_make(shop_a, last_name="Any")
    _order(shop_a, customer, promised=TODAY - datetime.timedelta(days=1))
    notification_preferences_set(tenant=shop_a.tenant, user=shop_a.manager,
                                 choices={"repair.overdue": (False, False)})
    shop_a.owner.language = "fa"
    shop_a.owner.save(update_fields=["language"])
    assert services.repair_overdue_remind(tenant=shop_a.tenant, today=TODAY) == 1
    assert _notes(shop_a, shop_a.manager) == []
    [note] = _notes(shop_a, shop_a.owner)
    assert note.title == "1 سفارش تعمیر از تاریخ وعده گذشته است"  # the owner reads Persian


@pytest.mark.django_db(databases=["default", "platform"])
def test_no_reminders_before_the_reminder_hour(shop_a, settings) -> None:
    customer = customer_make(shop_a, last_name="Early", phone="09125550003", sms_opt_in=True)
    order = _order(shop_a, customer, promised=timezone.localdate() - datetime.timedelta(days=1))
    settings.REPAIR_REMINDER_HOUR = 24  # never reached
    assert overdue_remind_task(tenant_id=str(shop_a.tenant.pk)) == 0
    settings.REPAIR_REMINDER_HOUR = 0
    assert overdue_remind_task(tenant_id=str(shop_a.tenant.pk)) == 1
    with tenant_context(shop_a.tenant):
        assert RepairOrder.objects.get(pk=order.pk).reminded_on == timezone.localdate()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_scheduled_task_reminds_through_the_worker(shop_a, shop_b, celery_worker_running,
                                                       settings) -> None:
    settings.REPAIR_REMINDER_HOUR = 0
    today = timezone.localdate()
    a = customer_make(shop_a, last_name="Waiting", email="w@example.com", email_opt_in=True)
    b = customer_make(shop_b, last_name="OtherShop", phone="09127771234", sms_opt_in=True)
    order_a = _order(shop_a, a, promised=today - datetime.timedelta(days=4))
    order_b = _order(shop_b, b, promised=today - datetime.timedelta(days=1))

    overdue_remind_all.delay()  # what beat sends

    def sent() -> bool:
        msgs = _overdue_messages(shop_a, a) + _overdue_messages(shop_b, b)
        return len(msgs) == 2 and all(m.status == "sent" for m in msgs)

    deadline = time.monotonic() + 30
    while not sent():
        assert time.monotonic() < deadline, "the worker did not send the reminders"
        time.sleep(0.2)
    assert _overdue_messages(shop_a, a)[0].channel == "email"
    assert f"R-{order_a.number}" in _overdue_messages(shop_a, a)[0].subject
    assert _overdue_messages(shop_b, b)[0].channel == "sms"
    assert [n.body for n in _notes(shop_a, shop_a.owner)] == [f"R-{order_a.number}"]
    assert [n.body for n in _notes(shop_b, shop_b.owner)] == [f"R-{order_b.number}"]
    # A second run the same day sends nothing more.
    assert overdue_remind_task(tenant_id=str(shop_a.tenant.pk)) == 0
    assert len(_overdue_messages(shop_a, a)) == 1
