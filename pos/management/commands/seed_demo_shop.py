"""Stock, customers and sales for the demo shops (after `seed_demo`), so the demo
looks like a shop in business: sales, a return, an old-gold buy-back, repairs at
several stages, a transfer waiting for approval, and the ledger posted; and pieces at
the demo cashier's branch, so the cashier has something to sell. Idempotent: a shop
that already has items is left as it is (but for the cashier's pieces, added when that
branch has no stock). Everything goes through the services, with their rules."""

import datetime
import uuid
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from crm import services as crm
from crm.models import loyalty_defaults, point_value_fits
from inventory import services as inventory
from inventory import transfers
from inventory.models import Category, Item, StockLevel
from pos import buybacks, returns
from pos import services as pos
from repairs import services as repairs
from tenants.context import tenant_context
from tenants.models import Branch, Tenant, Terminal, User

# Per gram, in the shop's currency: (buy, sell).
RATES = {
    "USD": {
        "gold18": ("61.50", "64.80"),
        "gold21": ("71.80", "75.60"),
        "gold22": ("75.20", "79.20"),
        "gold24": ("82.00", "86.40"),
    },
    "IRR": {
        "gold18": ("52000000", "54800000"),
        "gold21": ("60600000", "63900000"),
        "gold22": ("63500000", "66900000"),
        "gold24": ("69300000", "73000000"),
    },
}
CATEGORIES = {
    "en": ["Rings", "Necklaces", "Bracelets", "Earrings"],
    "fa": ["انگشتر", "گردنبند", "دستبند", "گوشواره"],
}
# (category index, name en, name fa, karat, net weight, making mode, making value per currency)
PIECES = [
    (0, "Classic wedding band", "حلقه ازدواج ساده", 18, "4.200", "per_gram", ("9", "3500000")),
    (0, "Solitaire ring", "انگشتر تک‌نگین", 18, "3.150", "fixed", ("180", "60000000")),
    (0, "Signet ring", "انگشتر شرف‌الشمس", 21, "7.800", "per_gram", ("7", "2800000")),
    (1, "Rope chain 50 cm", "زنجیر طنابی ۵۰ سانتی", 18, "12.400", "percent", ("12", "12")),
    (1, "Pendant necklace", "گردنبند آویز", 18, "6.350", "per_gram", ("10", "4000000")),
    (1, "Coin pendant", "آویز سکه", 22, "8.000", "percent", ("6", "6")),
    (2, "Bangle", "النگو", 21, "15.600", "per_gram", ("6", "2500000")),
    (2, "Tennis bracelet", "دستبند تنیسی", 18, "9.900", "fixed", ("420", "150000000")),
    (3, "Hoop earrings", "گوشواره حلقه‌ای", 18, "3.600", "per_gram", ("11", "4500000")),
    (3, "Stud earrings", "گوشواره میخی", 18, "2.100", "fixed", ("95", "35000000")),
]
CUSTOMERS = {
    "en": [
        ("Emma", "Walker", "+1 202 555 0143"),
        ("Liam", "Patel", "+1 202 555 0178"),
        ("Olivia", "Chen", "+1 202 555 0110"),
        ("Noah", "Garcia", "+1 202 555 0191"),
    ],
    "fa": [
        ("نرگس", "حسینی", "09121234567"),
        ("امیر", "رحیمی", "09351112233"),
        ("لیلا", "موسوی", "09129876543"),
        ("حسین", "جعفری", "09387654321"),
    ],
}


