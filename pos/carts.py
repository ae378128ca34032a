"""The register's carts: services (every change of a cart) and the reads of the page.

A cart is a row per terminal (pos.models.Cart, RLS): the active one is what the
terminal is selling now; held carts wait (named, with their customer) until any
terminal of the branch resumes them. Every service here locks the cart row first,
so a double click or two tabs change a cart one after the other.

Rules:
- a serial piece is in one cart at most (the partial unique index on
  CartLine.item says so even under concurrency) and only while it is in stock at
  the cart's branch; a lot's quantity never exceeds the branch's stock;
- a discount above PosSettings.discount_limit_percent of what it discounts (a line's
  gross; for the cart discount, the amount after line discounts) needs a manager:
  pos.approvals.manager_approval_check with the PIN typed at the till; the approver
  is kept on the line or cart and recorded on the sale, and sale_complete checks the
  limit again;
- cart_complete() turns the cart into a sale through services.sale_complete (same
  idempotency key → same sale) and deletes the cart in the same transaction.

Each service's body runs inside one tenant_context(tenant), which is the transaction
(or, inside a request's, one savepoint): the services carry no @transaction.atomic of
their own, which would only add a SAVEPOINT/RELEASE pair per call (docs/performance.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import selectors as crm_selectors
from crm.models import Customer, LoyaltyTier
from inventory import services as inventory
from inventory.models import Item, StockLevel
from tenants.access import user_manages_branch
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.models import Tenant, User
from tenants.prepared import Prepared, rows_insert

from . import buybacks, selectors, services, totals
from .approvals import manager_approval_check
from .models import Cart, CartLine, Sale, Shift

ZERO = Decimal("0")

# The reads of every scan and sale, their SQL built once per process (tenants.prepared).
_ACTIVE = Prepared(
    lambda terminal_id: Cart.objects.filter(terminal_id=terminal_id, status=Cart.Status.ACTIVE)
    .select_related("customer__tier")[:1], uuid.UUID, reuse_plan=True)
_ACTIVE_LOCKED = Prepared(
    lambda terminal_id: Cart.objects.select_for_update(of=("self",))
    .filter(terminal_id=terminal_id, status=Cart.Status.ACTIVE)
    .select_related("customer__tier")[:1],
    uuid.UUID, reuse_plan=True)
_LOCKED = Prepared(lambda cart_id: Cart.objects.select_for_update().filter(pk=cart_id)[:1],
                   uuid.UUID, reuse_plan=True)
_LINES = Prepared(lambda cart_id: CartLine.objects.filter(cart_id=cart_id).select_related("item"),
                  uuid.UUID, reuse_plan=True)
_LINE_OF_ITEM = Prepared(
    lambda cart_id, item_id: CartLine.objects.filter(cart_id=cart_id, item_id=item_id)[:1],
    uuid.UUID, uuid.UUID, reuse_plan=True)
_PIECE_IN_A_CART = Prepared(
    lambda item_id: CartLine.objects.filter(item_id=item_id).select_related("cart__terminal")[:1],
    uuid.UUID, reuse_plan=True)
# The sold cart goes, lines first (they are all it has: nothing else points at a cart).
_CART_DELETE_SQL = (f"DELETE FROM {CartLine._meta.db_table} WHERE cart_id = %s; "
                    f"DELETE FROM {Cart._meta.db_table} WHERE id = %s")
# An item's stock at a branch and whether it is a scrap lot (services.scrap_lot_exists),
# in the one statement a scan makes: (quantity there or None, scrap lot).
_STOCK_AND_SCRAP = Prepared(
    lambda item_id, branch_id: Item.objects.filter(pk=item_id).annotate(
        here=Subquery(StockLevel.objects.filter(item_id=OuterRef("pk"), branch_id=branch_id)
                      .values("quantity")[:1]),
        scrap_lot=services.scrap_lot_exists()).values_list("here", "scrap_lot")[:1],
    uuid.UUID, uuid.UUID, reuse_plan=True)


# --- reads -----------------------------------------------------------------------


def cart_active_for(*, shift: Shift) -> Cart | None:
    """The terminal's active cart (with its customer), or None before the first scan."""
    return _ACTIVE.first(shift.terminal_id)


