"""Test data, created through services where the service has rules.

`shop(...)` builds one complete tenant; fixtures in tests/conftest.py make two
of them (A and B) so that every test can check isolation. Later modules add
their rows to `shop_world()` so the RLS isolation test sees every tenant table
populated for both shops.
"""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tenants import services
from tenants.context import tenant_context
from tenants.models import Branch, Plan, Tenant, Terminal, User

_seq = count(1)


def plan_make(**overrides: Any) -> Plan:
    n = next(_seq)
    values = {
        "name": f"Plan {n}",
        "price": Decimal("49.00"),
        "max_users": 10,
        "max_branches": 3,
        "max_items": 1000,
        "max_terminals": 4,
    }
    values.update(overrides)
    return Plan.objects.create(**values)


@dataclass
class Shop:
    tenant: Tenant
    owner: User
    main: Branch
    branch: Branch
    terminal: Terminal
    manager: User
    cashier: User
    extra: dict[str, Any] = field(default_factory=dict)


def shop(name: str = "", *, plan: Plan | None = None, password: str = "pw-for-tests-1",
         currency: str = "USD") -> Shop:
    """A tenant with two branches (main and Bazaar), a terminal at main, an owner, a
    manager of main and a cashier without a branch (who works at every branch's
    terminals, so at main's), in `currency` ("IRR" gives a Rial shop like the demo's
    zarin.example). Staff bound to Bazaar are made where a test needs them
    (tests/pos/conftest.py `bazaar`)."""
    n = next(_seq)
    name = name or f"Shop {n}"
    tenant = services.tenant_create(
        name=name,
        slug=f"shop-{n}",
        plan=plan or plan_make(),
        owner_email=f"owner{n}@example.com",
        owner_name=f"Owner {n}",
        currency=currency,
    )
    owner = User.objects.get(tenant=tenant, role=User.Role.OWNER)
    owner.set_password(password)
    owner.save(update_fields=["password"])
    with tenant_context(tenant):
        main = Branch.objects.get(code="MAIN")
        branch = services.branch_create(tenant=tenant, actor=owner, name="Bazaar", code="BZR")
        terminal = services.terminal_create(tenant=tenant, actor=owner, branch=main, name="T1")
        manager = services.staff_invite(
            tenant=tenant, actor=owner, email=f"manager{n}@example.com",
            role=User.Role.MANAGER, full_name=f"Manager {n}", branch=main,
        )
        cashier = services.staff_invite(
            tenant=tenant, actor=owner, email=f"cashier{n}@example.com",
            role=User.Role.CASHIER, full_name=f"Cashier {n}",
        )
    for user in (manager, cashier):
        user.set_password(password)
        user.save(update_fields=["password"])
    result = Shop(tenant, owner, main, branch, terminal, manager, cashier)
    shop_world(result)
    return result


def shop_world(s: Shop) -> None:
    """One row in every tenant table for this shop. Modules extend this as they add tables."""
    inventory_world(s)
    crm_world(s)
    pos_world(s)
    workflows_world(s)
    accounting_world(s)
    reports_world(s)


def inventory_world(s: Shop) -> None:
    """Inventory rows: a category, a rate board line, a pricing rule, settings, a
    serial ring received at the main branch (item, stock level, movement) and a rate
    alert (18K above 100 a gram: not crossed) and a photo of the ring (a 1x1 PNG
    written to MEDIA_ROOT)."""
    from inventory import alerts
    from inventory import services as inventory

    t, owner = s.tenant, s.owner
    with tenant_context(t):
        inventory.inventory_settings_update(tenant=t, actor=owner, tax_rate_percent=Decimal("9"))
        inventory.rate_board_set(tenant=t, actor=owner, code="gold18", mode="manual",
                                 buy_rate=Decimal("60.0000"), sell_rate=Decimal("65.0000"))
        category = inventory.category_create(tenant=t, actor=owner, name="Rings")
        pricing_rule = inventory.pricing_rule_set(tenant=t, actor=owner, karat=18,
                                                  markup_percent=Decimal("5"))
        item = item_make(s, sku="RING-1", name="Gold ring", category=category)
        inventory.stock_move(tenant=t, actor=owner, item=item, branch=s.main,
                             kind="purchase_receipt", quantity=1, reference="PO-1")
        photo = inventory.item_photo_add(tenant=t, actor=owner, item=item,
                                         upload=SimpleUploadedFile("ring.png", TINY_PNG))
        rate_alert = alerts.rate_alert_save(tenant=t, actor=owner, karat=18, direction="above",
                                            threshold=Decimal("100"))
    s.extra.update(category=category, item=item, rate_alert=rate_alert,
                   pricing_rule=pricing_rule, item_photo=photo)


