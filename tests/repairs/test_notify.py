"""Acceptance 3: a repair moving to "ready" tells the customer per their consent,
through a real Celery worker, with the delivery status stored."""

import time
from decimal import Decimal

import pytest
from django.core import mail

from notifications.models import CustomerMessage
from notifications.sms import LoggingSmsProvider
from repairs import services
from repairs.models import RepairOrder
from tenants.context import tenant_context
from tests.factories import customer_make

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _wait_for(check, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the worker did not deliver in time"
        time.sleep(0.1)


def _to_quality_check(shop, customer) -> RepairOrder:
    with tenant_context(shop.tenant):
        order = services.repair_create(tenant=shop.tenant, actor=shop.owner, customer=customer,
                                       branch=shop.main, description="Bracelet clasp",
                                       labour_estimate=Decimal("20"))
        RepairOrder.objects.filter(pk=order.pk).update(status="quality_check")
    return order


def _messages(shop, customer) -> list[CustomerMessage]:
    with tenant_context(shop.tenant):
        return list(CustomerMessage.objects.filter(customer=customer, event="repair.ready"))


def test_ready_sends_email_and_sms_to_a_consenting_customer_through_the_worker(
        shop_a, celery_worker_running) -> None:
    LoggingSmsProvider.outbox.clear()
    customer = customer_make(shop_a, first_name="Mina", last_name="Rahimi",
                             phone="09121112233", email="mina@example.com",
                             email_opt_in=True, sms_opt_in=True)
    order = _to_quality_check(shop_a, customer)
    services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                               action="pass_check", weight_out=Decimal("6.500"))
    _wait_for(lambda: all(m.status == "sent" for m in _messages(shop_a, customer))
              and len(_messages(shop_a, customer)) == 2)
    sent = {m.channel: m for m in _messages(shop_a, customer)}
    assert sent["email"].recipient == "mina@example.com" and sent["email"].attempts == 1
    assert sent["email"].sent_at is not None
    assert sent["sms"].provider_id and sent["sms"].recipient == customer.phone
    assert [m.to for m in mail.outbox if f"R-{order.number}" in m.subject] == [
        ["mina@example.com"]]
    assert any(f"R-{order.number}" in s["text"] and "ready" in s["text"]
               for s in LoggingSmsProvider.outbox)


def test_ready_sends_nothing_without_consent_and_only_sms_with_sms_consent(
        shop_a, celery_worker_running) -> None:
    silent = customer_make(shop_a, last_name="Silent", email="s@example.com",
                           phone="09121110000")
    sms_only = customer_make(shop_a, last_name="Texter", email="t@example.com",
                             phone="09121110001", sms_opt_in=True)
    for customer in (silent, sms_only):
        order = _to_quality_check(shop_a, customer)
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                   action="pass_check", weight_out=Decimal("1.000"))
    _wait_for(lambda: [m.status for m in _messages(shop_a, sms_only)] == ["sent"])
    assert _messages(shop_a, silent) == []
    assert [m.channel for m in _messages(shop_a, sms_only)] == ["sms"]


class _BrokenSms:
    def send(self, *, to: str, text: str) -> str:
        raise OSError("gateway down")


def test_a_failing_provider_is_retried_then_marked_failed(shop_a, celery_worker_running,
                                                          settings) -> None:
    settings.SMS_PROVIDER = "tests.repairs.test_notify._BrokenSms"
    settings.NOTIFICATION_RETRY_DELAY = 0
    settings.NOTIFICATION_MAX_RETRIES = 3
    customer = customer_make(shop_a, last_name="Unlucky", phone="09121119999",
                             sms_opt_in=True)
    order = _to_quality_check(shop_a, customer)
    services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                               action="pass_check", weight_out=Decimal("2.000"))
    _wait_for(lambda: [m.status for m in _messages(shop_a, customer)] == ["failed"])
    message = _messages(shop_a, customer)[0]
    assert message.attempts == 3 and "gateway down" in message.error