def cart_tier_name(*, terminal_id: Any) -> Subquery:
    """The loyalty tier (its name) the customer of the terminal's active cart holds
    today (crm.selectors.customer_tier_current's rule), NULL without one: a subquery to
    annotate another read with, so that knowing the tier costs no query of its own (the
    register's item search prices its results for the cart's customer)."""
    return Subquery(
        Cart.objects.filter(terminal_id=terminal_id, status=Cart.Status.ACTIVE)
        .filter(crm_selectors.customer_tier_current_q(prefix="customer__"))
        .values("customer__tier__name")[:1])


def carts_held(*, branch_id: Any) -> list[Cart]:
    """The branch's held carts, oldest first, with their customers."""
    return list(Cart.objects.filter(branch_id=branch_id, status=Cart.Status.HELD)
                .select_related("customer").order_by("held_at"))


@dataclass(frozen=True)
class CartRow:
    line: CartLine
    item: Item
    totals: totals.LineTotals | None
    unit_price: Decimal = ZERO  # what one piece sells for to this cart's customer


@dataclass(frozen=True)
class CartView:
    cart: Cart | None
    rows: tuple[CartRow, ...]
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    problem: str = ""
    # Old gold to credit (Cart.old_gold entries) and what is left to pay after it.
    old_gold: tuple[dict[str, Any], ...] = ()
    old_gold_total: Decimal = ZERO
    # The customer's loyalty tier while valid, and its discount on this cart.
    tier: LoyaltyTier | None = None
    member_discount: Decimal = ZERO

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def due(self) -> Decimal:
        """What the customer still pays after the old gold credit (never below zero)."""
        return max(self.total - self.old_gold_total, ZERO)

    @property
    def old_gold_over(self) -> bool:
        """The old gold is worth more than the sale: completing will be refused."""
        return self.old_gold_total > self.total


def cart_view(*, tenant: Tenant, cart: Cart | None, actor: User | None = None) -> CartView:
    """The cart's lines and totals as sale_complete would charge them now (today's
    prices for the cart's customer and their loyalty tier, the tax share of each item
    from the shop's tax configuration).

    `actor`, the user at the till: a manager who runs the cart's branch approves by
    completing, so the cart does not tell them a manager is needed.

    Queries: the lines with their items (one), and only when a line is priced by the
    rate, the pricing context (inventory.services.pricing_context)."""
    if cart is None:
        return CartView(None, (), ZERO, ZERO, ZERO, ZERO)
    gold = tuple(cart.old_gold or ())
    gold_total = sum((Decimal(entry["payout"]) for entry in gold), ZERO)
    lines = _LINES.all(cart.pk)
    tier = _cart_tier(cart)
    if not lines:
        return CartView(cart, (), ZERO, ZERO, ZERO, ZERO, old_gold=gold,
                        old_gold_total=gold_total, tier=tier)
    inputs = _inputs(tenant, lines, tier)
    try:
        result = _totals(tenant, inputs, tier, cart_discount=cart.cart_discount)
    except BusinessRuleError as exc:  # a price fell under a discount since it was given
        gross = sum((totals.money_round(i.unit_price * i.quantity, tenant.currency)
                     for i in inputs), ZERO)
        rows = tuple(CartRow(line, line.item, None, i.unit_price)
                     for line, i in zip(lines, inputs, strict=True))
        return CartView(cart, rows, gross, ZERO, ZERO, gross, problem=exc.message,
                        old_gold=gold, old_gold_total=gold_total, tier=tier)
    rows = tuple(CartRow(line, line.item, lt, i.unit_price)
                 for line, lt, i in zip(lines, result.lines, inputs, strict=True))
    problem = ""
    if result.discount_total > result.member_discount:
        problem = _unapproved_problem(cart, lines, result, actor=actor)
    return CartView(cart, rows, result.subtotal, result.discount_total, result.tax_total,
                    result.total, problem=problem, old_gold=gold, old_gold_total=gold_total,
                    tier=tier, member_discount=result.member_discount)


def _cart_tier(cart: Cart) -> LoyaltyTier | None:
    """The loyalty tier the cart's customer has today (the active cart is read with
    its customer and tier; a locked cart reads them here)."""
    return crm_selectors.customer_tier_current(cart.customer) if cart.customer_id else None