# A 1x1 gold pixel PNG (69 bytes).
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c49444154789c63b8b2de1c00041501bbb98769cb0000000049454e44ae426082"
)


def item_make(s: Shop, **overrides: Any) -> Any:
    """An 18K serial piece priced by the rate (override any field of item_create)."""
    from inventory import services as inventory

    n = next(_seq)
    values: dict[str, Any] = {
        "sku": f"SKU-{n}", "name": f"Piece {n}", "metal": "gold", "karat": 18,
        "gross_weight": Decimal("5.250"), "net_weight": Decimal("5.000"),
        "making_charge_mode": "per_gram", "making_charge_value": Decimal("8"),
        "cost": Decimal("300.00"), "price_mode": "rate_based", "tracking": "serial",
    }
    values.update(overrides)
    if "net_weight" in overrides and "gross_weight" not in overrides:
        values["gross_weight"] = values["net_weight"] + Decimal("0.250")
    with tenant_context(s.tenant):
        return inventory.item_create(tenant=s.tenant, actor=s.owner, **values)


def crm_world(s: Shop) -> None:
    """CRM rows: a tier, loyalty settings, a referrer and a referred customer (points
    ledger), store credit, and a gift card with a redemption."""
    from crm import services as crm

    t, owner = s.tenant, s.owner
    with tenant_context(t):
        crm.loyalty_settings_update(tenant=t, actor=owner, points_per_unit=Decimal("1"))
        tier = crm.tier_create(tenant=t, actor=owner, name="Gold", threshold=Decimal("1000"),
                               discount_percent=Decimal("5"), points_multiplier=Decimal("2"))
        referrer = customer_make(s, first_name="Sara", last_name="Ahmadi", phone="09120000001")
        customer = customer_make(s, first_name="Reza", last_name="Karimi", phone="09120000002",
                                 email=f"reza.{t.slug}@example.com", referral_code=referrer.referral_code)
        crm.points_accrue(tenant=t, actor=owner, customer=customer, amount=Decimal("120.00"),
                          reference="S-1")
        crm.store_credit_issue(tenant=t, actor=owner, customer=customer, amount=Decimal("50.00"),
                               reason="Return R-1")
        card = crm.gift_card_issue(tenant=t, actor=owner, amount=Decimal("100.00"),
                                   customer=customer)
        crm.gift_card_redeem(tenant=t, actor=owner, code=card.code, amount=Decimal("10.00"))
    s.extra.update(customer=customer, referrer=referrer, gift_card=card, tier=tier)


def customer_make(s: Shop, **overrides: Any) -> Any:
    """A customer created through crm.services.customer_create (override any field)."""
    from crm import services as crm

    n = next(_seq)
    values: dict[str, Any] = {"first_name": "Customer", "last_name": f"No{n}"}
    values.update(overrides)
    with tenant_context(s.tenant):
        return crm.customer_create(tenant=s.tenant, actor=s.owner, **values)


