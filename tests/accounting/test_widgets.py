"""The branch comparison widget: today and the last 30 days per branch, from SalesDay."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounting import selectors, services
from tenants.context import tenant_context

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def test_branch_comparison_today_and_last_30_days(shop_a, shop_b,
                                                  django_assert_num_queries) -> None:
    """The world's sale was posted today at the main branch; added by hand: today at the
    main branch 2 sales for 100.00; 10 days ago 1 for 50.00; at the bazaar 20 days ago 1
    for 30.00 with 5.00 returned; 30 days ago (outside the window) 1 for 999.00."""
    sale = shop_a.extra["sale"]
    today = timezone.localdate()
    with tenant_context(shop_a.tenant):
        services.sales_day_add(day=today, branch_id=shop_a.main.pk, count=2,
                               sales=Decimal("100.00"))
        services.sales_day_add(day=today - datetime.timedelta(days=10),
                               branch_id=shop_a.main.pk, count=1, sales=Decimal("50.00"))
        services.sales_day_add(day=today - datetime.timedelta(days=20),
                               branch_id=shop_a.branch.pk, count=1, sales=Decimal("30.00"),
                               returns=Decimal("5.00"))
        services.sales_day_add(day=today - datetime.timedelta(days=30),
                               branch_id=shop_a.branch.pk, count=1, sales=Decimal("999.00"))
    with tenant_context(shop_b.tenant):
        services.sales_day_add(day=today, branch_id=shop_b.main.pk, count=1,
                               sales=Decimal("7777.00"))
    with tenant_context(shop_a.tenant), django_assert_num_queries(1):
        rows = selectors.branch_comparison(days=30)
    assert rows == [
        {"branch": shop_a.main.name, "today_total": sale.total + Decimal("100.00"),
         "today_count": 3, "period_total": sale.total + Decimal("150.00"), "period_count": 4,
         "period_returns": Decimal("0.00")},
        {"branch": shop_a.branch.name, "today_total": Decimal(0), "today_count": 0,
         "period_total": Decimal("30.00"), "period_count": 1,
         "period_returns": Decimal("5.00")},
    ]
    client = Client()
    client.force_login(shop_a.owner)
    html = client.get(reverse("home")).content.decode()
    assert 'id="widget-branch-comparison"' in html
    assert "7777" not in html and "999.00" not in html
    assert f"{sale.total + Decimal('150.00'):.2f}" in html.replace(",", "")


def test_the_chart_labels_days_in_the_readers_calendar(shop_a, rf) -> None:  # noqa: ANN001
    from django.utils import translation

    from accounting import widgets
    from tenants.context import tenant_context

    request = rf.get("/")
    request.tenant = shop_a.tenant
    with tenant_context(shop_a.tenant):
        english = widgets.sales_today(request)
        request._accounting_sales_summary = None
        with translation.override("fa"):
            persian = widgets.sales_today(request)
    assert len(english["labels"]) == len(persian["labels"]) == 30
    assert english["labels"][-1].count("-") == 1  # "12-06"
    assert all(ch in "۰۱۲۳۴۵۶۷۸۹/" for ch in persian["labels"][-1])
