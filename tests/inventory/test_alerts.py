"""Low-stock emails: daily, per shop, to owners and managers, at most once a day."""

import pytest
from django.core import mail

from inventory import tasks
from tenants.context import tenant_context
from tests.factories import item_make

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def run_for(shop, task):
    return task.apply(kwargs={"tenant_id": str(shop.tenant.pk)}, throw=True).get()


def test_low_stock_email_goes_to_owners_and_managers_once_a_day(
        shop_a, shop_b, django_capture_on_commit_callbacks) -> None:
    from inventory import services

    low = item_make(shop_a, sku="LOW-1", name="Thin chain", tracking="lot", low_stock_threshold=3)
    with tenant_context(shop_a.tenant):
        services.stock_move(tenant=shop_a.tenant, actor=shop_a.owner, item=low,
                            branch=shop_a.main, kind="purchase_receipt", quantity=2)
    item_make(shop_a, sku="FINE-1", name="Plenty", tracking="lot", low_stock_threshold=0)
    item_make(shop_b, sku="B-LOW", name="Shop B low", tracking="lot", low_stock_threshold=1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert run_for(shop_a, tasks.low_stock_alert) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [shop_a.owner.email, shop_a.manager.email])
    body = mail.outbox[0].body
    assert "LOW-1" in body and "2 in stock (threshold 3)" in body
    assert "B-LOW" not in body and "FINE-1" not in body and "RING-1" not in body
    assert "1 items" in mail.outbox[0].subject
    # The same day again: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert run_for(shop_a, tasks.low_stock_alert) == 0
    assert len(mail.outbox) == 2


def test_no_email_when_nothing_is_low(shop_a, django_capture_on_commit_callbacks) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert run_for(shop_a, tasks.low_stock_alert) == 0
    assert mail.outbox == []


def test_fan_out_and_schedule(shop_a, shop_b, monkeypatch) -> None:
    from tenants.schedules import schedules

    sent = []
    monkeypatch.setattr(tasks.low_stock_alert, "apply_async",
                        lambda args=(), kwargs=None, **kw: sent.append(kwargs["tenant_id"]))
    assert tasks.low_stock_alert_all() >= 2
    assert {str(shop_a.tenant.pk), str(shop_b.tenant.pk)} <= set(sent)
    assert any(s.task == "inventory.low_stock_alert_all" and s.every == 24 * 3600
               for s in schedules())