def _inputs(tenant: Tenant, lines: Sequence[CartLine],
            tier: LoyaltyTier | None) -> list[totals.LineInput]:
    """The lines as totals.cart_totals takes them: each piece at its price for the
    customer's tier (services.line_price), with its tax share."""
    ctx = None
    if any(line.item.price_mode != Item.PriceMode.FIXED for line in lines):
        ctx = inventory.pricing_context(tenant)
    name = tier.name if tier is not None else ""
    inputs = []
    for line in lines:
        unit_price, share = services.line_price(line.item, ctx, tier=name)
        inputs.append(totals.LineInput(unit_price, line.quantity, line.line_discount, share))
    return inputs


def _totals(tenant: Tenant, inputs: Sequence[totals.LineInput], tier: LoyaltyTier | None, *,
            cart_discount: Decimal = ZERO) -> totals.CartTotals:
    return totals.cart_totals(
        inputs, cart_discount=cart_discount, currency=tenant.currency,
        member_percent=tier.discount_percent if tier is not None else ZERO)


def _discountable(tenant: Tenant, cart: Cart, lines: Sequence[CartLine]) -> Decimal:
    """What a cart discount may take off: the amount after line discounts and the
    customer's member discount (zero when a line discount no longer fits its line)."""
    if not lines:
        return ZERO
    tier = _cart_tier(cart)
    try:
        return _totals(tenant, _inputs(tenant, lines, tier), tier).total
    except BusinessRuleError:
        return ZERO


def _line_gross(tenant: Tenant, cart: Cart, line: CartLine, quantity: int) -> Decimal:
    """A line's amount before discounts at its price for the cart's customer."""
    unit_price = _inputs(tenant, [line], _cart_tier(cart))[0].unit_price
    return totals.money_round(unit_price * quantity, tenant.currency)


# --- small rules -----------------------------------------------------------------


def _approver(*, tenant: Tenant, actor: User, cart: Cart, discount: Decimal, base: Decimal,
              pin: str) -> User | None:
    """None when the discount is within the shop's limit; else the approving manager
    (or a BusinessRuleError: no PIN, a wrong one)."""
    limit = selectors.pos_settings_get().discount_limit_percent
    if not totals.over_limit(discount, base, limit):
        return None
    return manager_approval_check(tenant=tenant, actor=actor, branch=cart.branch, pin=pin)


def _locked(cart: Cart) -> Cart:
    """The cart read again under the scope and locked for this transaction."""
    locked = _LOCKED.first(cart.pk)
    if locked is None:
        raise BusinessRuleError(_("This cart no longer exists: it was completed or "
                                  "discarded."))
    return locked


def _amount(value: Any, currency: str, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip() or "0")
    except Exception as exc:  # noqa: BLE001 - any unparsable input is the same user error
        raise BusinessRuleError(_("Enter an amount."), field=field) from exc
    if not amount.is_finite() or amount < 0:
        raise BusinessRuleError(_("Enter an amount of zero or more."), field=field)
    if not totals.is_whole_money(amount, currency):
        raise BusinessRuleError(_("Too many decimals for this currency."), field=field)
    return amount


def _where(cart: Cart) -> str:
    if cart.status == Cart.Status.HELD:
        return _("a held cart (%(name)s)") % {"name": cart.name or _("no name")}
    return _("the cart of terminal %(terminal)s") % {"terminal": cart.terminal.name}


def _fit_cart_discount(tenant: Tenant, cart: Cart, *, shrunk: bool = False,
                       was: Decimal | None = None) -> None:
    """After lines (or the customer, whose tier prices them) change, a cart discount
    above what is left is dropped (with its approval): the cashier gives it again for
    the new amount. When what is left shrank (a line removed, fewer pieces, a bigger
    line discount, another customer), a manager's approval of a discount now above the
    limit is withdrawn too: it was given for a bigger sale (the cart shows that the
    discount needs a manager again; completing refuses). `was`, when given, is what
    was discountable before the change: it shrank if what is left now is less."""
    if cart.cart_discount <= 0:
        return
    after = _discountable(tenant, cart, _LINES.all(cart.pk))
    if was is not None:
        shrunk = after < was
    if cart.cart_discount > after:
        cart.cart_discount, cart.discount_approved_by = ZERO, None
        cart.save(update_fields=["cart_discount", "discount_approved_by"])
    elif shrunk and cart.discount_approved_by_id and totals.over_limit(
            cart.cart_discount, after, selectors.pos_settings_get().discount_limit_percent):
        cart.discount_approved_by = None
        cart.save(update_fields=["discount_approved_by"])