class Command(BaseCommand):
    help = "Give the demo shops stock, customers and a few sales (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            for slug in ("golden-crown", "zarin"):
                tenant = Tenant.objects.filter(slug=slug).first()
                if tenant is not None:
                    self._loyalty(tenant)
                    self._shop(tenant)
                    self._cashier_stock(tenant)
        # The ledger: what beat would post within a minute, posted now.
        call_command("accounting_backfill", verbosity=0)

    @transaction.atomic
    def _loyalty(self, tenant: Tenant) -> None:
        """The demo programme in the shop's currency. A demo seeded before the currency
        defaults (crm.models.loyalty_defaults) kept 0.01 a point in the Rial shop, which
        the migration leaves alone because its (demo) customers hold points: the demo's
        own seed sets the defaults."""
        with tenant_context(tenant):
            current = crm.loyalty_settings_get()
            if point_value_fits(current.point_value, tenant.currency):
                return
            per_unit, value = loyalty_defaults(tenant.currency)
            owner = User.objects.get(tenant=tenant, role=User.Role.OWNER)
            crm.loyalty_settings_update(
                tenant=tenant, actor=owner, points_per_unit=per_unit, point_value=value
            )

    @transaction.atomic
    def _shop(self, tenant: Tenant) -> None:
        owner = User.objects.get(tenant=tenant, role=User.Role.OWNER)
        lang = "fa" if tenant.currency == "IRR" else "en"
        money = 1 if tenant.currency == "IRR" else 0
        with tenant_context(tenant):
            if Item.objects.exists():
                return
            for code, (buy, sell) in RATES[tenant.currency].items():
                inventory.rate_board_set(
                    tenant=tenant,
                    actor=owner,
                    code=code,
                    mode="manual",
                    buy_rate=Decimal(buy),
                    sell_rate=Decimal(sell),
                )
            # What every receipt prints under the shop's name (a made-up number).
            pos.pos_settings_update(
                tenant=tenant,
                actor=owner,
                receipt_tax_id="VAT DEMO-1001" if lang == "en" else "DEMO-2002",
            )
            categories = [
                inventory.category_create(tenant=tenant, actor=owner, name=name)
                for name in CATEGORIES[lang]
            ]
            terminal = Terminal.objects.order_by("name").first()
            branch = terminal.branch
            items = [
                self._piece(tenant, owner, branch, categories, n, piece, lang)
                for n, piece in enumerate(PIECES, 1)
            ]
            # Loyalty tiers: a customer's spending moves them up; each tier takes its %
            # off at the register (the first customers reach Silver with their sale).
            scale = Decimal(1) if money == 0 else Decimal(1_000_000)
            for name_en, name_fa, threshold, percent, multiplier in (
                ("Silver", "نقره‌ای", 300, "2", "1.25"),
                ("Gold", "طلایی", 2000, "5", "1.5"),
            ):
                crm.tier_create(
                    tenant=tenant,
                    actor=owner,
                    name=name_fa if lang == "fa" else name_en,
                    threshold=threshold * scale,
                    discount_percent=Decimal(percent),
                    points_multiplier=Decimal(multiplier),
                )
            customers = [
                crm.customer_create(
                    tenant=tenant,
                    actor=owner,
                    first_name=first,
                    last_name=last,
                    phone=phone,
                    sms_opt_in=True,
                )
                for first, last, phone in CUSTOMERS[lang]
            ]
            crm.gift_card_issue(
                tenant=tenant,
                actor=owner,
                customer=customers[0],
                amount=Decimal("250" if money == 0 else "50000000"),
            )
            shift = pos.shift_open(
                tenant=tenant,
                actor=owner,
                terminal=terminal,
                opening_float=Decimal("200" if money == 0 else "200000000"),
            )
            sales = []
            for item, customer in zip(items[:4], customers, strict=False):
                item.refresh_from_db()
                sales.append(
                    pos.sale_complete(
                        tenant=tenant,
                        actor=owner,
                        shift=shift,
                        idempotency_key=uuid.uuid4(),
                        customer=customer,
                        lines=[(item, 1, Decimal(0))],
                        payments=[("card", item.price, "demo")],
                    )
                )
            # The fourth customer changed their mind: a return to the card.
            returned = sales[3]
            returns.sale_return_create(
                tenant=tenant,
                actor=owner,
                shift=shift,
                sale=returned,
                lines=[(returned.lines.first(), 1)],
                reason="تغییر نظر مشتری" if lang == "fa" else "Changed their mind",
                card_reference="demo-refund",
            )
            buybacks.buy_back_create(
                tenant=tenant,
                actor=owner,
                shift=shift,
                weight=Decimal("2.350"),
                karat=18,
                melt_loss_percent=Decimal("2"),
                customer=customers[1],
                description="دستبند شکسته" if lang == "fa" else "Broken bracelet",
            )
            self._workshop(tenant, owner, branch, customers, lang, money)
            other = Branch.objects.exclude(pk=branch.pk).order_by("name").first()
            if other is not None:
                draft = transfers.transfer_create(
                    tenant=tenant,
                    actor=owner,
                    source=branch,
                    destination=other,
                    lines=[(items[7], 1)],
                )
                transfers.transfer_transition(
                    tenant=tenant, actor=owner, transfer=draft, action="request"
                )
        self.stdout.write(
            f"{tenant.slug}: {len(items)} pieces, {len(customers)} customers, "
            "4 sales, a return and a buy-back on an open shift, 3 repairs, "
            "a transfer to approve"
        )

    def _piece(
        self,
        tenant: Tenant,
        owner: User,
        branch: Branch,
        categories: list,
        n: int,
        piece: tuple,
        lang: str,
        sku_infix: str = "",
    ) -> Item:
        """One serial gold piece of PIECES, received into `branch`'s stock."""
        cat, name_en, name_fa, karat, net, mode, value = piece
        money = 1 if tenant.currency == "IRR" else 0
        rates = RATES[tenant.currency]
        net_weight = Decimal(net)
        item = inventory.item_create(
            tenant=tenant,
            actor=owner,
            sku=f"{tenant.slug[:3].upper()}-{sku_infix}{n:04d}",
            name=name_fa if lang == "fa" else name_en,
            category=categories[cat],
            metal="gold",
            karat=karat,
            net_weight=net_weight,
            gross_weight=net_weight + Decimal("0.150"),
            making_charge_mode=mode,
            making_charge_value=Decimal(value[money]),
            price_mode="rate_based",
            tracking="serial",
            cost=Decimal(rates.get(f"gold{karat}", rates["gold21"])[0]) * net_weight,
            branch=branch,
        )
        inventory.stock_move(
            tenant=tenant,
            actor=owner,
            item=item,
            branch=branch,
            kind="purchase_receipt",
            quantity=1,
            reference="Opening stock",
        )
        return item

    @transaction.atomic
    def _cashier_stock(self, tenant: Tenant) -> None:
        """Pieces in stock at the demo cashier's branch, so the cashier has something to
        sell there (an earlier demo stocked only the first branch: this tops it up)."""
        lang = "fa" if tenant.currency == "IRR" else "en"
        with tenant_context(tenant):
            cashier = (
                User.objects.filter(tenant=tenant, role=User.Role.CASHIER, branch__isnull=False)
                .order_by("email")
                .first()
            )
            if cashier is None or not Item.objects.exists():
                return
            branch = cashier.branch
            if StockLevel.objects.filter(branch=branch, quantity__gt=0).exists():
                return
            owner = User.objects.get(tenant=tenant, role=User.Role.OWNER)
            by_name = {c.name: c for c in Category.objects.filter(name__in=CATEGORIES[lang])}
            categories = [by_name.get(name) for name in CATEGORIES[lang]]
            if None in categories:  # the demo's categories were renamed: leave it be
                return
            for n, piece in enumerate(PIECES[::2], 1):  # one of each kind, 5 pieces
                sku = f"{tenant.slug[:3].upper()}-{branch.code}{n:04d}"
                if not Item.objects.filter(sku=sku).exists():
                    self._piece(
                        tenant, owner, branch, categories, n, piece, lang, sku_infix=branch.code
                    )
        self.stdout.write(f"{tenant.slug}: pieces in stock at {branch.code} for its cashier")

    def _workshop(
        self, tenant: Tenant, owner: User, branch, customers, lang: str, money: int
    ) -> None:  # noqa: ANN001
        """Three repairs: just taken in, on the bench, ready for pickup."""
        fa = lang == "fa"
        labour = Decimal("35" if money == 0 else "15000000")
        specs = [
            ("انگشتر، گشاد کردن سایز" if fa else "Ring, size up by one", "resize", []),
            (
                "زنجیر، لحیم حلقه" if fa else "Chain, solder a broken link",
                "solder",
                ["quote", "approve", "start"],
            ),
            (
                "النگو، پرداخت و تمیزکاری" if fa else "Bangle, polish and clean",
                "polish",
                ["quote", "approve", "start", "send_to_check", "pass_check"],
            ),
        ]
        today = timezone.localdate()
        for n, (description, service, steps) in enumerate(specs):
            order = repairs.repair_create(
                tenant=tenant,
                actor=owner,
                customer=customers[n],
                branch=branch,
                description=description,
                service=service,
                weight_in=Decimal("6.200"),
                labour_estimate=labour,
                promised_on=today + datetime.timedelta(days=n + 2),
            )
            for action in steps:
                order = repairs.repair_transition(
                    tenant=tenant,
                    actor=owner,
                    order=order,
                    action=action,
                    weight_out=Decimal("6.180") if action == "pass_check" else None,
                )
