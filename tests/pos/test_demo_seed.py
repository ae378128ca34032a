import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounting.models import Posting
from crm.models import Customer, LoyaltySettings, LoyaltyTier, PointsTransaction, point_value_fits
from inventory.models import Item, Transfer
from pos.models import BuyBack, PosSettings, Sale, SaleReturn
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
            # The loyalty programme has values the shop's currency can pay (a Rial shop
            # no longer starts with a point worth 0.01 Rial) and the sales earned points.
            loyalty = LoyaltySettings.objects.get()
            assert point_value_fits(loyalty.point_value, tenant.currency)
            assert PointsTransaction.objects.filter(kind="accrue", points__gt=0).exists()
            # Two tiers, and the sales moved customers up: the register shows a member.
            assert LoyaltyTier.objects.count() == 2
            assert Customer.objects.filter(tier__isnull=False).exists()
            # Receipts print the shop's (made-up) tax ID.
            assert PosSettings.objects.get().receipt_tax_id.startswith(("VAT DEMO-", "DEMO-"))
    zarin = Tenant.objects.get(slug="zarin")
    with tenant_context(zarin):
        loyalty = LoyaltySettings.objects.get()
        assert (loyalty.points_per_unit, loyalty.point_value) == (Decimal("0.000001"),
                                                                  Decimal("10000"))
        # About 1 point per 1,000,000 Rials: a demo sale of a few hundred million earns
        # a few hundred points, not hundreds of millions.
        earned = PointsTransaction.objects.filter(kind="accrue").values_list("points", flat=True)
        assert earned and all(abs(p) < 10_000 for p in earned), list(earned)
        # A demo seeded before the currency defaults (0.01 a point): the seed fixes it.
        LoyaltySettings.objects.update(points_per_unit=Decimal("1"), point_value=Decimal("0.01"))
    call_command("seed_demo_shop", stdout=io.StringIO())
    with tenant_context(zarin):
        loyalty = LoyaltySettings.objects.get()
        assert (loyalty.points_per_unit, loyalty.point_value) == (Decimal("0.000001"),
                                                                  Decimal("10000"))
    with tenant_context(Tenant.objects.get(slug="golden-crown")):
        assert LoyaltySettings.objects.get().point_value == Decimal("0.01")