def pos_world(s: Shop) -> None:
    """POS rows: a closed shift at the terminal with one cash sale of the world's ring
    (lines, payment, accounting event, sale counter), a held cart (with the ring and
    the customer: cart, cart line) through pos.carts, a return of the sale (line, cash
    refund, return counter) and a buy-back (buy-back counter).

    The shift goes through pos.services; the sale is written as rows, not through
    sale_complete(): selling the ring (or a new item) would change the items and
    stock movements other modules' tests count in this world. pos tests make real
    sales with pos_sale_make()."""
    from inventory import services as inventory
    from pos import carts, totals
    from pos import services as pos
    from pos.models import (
        BuyBack,
        Payment,
        Refund,
        Sale,
        SaleEvent,
        SaleLine,
        SaleReturn,
        SaleReturnLine,
    )
    from tenants.models import Counter

    t, ring = s.tenant, s.extra["item"]
    with tenant_context(t):
        shift = pos.shift_open(tenant=t, actor=s.cashier, terminal=s.terminal,
                               opening_float=Decimal("100.00"))
        Counter.objects.create(key="sale", value=1)
        price = ring.selling_price
        cart = totals.cart_totals([totals.LineInput(price, 1, Decimal(0), totals.tax_share(
            inventory.item_price_breakdown(ring, inventory.pricing_context(t))))],
            currency=t.currency)
        sale = Sale.objects.create(
            number=1, idempotency_key=uuid.uuid4(), shift=shift, terminal=s.terminal,
            branch=shift.branch, cashier=s.cashier, currency=t.currency, subtotal=price,
            discount_total=Decimal(0), tax_total=cart.tax_total, total=price)
        SaleLine.objects.create(sale=sale, item=ring, sku=ring.sku, name=ring.name,
                                karat=ring.karat, net_weight=ring.net_weight, quantity=1,
                                unit_price=price, tax=cart.tax_total, total=price)
        Payment.objects.create(sale=sale, method="cash", amount=price)
        SaleEvent.objects.create(kind="sale.completed", sale=sale)
        shift = pos.shift_close(tenant=t, actor=s.cashier, shift=shift,
                                counted_cash=Decimal("100.00") + price)
        pos_settings = pos.pos_settings_update(tenant=t, actor=s.owner,
                                               discount_limit_percent=Decimal("5"),
                                               return_approval_limit=Decimal("500"))
        # A return of nothing-moved rows and a buy-back row (rows, like the sale: the
        # services would move the ring's stock and add a scrap item other tests count).
        Counter.objects.create(key="return", value=1)
        sale_return = SaleReturn.objects.create(
            number=1, sale=sale, shift=shift, branch=shift.branch, cashier=s.cashier,
            reason="Did not fit", settlement="original", total=price, tax_total=cart.tax_total)
        SaleReturnLine.objects.create(sale_return=sale_return, sale_line=sale.lines.get(),
                                      quantity=1, amount=price, tax=cart.tax_total)
        Refund.objects.create(sale_return=sale_return, method="cash", amount=price)
        Counter.objects.create(key="buyback", value=1)
        buy_back = BuyBack.objects.create(
            number=1, shift=shift, branch=shift.branch, cashier=s.cashier,
            seller_name="Seller", seller_id_number="0012345678", weight=Decimal("2.000"),
            karat=18, purity=Decimal("750"), rate=Decimal("60"), fine_weight=Decimal("1.500"),
            payout=Decimal("120.00"), currency=t.currency, settlement="cash",
            scrap_item=ring)
        cart = carts.cart_line_add(tenant=t, actor=s.cashier, shift=shift, item=ring).cart
        carts.cart_set_customer(tenant=t, actor=s.cashier, cart=cart,
                                customer=s.extra["customer"])
        cart = carts.cart_hold(tenant=t, actor=s.cashier, cart=cart, name="World")
    s.extra.update(shift=shift, sale=sale, pos_settings=pos_settings, held_cart=cart,
                   sale_return=sale_return, buy_back=buy_back)


def accounting_world(s: Shop) -> None:
    """Accounting rows: the shop's entity and chart came with tenant_create (tenants.hooks);
    posting the world's waiting events (the ring's receipt, its sale) writes journal
    entries, postings and the dashboard's sales day."""
    from accounting import services as accounting

    s.extra["posted"] = accounting.pending_post(tenant=s.tenant)
    # The Jalali year holding today, open (fiscal years: accounting.FiscalYear).
    from accounting.forms import this_jalali_year_start

    s.extra["fiscal_year"] = accounting.fiscal_year_create(
        tenant=s.tenant, actor=s.owner, start=this_jalali_year_start())
    # An event the books refused (a row: its event is gone, so posting it again only
    # clears it; tests/accounting/test_unposted.py makes real failures).
    from accounting.models import PostingFailure

    with tenant_context(s.tenant):
        s.extra["posting_failure"] = PostingFailure.objects.create(
            source="pos.saleevent", source_id=uuid.uuid4(), cause="other",
            reason="World: an event that could not be posted", reference="S-000000")