def _unapproved_problem(cart: Cart, lines: Sequence[CartLine], result: totals.CartTotals, *,
                        actor: User | None = None) -> str:
    """The cart's message when a discount above the shop's limit has no approval (an
    approval withdrawn when the cart shrank): completing would refuse, unless the
    actor is a manager of the cart's branch (sale_complete records them). It names
    each such discount (the cart's, a line's by its item)."""
    limit = selectors.pos_settings_get().discount_limit_percent
    lines_over, cart_over = totals.discounts_over_limit(result, limit)
    skus = [line.item.sku for line, over in zip(lines, lines_over, strict=True)
            if over and not line.discount_approved_by_id]
    cart_needs = cart_over and not cart.discount_approved_by_id
    if not (skus or cart_needs) or (actor is not None
                                    and user_manages_branch(actor, cart.branch)):
        return ""
    return services.discount_approval_message(limit=limit, skus=skus, cart=cart_needs)


# --- services --------------------------------------------------------------------


def _active_for_update(*, actor: User, shift: Shift) -> Cart:
    """The terminal's active cart, locked; made on first use."""
    cart = _ACTIVE_LOCKED.first(shift.terminal_id)
    if cart is not None:
        return cart
    try:
        with transaction.atomic():
            return rows_insert([Cart(terminal_id=shift.terminal_id, branch_id=shift.branch_id,
                                     created_by=actor)])[0]
    except IntegrityError:  # another request of this terminal made it just now
        return _ACTIVE_LOCKED.first(shift.terminal_id)


def cart_open(*, tenant: Tenant, actor: User, shift: Shift) -> Cart:
    """The active cart of the shift's terminal, made on first use, locked until the
    caller's transaction ends."""
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        return _active_for_update(actor=actor, shift=shift)


def cart_line_add(*, tenant: Tenant, actor: User, shift: Shift, item: Item,
                  quantity: int = 1) -> CartLine:
    """Put `quantity` of `item` (read by the caller under this tenant's scope) in the
    active cart of the shift's terminal (made on first use); `line.cart` is that cart.
    A lot's line grows; a serial piece goes in once. Refused: an inactive item, a
    piece sold or not at this branch or in another cart, more of a lot than the
    branch has, a scrap lot (old gold bought back: it goes to the refiner)."""
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        cart = _active_for_update(actor=actor, shift=shift)
        if item is None or item.tenant_id != tenant.pk or not item.is_active:
            raise BusinessRuleError(_("This item cannot be sold."), field="code")
        in_stock, item.scrap_lot = (_STOCK_AND_SCRAP.first(item.pk, cart.branch_id)
                                    or (None, False))
        in_stock = in_stock or 0
        services.scrap_lot_refuse(item)
        services.item_priced_check(item)
        if not isinstance(quantity, int) or quantity < 1:
            raise BusinessRuleError(_("Give a whole number of pieces, at least one."),
                                    field="quantity")
        if item.is_serial:
            other = _PIECE_IN_A_CART.first(item.pk)
            if other is not None and other.cart_id == cart.pk:
                raise BusinessRuleError(_("%(sku)s is already in the cart.")
                                        % {"sku": item.sku}, field="code")
            if other is not None:
                raise BusinessRuleError(
                    _("%(sku)s is already in %(where)s: remove it there first.")
                    % {"sku": item.sku, "where": _where(other.cart)}, field="code")
            if in_stock < 1:
                raise BusinessRuleError(
                    _("%(sku)s is not in stock at this branch: it was sold or is "
                      "elsewhere.") % {"sku": item.sku}, field="code")
            try:
                with transaction.atomic():
                    return rows_insert([CartLine(cart=cart, item=item, serial=True,
                                                 quantity=1)])[0]
            except IntegrityError as exc:  # another till took it a moment ago
                raise BusinessRuleError(
                    _("%(sku)s was just put in another cart.") % {"sku": item.sku},
                    field="code") from exc
        line = _LINE_OF_ITEM.first(cart.pk, item.pk)
        wanted = quantity + (line.quantity if line else 0)
        if wanted > in_stock:
            raise BusinessRuleError(
                _("Only %(n)s of %(sku)s in stock at this branch.")
                % {"n": max(in_stock, 0), "sku": item.sku}, field="code")
        if line is None:
            return rows_insert([CartLine(cart=cart, item=item, quantity=quantity)])[0]
        line.quantity = wanted
        line.save(update_fields=["quantity"])
        return line


