"""Sellable stock and extra cashiers for the load test (tests/perf/load/locustfile.py,
docs/operations.md "Load test"). Run it after `seed_demo` and `seed_demo_shop`, on a
demo or staging deployment only: it adds stock and staff to the two demo shops.

For each demo shop, at the branch of its demo cashier:
- two lot-tracked items, LOAD-COIN and LOAD-BAR, topped up to --stock pieces (the
  demo's serial pieces sell out after one sale each; lots do not);
- --cashiers extra cashiers, cashier-load-N@<shop's domain> with the password given,
  each with a terminal LOAD-N of its own (a cart belongs to a terminal, so two
  simulated cashiers must never share one). The plan's user and terminal limits apply.

Idempotent: run it again before each load test (it tops the stock up again).
"""

from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from inventory import services as inventory
from inventory.models import Category, Item, StockLevel
from pos.management.commands.seed_demo_shop import RATES
from tenants import services
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.management.commands.seed_demo import SHOPS
from tenants.models import Tenant, Terminal, User

# (sku, name, karat, grams, fixed making charge per currency)
LOAD_ITEMS = [
    ("LOAD-COIN", "Gold coin 1 g (load test)", 24, "1.000", ("5", "2000000")),
    ("LOAD-BAR", "Gold bar 5 g (load test)", 24, "5.000", ("12", "5000000")),
]


class Command(BaseCommand):
    help = "Stock and extra cashiers in the demo shops for a load test (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", required=True,
                            help="Password of the extra cashiers (use the demo password).")
        parser.add_argument("--cashiers", type=int, default=0,
                            help="Extra cashiers per shop besides the demo cashier (default 0).")
        parser.add_argument("--stock", type=int, default=100_000,
                            help="Pieces of each load-test item to have in stock.")

    def handle(self, *args: object, password: str, cashiers: int, stock: int,
               **options: object) -> None:
        if len(password) < 10:
            raise CommandError("The password must be at least 10 characters.")
        if cashiers < 0 or stock < 1:
            raise CommandError("--cashiers must be 0 or more and --stock 1 or more.")
        found = 0
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for spec in SHOPS:
                tenant = Tenant.objects.filter(slug=spec["slug"]).first()
                if tenant is None:
                    continue
                found += 1
                try:
                    lines = self._shop(tenant, spec, password, cashiers, stock)
                except BusinessRuleError as exc:
                    raise CommandError(f"{spec['slug']}: {exc.message}") from exc
                for line in lines:
                    self.stdout.write(line)
        if not found:
            raise CommandError("No demo shop: run seed_demo and seed_demo_shop first.")

    @transaction.atomic
    def _shop(self, tenant: Tenant, spec: dict, password: str, cashiers: int,
              stock: int) -> list[str]:
        domain = spec["domain"]
        money = 1 if tenant.currency == "IRR" else 0
        with tenant_context(tenant):
            owner = User.objects.get(tenant=tenant, role=User.Role.OWNER)
            cashier = User.objects.filter(email=f"cashier@{domain}").first()
            if cashier is None or cashier.branch is None:
                raise CommandError(f"{spec['slug']}: no demo cashier; run seed_demo first.")
            branch = cashier.branch
            category = Category.objects.order_by("name").first()
            lines = []
            for sku, name, karat, grams, making in LOAD_ITEMS:
                item = Item.objects.filter(sku=sku).first()
                if item is None:
                    weight = Decimal(grams)
                    item = inventory.item_create(
                        tenant=tenant, actor=owner, sku=sku, name=name, category=category,
                        metal="gold", karat=karat, net_weight=weight, gross_weight=weight,
                        making_charge_mode="fixed", making_charge_value=Decimal(making[money]),
                        price_mode="rate_based", tracking="lot",
                        cost=Decimal(RATES[tenant.currency][f"gold{karat}"][0]) * weight,
                        branch=branch,
                    )
                level = StockLevel.objects.filter(item=item, branch=branch).first()
                missing = stock - (level.quantity if level else 0)
                if missing > 0:
                    inventory.stock_move(tenant=tenant, actor=owner, item=item, branch=branch,
                                         kind="purchase_receipt", quantity=missing,
                                         reference="Load test stock")
                lines.append(f"{spec['slug']}\titem\t{sku}\t{stock} at {branch.code}")
            for n in range(1, cashiers + 1):
                email = f"cashier-load-{n}@{domain}"
                user = User.objects.filter(email=email).first() or services.staff_invite(
                    tenant=tenant, actor=owner, email=email, role="cashier",
                    full_name=f"Load cashier {n}", branch=branch)
                if not user.check_password(password):
                    user.set_password(password)
                    user.save(update_fields=["password"])
                if not Terminal.objects.filter(branch=branch, name=f"LOAD-{n}").exists():
                    services.terminal_create(tenant=tenant, actor=owner, branch=branch,
                                             name=f"LOAD-{n}")
                lines.append(f"{spec['slug']}\tcashier\t{email}\tLOAD-{n}")
        return lines
