"""Acceptance 3: tiers go up when spending crosses a threshold; the expiry job removes
exactly the points that expired (frozen time)."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
import time_machine

from crm import selectors, services, tasks
from crm.models import PointsTransaction
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import customer_make

pytestmark = pytest.mark.django_db
D = Decimal


def _setup(shop, **settings) -> None:  # noqa: ANN001, ANN003
    t = shop.tenant
    with tenant_context(t):
        services.loyalty_settings_update(tenant=t, actor=shop.owner, **settings)
        services.tier_create(tenant=t, actor=shop.owner, name="Silver", threshold=D("500"),
                             validity_months=6, points_multiplier=D("1.5"))


def test_tier_upgrade_when_spending_crosses_a_threshold(shop_a) -> None:
    _setup(shop_a, points_per_unit=D("1"))
    t = shop_a.tenant
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC), tick=False):
        c = customer_make(shop_a, last_name="Tiered")
        with tenant_context(t):
            line = services.points_accrue(tenant=t, actor=shop_a.cashier, customer=c,
                                          amount=D("499.99"))
            assert line.points == 499
            c.refresh_from_db()
            assert c.tier is None
            services.points_accrue(tenant=t, actor=shop_a.cashier, customer=c, amount=D("0.01"))
            c.refresh_from_db()
            assert (c.tier.name, c.tier_expires_on) == ("Silver", datetime.date(2026, 9, 10))
            # The new tier's multiplier applies from the next purchase.
            line = services.points_accrue(tenant=t, actor=shop_a.cashier, customer=c,
                                          amount=D("100"))
            assert line.points == 150
            services.points_accrue(tenant=t, actor=shop_a.cashier, customer=c, amount=D("400"))
            c.refresh_from_db()
            assert c.tier.name == "Gold"  # 1,000.00 spent: shop_world's Gold tier


def test_expiry_job_removes_exactly_the_expired_points(shop_a) -> None:
    _setup(shop_a, points_per_unit=D("1"), expiry_months=1)
    t = shop_a.tenant

    def at(day: datetime.date):  # noqa: ANN202
        return time_machine.travel(datetime.datetime.combine(day, datetime.time(10),
                                                             tzinfo=datetime.UTC), tick=False)

    with at(datetime.date(2026, 1, 10)):
        c = customer_make(shop_a, last_name="Expiring")
        with tenant_context(t):
            services.points_accrue(tenant=t, actor=None, customer=c, amount=D("100"))  # to 02-10
    with at(datetime.date(2026, 1, 25)), tenant_context(t):
        services.points_accrue(tenant=t, actor=None, customer=c, amount=D("50"))  # to 02-25
    with at(datetime.date(2026, 2, 1)), tenant_context(t):
        services.points_redeem(tenant=t, actor=None, customer=c, points=30)  # from the first lot
        assert services.points_expire(tenant=t) == 0
    with at(datetime.date(2026, 2, 10)), tenant_context(t):
        assert services.points_expire(tenant=t) == 0  # valid through its last day
    with at(datetime.date(2026, 2, 11)), tenant_context(t):
        assert selectors.points_available(customer=c) == 50
        with pytest.raises(BusinessRuleError):  # expired points cannot be spent
            services.points_redeem(tenant=t, actor=None, customer=c, points=51)
        assert services.points_expire(tenant=t) == 70
        assert services.points_expire(tenant=t) == 0  # idempotent
        assert selectors.points_balance(customer=c) == 50
    with at(datetime.date(2026, 2, 26)), tenant_context(t):
        assert services.points_expire(tenant=t) == 50
        assert selectors.points_balance(customer=c) == 0
        lines = list(PointsTransaction.objects.filter(customer=c).order_by("created_at")
                     .values_list("kind", "points"))
        assert lines == [("accrue", 100), ("accrue", 50), ("redeem", -30), ("expire", -70),
                         ("expire", -50)]


def test_a_lapsed_tier_is_lowered_when_the_spending_has_aged_out(shop_a) -> None:
    _setup(shop_a, points_per_unit=D("1"), qualification_months=3)
    t = shop_a.tenant
    with time_machine.travel(datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC), tick=False):
        c = customer_make(shop_a, last_name="Lapsing")
        with tenant_context(t):
            services.points_accrue(tenant=t, actor=None, customer=c, amount=D("600"))
            c.refresh_from_db()
            assert c.tier.name == "Silver"
    with time_machine.travel(datetime.datetime(2026, 7, 6, tzinfo=datetime.UTC), tick=False):
        with tenant_context(t):
            services.points_expire(tenant=t)
            c.refresh_from_db()
            assert (c.tier, c.tier_expires_on) == (None, None)


def test_points_quote_and_redeem(shop_a) -> None:
    t, c = shop_a.tenant, shop_a.extra["customer"]  # 170 points, 0.01 each
    with tenant_context(t):
        quote = selectors.points_quote(customer=c, amount=D("1.00"))
        assert (quote.available, quote.points, quote.value) == (170, 100, D("1.00"))
        assert selectors.points_quote(customer=c).value == D("1.70")
        assert services.points_redeem(tenant=t, actor=shop_a.cashier, customer=c,
                                      points=100) == D("1.00")
        with pytest.raises(BusinessRuleError, match="70"):
            services.points_redeem(tenant=t, actor=shop_a.cashier, customer=c, points=71)
        with pytest.raises(BusinessRuleError):
            services.points_redeem(tenant=t, actor=shop_a.cashier, customer=c, points=0)


def test_tiers_and_settings_are_for_managers(shop_a) -> None:
    t = shop_a.tenant
    with tenant_context(t):
        with pytest.raises(BusinessRuleError):
            services.tier_create(tenant=t, actor=shop_a.cashier, name="X", threshold=D("1"))
        with pytest.raises(BusinessRuleError, match="name"):
            services.tier_create(tenant=t, actor=shop_a.owner, name="gold", threshold=D("7"))
        with pytest.raises(BusinessRuleError):
            services.loyalty_settings_update(tenant=t, actor=shop_a.cashier, expiry_months=3)


def test_the_expiry_task_runs_in_each_shops_scope(shop_a, shop_b) -> None:
    with tenant_context(shop_a.tenant):
        services.loyalty_settings_update(tenant=shop_a.tenant, actor=None, expiry_months=1)
        services.points_accrue(tenant=shop_a.tenant, actor=None,
                               customer=shop_a.extra["referrer"], amount=D("10"))
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=40)
    with time_machine.travel(later, tick=False):
        result = tasks.points_expire_task.apply(kwargs={"tenant_id": str(shop_a.tenant.pk)}).get()
    # Only the lot earned under the 1-month rule; the referral lot keeps its 12 months.
    assert result == {"points": 10, "gift_cards": 0}
    with mock.patch.object(tasks.points_expire_task, "apply_async") as enqueue:
        assert tasks.expire_all() >= 2
    tenant_ids = {call.kwargs["kwargs"]["tenant_id"] for call in enqueue.call_args_list}
    assert {str(shop_a.tenant.pk), str(shop_b.tenant.pk)} <= tenant_ids