def _line(cart: Cart, line_id: Any) -> CartLine:
    try:
        line = CartLine.objects.filter(cart=cart, pk=line_id).select_related("item").first()
    except (ValueError, TypeError, Exception):  # noqa: BLE001 - a malformed id is unknown
        line = None
    if line is None:
        raise BusinessRuleError(_("This line is no longer in the cart."), field="line")
    return line


def cart_line_remove(*, tenant: Tenant, actor: User, cart: Cart, line_id: Any) -> None:
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        cart = _locked(cart)
        _line(cart, line_id).delete()
        _fit_cart_discount(tenant, cart, shrunk=True)


def cart_line_set_quantity(*, tenant: Tenant, actor: User, cart: Cart, line_id: Any,
                           quantity: int) -> CartLine:
    """A lot's quantity (a serial piece is always one); the line discount must still
    fit the new amount."""
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        cart = _locked(cart)
        line = _line(cart, line_id)
        if not isinstance(quantity, int) or quantity < 1:
            raise BusinessRuleError(_("Give a whole number of pieces, at least one."),
                                    field="quantity")
        if line.serial and quantity != 1:
            raise BusinessRuleError(_("%(sku)s is a single piece: sell one.")
                                    % {"sku": line.item.sku}, field="quantity")
        in_stock = (StockLevel.objects.filter(item=line.item, branch_id=cart.branch_id)
                    .values_list("quantity", flat=True).first() or 0)
        if quantity > in_stock:
            raise BusinessRuleError(
                _("Only %(n)s of %(sku)s in stock at this branch.")
                % {"n": max(in_stock, 0), "sku": line.item.sku}, field="quantity")
        gross = _line_gross(tenant, cart, line, quantity)
        if line.line_discount > gross:
            raise BusinessRuleError(_("A line discount cannot exceed the line's amount."),
                                    field="quantity")
        fewer = quantity < line.quantity
        line.quantity = quantity
        fields = ["quantity"]
        if fewer and line.discount_approved_by_id and totals.over_limit(
                line.line_discount, gross, selectors.pos_settings_get().discount_limit_percent):
            # The manager approved this discount for more pieces.
            line.discount_approved_by = None
            fields.append("discount_approved_by")
        line.save(update_fields=fields)
        _fit_cart_discount(tenant, cart, shrunk=fewer)
        return line


def cart_line_set_discount(*, tenant: Tenant, actor: User, cart: Cart, line_id: Any,
                           amount: Any, manager_pin: str = "") -> CartLine:
    """A discount on one line, up to its amount; above the shop's limit (% of the
    line's gross) a manager approves with their PIN and is recorded on the line."""
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        cart = _locked(cart)
        line = _line(cart, line_id)
        amount = _amount(amount, tenant.currency, "amount")
        gross = _line_gross(tenant, cart, line, line.quantity)
        if amount > gross:
            raise BusinessRuleError(_("A line discount cannot exceed the line's amount."),
                                    field="amount")
        approver = _approver(tenant=tenant, actor=actor, cart=cart, discount=amount,
                             base=gross, pin=manager_pin)
        bigger = amount > line.line_discount
        line.line_discount, line.discount_approved_by = amount, approver
        line.save(update_fields=["line_discount", "discount_approved_by"])
        _fit_cart_discount(tenant, cart, shrunk=bigger)
        return line


