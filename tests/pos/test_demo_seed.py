import io

import pytest
from django.core.management import call_command

from inventory.models import Item
from pos.models import Sale
from tenants.context import tenant_context
from tenants.models import Tenant


@pytest.mark.django_db
def test_demo_shops_get_stock_customers_and_sales_once() -> None:
    call_command("seed_demo", "--password", "demo-password-1", stdout=io.StringIO())
    for _ in range(2):
        call_command("seed_demo_shop", stdout=io.StringIO())
    for tenant in Tenant.objects.filter(slug__in=["golden-crown", "zarin"]):
        with tenant_context(tenant):
            assert Item.objects.count() == 10
            assert Sale.objects.count() == 3
            assert all(s.total > 0 for s in Sale.objects.all())
