import io

import pytest
from django.core.management import call_command

from accounting.models import Posting
from inventory.models import Item, Transfer
from pos.models import BuyBack, Sale, SaleReturn
from repairs.models import RepairOrder
from tenants.context import tenant_context
from tenants.models import Tenant


@pytest.mark.django_db
def test_demo_shops_get_stock_customers_sales_and_workflows_once() -> None:
    call_command("seed_demo", "--password", "demo-password-1", stdout=io.StringIO())
    for _ in range(2):
        call_command("seed_demo_shop", stdout=io.StringIO())
    for tenant in Tenant.objects.filter(slug__in=["golden-crown", "zarin"]):
        with tenant_context(tenant):
            assert Item.objects.filter(is_active=True).count() >= 10
            assert Sale.objects.count() == 4
            assert all(s.total > 0 for s in Sale.objects.all())
            assert SaleReturn.objects.count() == 1 and BuyBack.objects.count() == 1
            assert sorted(RepairOrder.objects.values_list("status", flat=True)) == [
                "in_progress", "ready", "received"]
            assert list(Transfer.objects.values_list("status", flat=True)) == ["requested"]
            # Sales, the return and the buy-back are in the ledger.
            assert Posting.objects.count() >= 6
