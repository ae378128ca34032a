"""Rate alerts (fire once per crossing, email owners and managers) and the rate chart."""

from decimal import Decimal as D

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inventory import alerts, services, tasks
from inventory.models import RateAlert
from tenants.context import tenant_context

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def set_sell(shop, sell):
    services.rate_board_set(tenant=shop.tenant, actor=shop.owner, code="gold18", mode="manual",
                            buy_rate=D("1"), sell_rate=D(sell))


def test_alert_fires_once_per_crossing(shop_a, shop_b, django_capture_on_commit_callbacks) -> None:
    alert = shop_a.extra["rate_alert"]  # 18K above 100; the board sells at 65
    assert not alert.triggered and alert.fired_at is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        set_sell(shop_a, "101.5")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([shop_a.owner.email, shop_a.manager.email])
    assert "18K gold is at 101.5" in mail.outbox[0].body and "100" in mail.outbox[0].body
    with tenant_context(shop_a.tenant):
        alert.refresh_from_db()
    assert alert.triggered and alert.fired_at is not None
    first = alert.fired_at
    with django_capture_on_commit_callbacks(execute=True):
        set_sell(shop_a, "120")  # still above: no repeat
        set_sell(shop_a, "90")  # back below: re-armed, silent
    assert len(mail.outbox) == 2
    with tenant_context(shop_a.tenant):
        alert.refresh_from_db()
    assert not alert.triggered and alert.fired_at == first
    with django_capture_on_commit_callbacks(execute=True):
        set_sell(shop_a, "100")  # at the threshold counts
    assert len(mail.outbox) == 4
    assert not any(m.to[0] in (shop_b.owner.email, shop_b.manager.email) for m in mail.outbox)


def test_market_fetch_checks_alerts_against_market_rate(shop_a, django_capture_on_commit_callbacks) -> None:
    with tenant_context(shop_a.tenant):
        below = alerts.rate_alert_save(tenant=shop_a.tenant, actor=shop_a.manager, karat=22,
                                       direction="below", threshold=D("50"))
        paused = alerts.rate_alert_save(tenant=shop_a.tenant, actor=shop_a.owner, karat=22,
                                        direction="below", threshold=D("60"), is_active=False)
    services.market_rate_record(code="gold22", price_per_gram=D("45"),
                                currency=shop_a.tenant.currency, source="provider")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.rate_board_follow.apply(kwargs={"tenant_id": str(shop_a.tenant.pk)}, throw=True)
    assert len(mail.outbox) == 2 and "22K gold is at 45" in mail.outbox[0].body
    with tenant_context(shop_a.tenant):
        below.refresh_from_db()
        paused.refresh_from_db()
    assert below.triggered and below.fired_at and not paused.triggered and paused.fired_at is None


def test_alert_rules(shop_a) -> None:
    from tenants.errors import BusinessRuleError

    with tenant_context(shop_a.tenant):
        with pytest.raises(BusinessRuleError):
            alerts.rate_alert_save(tenant=shop_a.tenant, actor=shop_a.cashier, karat=18,
                                   direction="above", threshold=D("10"))
        with pytest.raises(BusinessRuleError):
            alerts.rate_alert_save(tenant=shop_a.tenant, actor=shop_a.owner, karat=18,
                                   direction="above", threshold=D("0"))
        with pytest.raises(BusinessRuleError):  # the same as the world's
            alerts.rate_alert_save(tenant=shop_a.tenant, actor=shop_a.owner, karat=18,
                                   direction="above", threshold=D("100"))
        assert RateAlert.objects.count() == 1


def test_alert_pages(shop_a, shop_b) -> None:
    c = client_for(shop_a.manager)
    url = reverse("inventory:rate-alerts")
    assert c.get(url).status_code == 200
    assert client_for(shop_a.cashier).get(url).status_code == 403
    bad = c.post(url, {"karat": "18", "direction": "above", "threshold": "100"})
    assert bad.status_code == 422 and "already exists" in bad.content.decode()
    bad = c.post(url, {"karat": "21", "direction": "below", "threshold": "-3"})
    assert bad.status_code == 422 and 'value="-3"' in bad.content.decode()
    assert c.post(url, {"karat": "21", "direction": "below", "threshold": "70",
                        "is_active": "on"}).status_code == 302
    with tenant_context(shop_a.tenant):
        new = RateAlert.objects.get(karat=21)
    edit = reverse("inventory:rate-alert-edit", args=[new.pk])
    assert c.post(edit, {"karat": "21", "direction": "below", "threshold": "75"}).status_code == 302
    with tenant_context(shop_a.tenant):
        new.refresh_from_db()
    assert new.threshold == D("75") and not new.is_active
    other = shop_b.extra["rate_alert"]
    assert c.get(reverse("inventory:rate-alert-edit", args=[other.pk])).status_code == 404
    assert c.post(reverse("inventory:rate-alert-delete", args=[other.pk])).status_code == 404
    assert c.post(reverse("inventory:rate-alert-delete", args=[new.pk])).status_code == 302
    with tenant_context(shop_a.tenant):
        assert not RateAlert.objects.filter(pk=new.pk).exists()


def test_rate_board_chart_from_market_history(shop_a) -> None:
    c = client_for(shop_a.cashier)
    body = c.get(reverse("inventory:rate-board")).content.decode()
    assert "chart.umd.min.js" not in body and "No market rates have been recorded yet." in body
    currency = shop_a.tenant.currency
    now = timezone.now()
    for hours, price in ((48, "60"), (24, "62.5")):
        services.market_rate_record(code="gold18", price_per_gram=D(price), currency=currency,
                                    source="provider", fetched_at=now - timezone.timedelta(hours=hours))
    services.market_rate_record(code="gold24", price_per_gram=D("85"), currency=currency,
                                source="provider", fetched_at=now - timezone.timedelta(hours=24))
    services.market_rate_record(code="gold18", price_per_gram=D("1"), currency="XYZ",
                                source="provider")
    from inventory.selectors import rate_history_chart

    chart = rate_history_chart(currency=currency)
    assert len(chart["labels"]) == 2
    assert chart["datasets"] == [{"label": "Gold 24K", "data": [None, 85.0]},
                                 {"label": "Gold 18K", "data": [60.0, 62.5]}]
    body = c.get(reverse("inventory:rate-board")).content.decode()
    assert "vendor/chart.umd.min.js" in body and 'id="rate-history-data"' in body
    assert "chart.umd.min.js" not in c.get(reverse("inventory:item-list")).content.decode()
