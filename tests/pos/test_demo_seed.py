import io
import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounting.models import Posting
from crm.models import Customer, LoyaltySettings, LoyaltyTier, PointsTransaction, point_value_fits
from inventory.models import Item, StockLevel, Transfer
from pos import services as pos
from pos.models import BuyBack, PosSettings, Sale, SaleReturn, Shift
from repairs.models import RepairOrder
from tenants.context import tenant_context
from tenants.models import Tenant, Terminal, User


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
                "in_progress",
                "ready",
                "received",
            ]
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
        assert (loyalty.points_per_unit, loyalty.point_value) == (
            Decimal("0.000001"),
            Decimal("10000"),
        )
        # About 1 point per 1,000,000 Rials: a demo sale of a few hundred million earns
        # a few hundred points, not hundreds of millions.
        earned = PointsTransaction.objects.filter(kind="accrue").values_list("points", flat=True)
        assert earned and all(abs(p) < 10_000 for p in earned), list(earned)
        # A demo seeded before the currency defaults (0.01 a point): the seed fixes it.
        LoyaltySettings.objects.update(points_per_unit=Decimal("1"), point_value=Decimal("0.01"))
    call_command("seed_demo_shop", stdout=io.StringIO())
    with tenant_context(zarin):
        loyalty = LoyaltySettings.objects.get()
        assert (loyalty.points_per_unit, loyalty.point_value) == (
            Decimal("0.000001"),
            Decimal("10000"),
        )
    with tenant_context(Tenant.objects.get(slug="golden-crown")):
        assert LoyaltySettings.objects.get().point_value == Decimal("0.01")


@pytest.mark.django_db
def test_each_demo_cashier_and_salesperson_can_open_a_shift_and_sell_at_their_branch() -> None:
    call_command("seed_demo", "--password", "demo-password-1", stdout=io.StringIO())
    for _ in range(2):  # idempotent: the cashier's pieces are added once
        call_command("seed_demo_shop", stdout=io.StringIO())
    for tenant in Tenant.objects.filter(slug__in=["golden-crown", "zarin"]):
        for role in ("cashier", "salesperson"):
            seller = User.objects.get(tenant=tenant, role=role)
            with tenant_context(tenant):
                branch = seller.branch
                in_stock = StockLevel.objects.filter(branch=branch, quantity__gt=0)
                assert in_stock.count() >= 5 if role == "cashier" else in_stock.exists(), (
                    tenant.slug,
                    role,
                    branch.name,
                )
                free = Terminal.objects.filter(branch=branch).exclude(
                    pk__in=Shift.objects.filter(closed_at__isnull=True).values("terminal")
                )
                assert free.exists(), f"{tenant.slug}: no free terminal for the {role}"
                shift = pos.shift_open(tenant=tenant, actor=seller, terminal=free.first())
                item = Item.objects.get(pk=in_stock.first().item_id)
                sale = pos.sale_complete(
                    tenant=tenant,
                    actor=seller,
                    shift=shift,
                    idempotency_key=uuid.uuid4(),
                    lines=[(item, 1, Decimal(0))],
                    payments=[("card", item.price, "test")],
                )
                assert sale.total == item.price > 0