def cart_set_discount(*, tenant: Tenant, actor: User, cart: Cart, amount: Any,
                      manager_pin: str = "") -> Cart:
    """A discount on the whole cart, up to what is due after line discounts; above
    the shop's limit (% of that amount) a manager approves with their PIN."""
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        cart = _locked(cart)
        amount = _amount(amount, tenant.currency, "amount")
        lines = _LINES.all(cart.pk)
        if amount > 0 and not lines:
            raise BusinessRuleError(_("The cart is empty."), field="amount")
        after = _discountable(tenant, cart, lines)
        if amount > after:
            raise BusinessRuleError(_("The cart discount cannot exceed the amount due."),
                                    field="amount")
        approver = _approver(tenant=tenant, actor=actor, cart=cart, discount=amount,
                             base=after, pin=manager_pin)
        cart.cart_discount, cart.discount_approved_by = amount, approver
        cart.save(update_fields=["cart_discount", "discount_approved_by"])
        return cart


def cart_old_gold_add(*, tenant: Tenant, actor: User, shift: Shift, weight: Any,
                      karat: Any = None, purity: Any = None, melt_loss_percent: Any = ZERO,
                      rate: Any = None, seller_name: str = "", seller_id_number: str = "",
                      description: str = "") -> Cart:
    """Old gold the customer hands over in exchange: checked and valued now (the rate is
    fixed now: today's board buy rate unless typed), kept on the active cart, bought
    back and credited to the sale when it completes (services.sale_complete, one
    transaction). The seller is the cart's customer unless a name and an ID document
    number are given. The credit may not exceed the sale: completing says so."""
    services._require_staff(actor, tenant)
    quote = buybacks.buy_back_quote(tenant=tenant, weight=weight, karat=karat, purity=purity,
                                    melt_loss_percent=melt_loss_percent, rate=rate)
    with tenant_context(tenant):
        cart = _active_for_update(actor=actor, shift=shift)
        named = bool((seller_name or "").strip() or (seller_id_number or "").strip())
        customer, seller_name, seller_id_number = buybacks.seller_check(
            customer=None if named else cart.customer, seller_name=seller_name,
            seller_id_number=seller_id_number)
        entry = {"id": uuid.uuid4().hex, **quote.as_json(),
                 "customer": str(customer.pk) if customer else "",
                 "seller": str(customer) if customer else seller_name,
                 "seller_name": seller_name, "seller_id_number": seller_id_number,
                 "description": (description or "").strip()[:200]}
        cart.old_gold = [*(cart.old_gold or []), entry]
        cart.save(update_fields=["old_gold"])
        return cart


def cart_old_gold_remove(*, tenant: Tenant, actor: User, cart: Cart, entry_id: str) -> Cart:
    """Take old gold off the cart before the sale (the customer keeps it)."""
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        cart = _locked(cart)
        kept = [e for e in (cart.old_gold or []) if e.get("id") != str(entry_id)]
        if len(kept) == len(cart.old_gold or []):
            raise BusinessRuleError(_("This old gold is no longer on the cart."),
                                    field="old_gold")
        cart.old_gold = kept
        cart.save(update_fields=["old_gold"])
        return cart


def cart_set_customer(*, tenant: Tenant, actor: User, cart: Cart,
                      customer: Customer | None) -> Cart:
    """The customer the sale is for (points, store credit); None takes them off."""
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        cart = _locked(cart)
        if customer is not None:
            customer = Customer.objects.filter(pk=customer.pk).first()
            if customer is None:
                raise BusinessRuleError(_("Unknown customer."), field="customer")
        # Another customer may have another tier: other prices, another member discount.
        was = _discountable(tenant, cart, _LINES.all(cart.pk)) if cart.cart_discount else None
        cart.customer = customer
        cart.save(update_fields=["customer"])
        _fit_cart_discount(tenant, cart, was=was)
        return cart


def cart_clear(*, tenant: Tenant, actor: User, cart: Cart) -> Cart:
    """Empty the cart: lines, discount and customer go."""
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        cart = _locked(cart)
        CartLine.objects.filter(cart=cart).delete()
        cart.cart_discount, cart.discount_approved_by, cart.customer = ZERO, None, None
        cart.old_gold = []
        cart.save(update_fields=["cart_discount", "discount_approved_by", "customer",
                                 "old_gold"])
        return cart