def reports_world(s: Shop) -> None:
    """Reports rows: a weekly sales-by-branch email to the owner (not yet sent)."""
    from reports import services as reports

    s.extra["report_schedule"] = reports.report_schedule_create(
        tenant=s.tenant, actor=s.owner, report="branch", frequency="weekly",
        file_format="pdf", recipients=s.owner.email)


def pos_sale_make(s: Shop, *, shift: Any, lines: list[tuple[Any, int, Decimal]],
                  payments: list[tuple[str, Decimal, str]] | None = None,
                  cart_discount: Decimal = Decimal(0), customer: Any = None,
                  key: Any = None, actor: User | None = None) -> Any:
    """A sale through pos.services.sale_complete; paid in cash to the cent by default."""
    from pos import services as pos

    with tenant_context(s.tenant):
        if payments is None:
            payments = [("cash", _cart_total(s, lines, cart_discount), "")]
        return pos.sale_complete(
            tenant=s.tenant, actor=actor or s.cashier, shift=shift,
            idempotency_key=key or uuid.uuid4(), lines=lines, cart_discount=cart_discount,
            customer=customer, payments=payments,
        )


def _cart_total(s: Shop, lines: list[tuple[Any, int, Decimal]], cart_discount: Decimal) -> Decimal:
    from pos import totals

    return totals.cart_totals(
        [totals.LineInput(item.selling_price, qty, disc) for item, qty, disc in lines],
        cart_discount=cart_discount, currency=s.tenant.currency).total


def workflows_world(s: Shop) -> None:
    """Workflow rows: a requested (not dispatched) transfer of the world's ring, a quoted repair of the world's customer (two
    events, an intake photo), a message to the customer in the delivery log, and an
    in-app notification for the owner."""
    from notifications.models import CustomerMessage
    from notifications.services import notification_create
    from repairs import services as repairs

    t, owner, customer = s.tenant, s.owner, s.extra["customer"]
    with tenant_context(t):
        repair = repairs.repair_create(
            tenant=t, actor=owner, customer=customer, branch=s.main,
            description="Ring: resize to 54", service="resize", weight_in=Decimal("4.120"),
            labour_estimate=Decimal("25.00"),
            photos=[SimpleUploadedFile("intake.png", TINY_PNG)],
        )
        # A card deposit of 10 on the world's (closed) shift, written as a row like the
        # world's sale (repairs tests take deposits through repairs.payments).
        from repairs.models import RepairPayment
        from tenants.models import Counter

        Counter.objects.create(key="repair_payment", value=1)
        repair_payment = RepairPayment.objects.create(
            number=1, idempotency_key=uuid.uuid4(), order=repair, kind="deposit",
            method="card", amount=Decimal("10.00"), reference="4242",
            shift=s.extra["shift"], branch=s.main, cashier=s.cashier)
        repair.deposit = Decimal("10.00")
        repair.save(update_fields=["deposit"])
        repair = repairs.repair_transition(tenant=t, actor=owner, order=repair, action="quote")
        message = CustomerMessage.objects.create(
            customer=customer, event="repair.quoted", channel="email",
            recipient=customer.email or "nobody@example.com", subject="Estimate",
            body="The estimate is 25.00", status="sent", attempts=1)
        notification = notification_create(tenant=t, users=[owner], title="Repair quoted")[0]
        from notifications.services import notification_preferences_set

        notification_preferences_set(tenant=t, user=owner,
                                     choices={"transfer.request": (True, True)})
        photo = repair.photos.get()
        from inventory import transfers

        transfer = transfers.transfer_create(tenant=t, actor=owner, source=s.main,
                                             destination=s.branch, lines=[(s.extra["item"], 1)])
        transfer = transfers.transfer_transition(tenant=t, actor=owner, transfer=transfer,
                                                 action="request")
    s.extra.update(transfer=transfer, repair=repair, repair_photo=photo, customer_message=message,
                   notification=notification, repair_payment=repair_payment)


def platform_admin(email: str = "", password: str = "pw-for-tests-1") -> User:
    n = next(_seq)
    return User.objects.create_superuser(email=email or f"admin{n}@zargar.test", password=password)