def cart_hold(*, tenant: Tenant, actor: User, cart: Cart, name: str = "") -> Cart:
    """Put the active cart aside (with a name to find it by); the terminal starts a
    new one at the next scan. An empty cart is not held."""
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        cart = _locked(cart)
        if cart.status != Cart.Status.ACTIVE:
            raise BusinessRuleError(_("This cart is already on hold."))
        if not CartLine.objects.filter(cart=cart).exists():
            raise BusinessRuleError(_("The cart is empty."), field="name")
        name = (name or "").strip()[:60]
        if not name and cart.customer_id:
            name = str(cart.customer)[:60]
        cart.status, cart.name, cart.held_at = Cart.Status.HELD, name, timezone.now()
        cart.save(update_fields=["status", "name", "held_at"])
        return cart


def cart_resume(*, tenant: Tenant, actor: User, shift: Shift, cart_id: Any) -> Cart:
    """Make a held cart of the shift's branch the terminal's active cart. The cart the
    terminal had is held (if it has lines) or dropped (if empty)."""
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        try:
            held = (Cart.objects.select_for_update()
                    .filter(pk=cart_id, status=Cart.Status.HELD, branch_id=shift.branch_id)
                    .first())
        except (ValueError, TypeError, Exception):  # noqa: BLE001 - a malformed id
            held = None
        if held is None:
            raise BusinessRuleError(_("This held cart no longer exists: it was resumed "
                                      "or discarded."), field="cart")
        current = (Cart.objects.select_for_update()
                   .filter(terminal_id=shift.terminal_id, status=Cart.Status.ACTIVE).first())
        if current is not None:
            if CartLine.objects.filter(cart=current).exists():
                current.status, current.held_at = Cart.Status.HELD, timezone.now()
                current.save(update_fields=["status", "held_at"])
            else:
                current.delete()
        held.status, held.held_at = Cart.Status.ACTIVE, None
        held.terminal_id = shift.terminal_id
        held.save(update_fields=["status", "held_at", "terminal"])
        return held


def cart_discard(*, tenant: Tenant, actor: User, cart_id: Any) -> None:
    """Throw a held cart away (its pieces become free for other carts)."""
    services._require_staff(actor, tenant)
    with tenant_context(tenant):
        try:
            held = (Cart.objects.select_for_update()
                    .filter(pk=cart_id, status=Cart.Status.HELD).first())
        except (ValueError, TypeError, Exception):  # noqa: BLE001 - a malformed id
            held = None
        if held is None:
            raise BusinessRuleError(_("This held cart no longer exists: it was resumed "
                                      "or discarded."), field="cart")
        held.delete()


def cart_complete(*, tenant: Tenant, actor: User, shift: Shift, cart: Cart | None,
                  idempotency_key: uuid.UUID | str,
                  payments: Sequence[services.PaymentSpec]) -> Sale:
    """Sell the cart: services.sale_complete with its lines, discounts, customer and
    the discount approvals, then the cart is deleted, all in one transaction. The same
    key again returns the sale already made (the cart is gone by then)."""
    key = services._uuid(idempotency_key)
    with tenant_context(tenant):
        existing = selectors.sale_by_key(key=key)
        if existing is not None:
            return existing
        if cart is None:
            raise BusinessRuleError(_("The cart is empty."))
        try:
            cart = _locked(cart)
        except BusinessRuleError:
            existing = selectors.sale_by_key(key=key)
            if existing is not None:  # the same key completed it while we waited
                return existing
            raise
        lines = _LINES.all(cart.pk)
        # The cart goes first (cart.delete() in one round trip): the sale then ends the
        # transaction soon after it takes the shop's sale number (its lock). A failed
        # sale rolls this back too.
        with connection.cursor() as cursor:
            cursor.execute(_CART_DELETE_SQL, [cart.pk, cart.pk])
        return services.sale_complete(
            tenant=tenant, actor=actor, shift=shift, idempotency_key=key,
            # Each discount with its own approval (a line's covers that line only).
            lines=[(line.item, line.quantity, line.line_discount,
                    line.discount_approved_by if line.discount_approved_by_id else None)
                   for line in lines],
            cart_discount=cart.cart_discount, customer=cart.customer, payments=payments,
            discount_approved_by=cart.discount_approved_by if cart.discount_approved_by_id
            else None, old_gold=cart.old_gold or ())
