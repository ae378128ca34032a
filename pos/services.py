"""Every write of the POS. Services are named <entity>_<verb>(*, tenant, actor, ...).

Each runs inside tenant_context(tenant) (one transaction, or a savepoint inside a
request's), validates first and raises a BusinessRuleError with a translated message.

sale_complete() takes its locks in one order, so concurrent sales queue instead of
deadlocking: the idempotency key (advisory lock), the shift (FOR SHARE: sales run
side by side, closing the shift waits for them), the items in id order (through
inventory's stock_remove_many), the sale-number counter, then the customer's balances
(crm services). Only the tail of a sale (after the counter) is serialized per shop.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import selectors as crm_selectors
from crm import services as crm
from crm.models import Customer, LoyaltySettings
from inventory import services as inventory
from inventory.models import Item, StockMovement
from tenants.access import ALL_SHOP_ROLES, branch_visible, user_manages_branch
from tenants.context import tenant_context
from tenants.counters import advisory_lock, counter_next
from tenants.errors import BusinessRuleError
from tenants.models import Tenant, Terminal, User
from tenants.money import money_text, places_message
from tenants.prepared import Many, Prepared, rows_insert

from . import selectors, totals
from .approvals import APPROVER_ROLES
from .models import Payment, PosSettings, Sale, SaleEvent, SaleLine, Shift

ZERO = Decimal("0")


def scrap_lot_exists() -> Exists:
    """True for an item that is a scrap lot: old gold bought back, which came into stock
    by a "buy_back" movement (inventory.services.scrap_lot_receive; the item has no
    flag of its own, and that movement is its history, unlike a BuyBack row pointing at
    it). Scrap gold goes to the refiner or the melting pot, never over the counter: the
    register neither offers nor sells it (its inventory pages still list it)."""
    return Exists(StockMovement.objects.filter(item_id=OuterRef("pk"),
                                               kind=StockMovement.Kind.BUY_BACK))


# A sale's items read again under the scope (with whether each is a scrap lot); SQL
# built once per length (tenants.prepared).
_ITEMS = Prepared(lambda ids: Item.objects.filter(pk__in=ids).order_by()
                  .annotate(scrap_lot=scrap_lot_exists()), Many(uuid.UUID), reuse_plan=True)
_SCRAP_LOT = Prepared(lambda item_id: StockMovement.objects.filter(
    item_id=item_id, kind=StockMovement.Kind.BUY_BACK).values_list("pk", flat=True)[:1],
    uuid.UUID)
Method = Payment.Method
# (item, quantity, line discount[, the manager who approved that line's discount]); a
# line without its own approver is covered by sale_complete's `discount_approved_by`.
LineSpec = tuple[Item, int, Decimal] | tuple[Item, int, Decimal, "User | None"]
PaymentSpec = tuple[str, Decimal, str]


# --- small rules -----------------------------------------------------------------


def _require_staff(actor: User, tenant: Tenant) -> None:
    if actor is None or actor.tenant_id != tenant.pk or actor.role not in ALL_SHOP_ROLES \
            or not actor.is_active:
        raise BusinessRuleError(_("Only the shop's staff can use the register."))


def _money(value: Any, currency: str, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except Exception as exc:  # noqa: BLE001 - any unparsable input is the same user error
        raise BusinessRuleError(_("Enter an amount."), field=field) from exc
    if not amount.is_finite() or amount < 0:
        raise BusinessRuleError(_("Enter an amount of zero or more."), field=field)
    if not totals.is_whole_money(amount, currency):
        raise BusinessRuleError(places_message(currency), field=field)
    return amount


# --- settings --------------------------------------------------------------------

POS_SETTINGS_FIELDS = ("discount_limit_percent", "return_approval_limit", "receipt_footer",
                       "receipt_tax_id")
RECEIPT_LOGO_MAX_BYTES = 1024 * 1024


@transaction.atomic
def pos_settings_update(*, tenant: Tenant, actor: User, receipt_logo: Any = None,
                        receipt_logo_clear: bool = False, **values: Any) -> PosSettings:
    """The register's limits and what every receipt prints: the footer, the shop's tax
    ID and logo (one row, created on first save). Only owners change them; the discount
    limit is 0-100 %, the refund limit >= 0; a logo (`receipt_logo`, an upload) is a
    JPEG, PNG or WebP image of at most 1 MB checked by its content, stored under a random
    name; `receipt_logo_clear` removes it. A replaced file goes once the change is
    committed; a failed save leaves no new file behind."""
    from django.core.files.base import ContentFile

    from inventory.models import ItemPhoto
    from inventory.services import image_format_check

    if set(values) - set(POS_SETTINGS_FIELDS):
        raise TypeError(f"unknown settings: {sorted(set(values) - set(POS_SETTINGS_FIELDS))}")
    if actor.tenant_id != tenant.pk or actor.role != User.Role.OWNER:
        raise BusinessRuleError(_("Only the owner changes the register's settings."))
    logo = None
    if receipt_logo is not None:
        too_big = _("A logo can be at most 1 MB.")
        if receipt_logo.size > RECEIPT_LOGO_MAX_BYTES:
            raise BusinessRuleError(too_big, field="receipt_logo")
        logo = receipt_logo.read(RECEIPT_LOGO_MAX_BYTES + 1)
        if len(logo) > RECEIPT_LOGO_MAX_BYTES:
            raise BusinessRuleError(too_big, field="receipt_logo")
        logo_format = image_format_check(logo, field="receipt_logo")
    with tenant_context(tenant):
        if "discount_limit_percent" in values:
            percent = Decimal(str(values["discount_limit_percent"]))
            if not ZERO <= percent <= 100:
                raise BusinessRuleError(_("A discount limit is between 0% and 100%."),
                                        field="discount_limit_percent")
            values["discount_limit_percent"] = percent
        if "return_approval_limit" in values:
            values["return_approval_limit"] = _money(
                values["return_approval_limit"], tenant.currency, field="return_approval_limit")
        if "receipt_tax_id" in values:
            values["receipt_tax_id"] = " ".join(str(values["receipt_tax_id"] or "").split())
        row = PosSettings.objects.select_for_update().first() or PosSettings()
        for key, value in values.items():
            setattr(row, key, value)
        storage, old_name = row.receipt_logo.storage, row.receipt_logo.name or ""
        if logo is not None:
            content_type, ext = ItemPhoto.FORMATS[logo_format]
            row.receipt_logo.save(f"logo.{ext}", ContentFile(logo), save=False)
            row.receipt_logo_type = content_type
        elif receipt_logo_clear:
            row.receipt_logo, row.receipt_logo_type = "", ""
        new_name = row.receipt_logo.name or ""
        try:
            row.save()
        except Exception:
            if new_name and new_name != old_name:
                storage.delete(new_name)
            raise
        if old_name and old_name != new_name:
            transaction.on_commit(lambda: storage.delete(old_name))
        return row


# --- shifts ----------------------------------------------------------------------


@transaction.atomic
def shift_open(*, tenant: Tenant, actor: User, terminal: Terminal,
               opening_float: Decimal = ZERO) -> Shift:
    """Open a shift at `terminal` with a cash float.

    Rules: the terminal is active and has no open shift (its row is locked, and a
    partial unique index backs it up); a salesperson or cashier bound to a branch opens
    shifts at that branch's terminals only; a user holds one open shift at a time (their
    user row is locked first, so two openings by the same person queue and the second
    sees the first)."""
    _require_staff(actor, tenant)
    with tenant_context(tenant):
        opening_float = _money(opening_float, tenant.currency, field="opening_float")
        # Always the user, then the terminal: openings never wait on each other in a cycle.
        actor = User.objects.select_for_update(of=("self",)).select_related("branch") \
            .get(pk=actor.pk)
        terminal = Terminal.objects.select_for_update().filter(pk=terminal.pk).first()
        if terminal is None or not terminal.is_active:
            raise BusinessRuleError(_("This terminal is not active."), field="terminal")
        if not branch_visible(actor, terminal.branch_id):
            raise BusinessRuleError(
                _("You work at the %(branch)s branch: open your shift at one of its "
                  "terminals.") % {"branch": actor.branch.name}, field="terminal")
        if Shift.objects.filter(terminal=terminal, closed_at__isnull=True).exists():
            raise BusinessRuleError(_("This terminal already has an open shift."),
                                    field="terminal")
        held = (Shift.objects.filter(opened_by=actor, closed_at__isnull=True)
                .select_related("terminal").first())
        if held is not None:
            raise BusinessRuleError(
                _("You already have an open shift at terminal %(terminal)s: close it "
                  "before opening another.") % {"terminal": held.terminal.name},
                field="terminal")
        return Shift.objects.create(terminal=terminal, branch_id=terminal.branch_id,
                                    opened_by=actor, opening_float=opening_float)


@transaction.atomic
def shift_close(*, tenant: Tenant, actor: User, shift: Shift, counted_cash: Decimal) -> Shift:
    """Close an open shift with the cash counted in the drawer.

    expected cash = opening float + cash taken net of change - cash refunds - payouts;
    over/short = counted - expected. The shift row is locked FOR UPDATE, so closing
    waits for sales still running on it (they hold it FOR SHARE)."""
    _require_staff(actor, tenant)
    with tenant_context(tenant):
        counted_cash = _money(counted_cash, tenant.currency, field="counted_cash")
        shift = Shift.objects.select_for_update().filter(pk=shift.pk).first()
        if shift is None:
            raise BusinessRuleError(_("Unknown shift."), field="shift")
        if not shift.is_open:
            raise BusinessRuleError(_("This shift is already closed."), field="shift")
        expected = selectors.shift_expected_cash(shift=shift)
        shift.counted_cash = counted_cash
        shift.expected_cash = expected
        shift.over_short = counted_cash - expected
        shift.closed_at = timezone.now()
        shift.closed_by = actor
        shift.save(update_fields=["counted_cash", "expected_cash", "over_short", "closed_at",
                                  "closed_by"])
        return shift


def _shift_for_sale(shift: Shift) -> Shift:
    """The shift, read again under the scope and held FOR SHARE until the sale commits."""
    found = list(Shift.objects.raw(
        "SELECT * FROM pos_shift WHERE id = %s FOR SHARE", [shift.pk]))
    if not found:
        raise BusinessRuleError(_("Unknown shift."), field="shift")
    if not found[0].is_open:
        raise BusinessRuleError(_("This shift is closed: open a new one to sell."),
                                field="shift")
    locked = found[0]
    # The caller's shift was read under the same scope; its branch (loaded with it by
    # the register) serves again rather than one more query.
    if Shift.branch.is_cached(shift) and shift.branch_id == locked.branch_id:
        locked.branch = shift.branch
    return locked


# --- sales -----------------------------------------------------------------------


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise BusinessRuleError(_("This sale has no valid idempotency key."),
                                field="idempotency_key") from exc


def _points_for(amount: Decimal) -> int:
    """Points that pay exactly `amount`, or a BusinessRuleError."""
    settings_row = LoyaltySettings.objects.first() or LoyaltySettings()
    if settings_row.point_value <= 0:
        raise BusinessRuleError(_("Points cannot pay for purchases in this shop."),
                                field="payments")
    points = amount / settings_row.point_value
    if points != points.to_integral_value(ROUND_DOWN):
        raise BusinessRuleError(
            _("Points pay in steps of %(value)s.") % {"value": settings_row.point_value},
            field="payments")
    return int(points)


def line_price(item: Item, ctx: inventory.PricingContext | None, *,
               tier: str = "") -> tuple[Decimal, Decimal]:
    """What one piece of `item` sells for to a customer of the loyalty tier named `tier`
    ("" for none), and the fraction of it that is tax.

    The stored selling price, except that a rate-priced item without a manager's price
    override moves by what the tier's own markup rule changes in its price (inventory
    pricing rules by customer tier); `ctx` may be None when every item is fixed-price."""
    if item.price_mode == Item.PriceMode.FIXED:
        return item.selling_price, ZERO
    base = inventory.item_price_breakdown(item, ctx)
    if not tier or item.price_override is not None:
        return item.selling_price, totals.tax_share(base)
    tiered = inventory.item_price_breakdown(item, ctx, tier=tier)
    if tiered.total == base.total:
        return item.selling_price, totals.tax_share(base)
    return max(item.selling_price + tiered.total - base.total, ZERO), totals.tax_share(tiered)


def unit_prices(*, tenant: Tenant, items: Sequence[Item], tier: str = "") -> list[Decimal]:
    """What one piece of each item sells for to a customer of the loyalty tier named
    `tier` ("" for none): line_price's figure, as the cart will charge it. Without a
    tier the stored selling prices (no query); with one, the pricing context is read
    once for all the items, and only when one of them is priced by the rate."""
    if not tier:
        return [item.selling_price for item in items]
    ctx = None
    if any(item.price_mode != Item.PriceMode.FIXED for item in items):
        ctx = inventory.pricing_context(tenant)
    return [line_price(item, ctx, tier=tier)[0] for item in items]


def scrap_lot_refuse(item: Item) -> None:
    """A scrap lot (scrap_lot_exists) is refused at the register with a message.
    `item.scrap_lot`, when the caller read it with the item, saves the query."""
    scrap = getattr(item, "scrap_lot", None)
    if scrap is None:
        scrap = _SCRAP_LOT.first(item.pk) is not None
    if scrap:
        raise BusinessRuleError(
            _("%(sku)s is old gold bought back (a scrap lot): it goes to the refiner, it "
              "is not sold at the register.") % {"sku": item.sku}, field="code")


def item_priced_check(item: Item) -> None:
    """An item is sold at its price, never for nothing: a price of zero (a rate-based
    piece whose gold has no rate on the board yet, an unpriced item) is refused."""
    if item.selling_price > 0:
        return
    if item.price_override is None and item.price_mode != Item.PriceMode.FIXED:
        raise BusinessRuleError(
            _("%(sku)s has no price: the rate board has no rate for its metal and karat. "
              "Set today's rate, then sell it.") % {"sku": item.sku}, field="code")
    raise BusinessRuleError(_("%(sku)s has no price: give it one before selling it.")
                            % {"sku": item.sku}, field="code")


def discount_approval_message(*, limit: Decimal, skus: Sequence[str], cart: bool) -> str:
    """What the cashier reads when discounts above the limit lack a manager's approval:
    each named (a line's by its item's SKU; the cart's says why it needs one again: a
    manager approved it as a share of a bigger amount, and a later line discount or a
    removed piece made the same amount a bigger share)."""
    parts = [_("The discount on %(sku)s is above %(limit)s%% of the line and needs a "
               "manager's approval: give it again with the manager's PIN.")
             % {"sku": sku, "limit": totals.percent_text(limit)} for sku in skus]
    if cart:
        parts.insert(0, _("The cart discount is above %(limit)s%% of what is left after "
                          "the line discounts (approvals are for the share they were "
                          "given at) and needs a manager's approval: give it again with "
                          "the manager's PIN.") % {"limit": totals.percent_text(limit)})
    return " ".join(parts)


def _discount_approver(*, actor: User, shift: Shift, cart: totals.CartTotals,
                       line_approvers: Sequence[User | None],
                       cart_approver: User | None, skus: Sequence[str]) -> User | None:
    """None when every discount is within the shop's limit; else the manager recorded
    on the sale. Each discount above the limit needs its own approver (a line's, the
    cart's), checked again here (active, approver role, runs the shift's branch), or
    the actor if they run the branch."""
    limit = selectors.pos_settings_get().discount_limit_percent
    lines_over, cart_over = totals.discounts_over_limit(cart, limit)
    needed = [(approver, sku) for over, approver, sku
              in zip(lines_over, line_approvers, skus, strict=True) if over]
    if cart_over:
        needed.insert(0, (cart_approver, None))
    if not needed:
        return None
    branch = shift.branch
    valid: dict[Any, User | None] = {}

    def approving(user: User | None) -> User | None:
        if user is None:
            return None
        if user.pk not in valid:
            found = User.objects.filter(pk=user.pk, tenant_id=actor.tenant_id, is_active=True,
                                        role__in=APPROVER_ROLES).first()
            valid[user.pk] = found if found is not None and user_manages_branch(found, branch) \
                else None
        return valid[user.pk]

    recorded, skus_missing, cart_missing = None, [], False
    for approved_by, sku in needed:
        user = approving(approved_by) or approving(actor)
        if user is None:
            if sku is None:
                cart_missing = True
            else:
                skus_missing.append(sku)
        recorded = recorded or user
    if skus_missing or cart_missing:
        raise BusinessRuleError(discount_approval_message(
            limit=limit, skus=skus_missing, cart=cart_missing), field="discount")
    return recorded


def _balances_check(customer: Customer | None, payments: Sequence[PaymentSpec],
                    currency: str) -> None:
    """Store credit and gift card tenders against what is there: an unknown or expired
    gift card, or more than a balance holds, is a BusinessRuleError on the payment's
    own field (`store_credit`, `gift_card_code`, `gift_card`: the register's names)."""
    wanted_credit = sum((Decimal(a) for m, a, _r in payments if m == Method.STORE_CREDIT),
                        ZERO)
    if wanted_credit and customer is not None:
        balance = crm_selectors.store_credit_balance(customer=customer)
        if wanted_credit > balance:
            raise BusinessRuleError(
                _("%(customer)s has only %(balance)s of store credit.")
                % {"customer": customer, "balance": money_text(balance, currency)}
                if balance > 0 else _("%(customer)s has no store credit.")
                % {"customer": customer}, field="store_credit")
    by_code: dict[str, Decimal] = {}
    for method, amount, reference in payments:
        if method == Method.GIFT_CARD:
            code = (reference or "").strip()
            by_code[code] = by_code.get(code, ZERO) + Decimal(amount)
    for code, wanted in by_code.items():
        card = crm_selectors.gift_card_by_code(code=code)
        if card is None:
            raise BusinessRuleError(_("No gift card has this code."), field="gift_card_code")
        if card.expires_on is not None and card.expires_on < timezone.localdate():
            raise BusinessRuleError(_("This gift card has expired."), field="gift_card_code")
        balance = crm_selectors.gift_card_balance_of(card=card)
        if wanted > balance:
            raise BusinessRuleError(
                _("Only %(balance)s is left on this gift card.")
                % {"balance": money_text(balance, currency)}, field="gift_card")


# No @transaction.atomic: the body is one tenant_context, itself the transaction (or a
# savepoint inside the caller's); the decorator only added a SAVEPOINT/RELEASE pair.
def sale_complete(
    *,
    tenant: Tenant,
    actor: User,
    shift: Shift,
    idempotency_key: uuid.UUID | str,
    lines: Sequence[LineSpec],
    cart_discount: Decimal = ZERO,
    customer: Customer | None = None,
    payments: Sequence[PaymentSpec],
    discount_approved_by: User | None = None,
    old_gold: Sequence[dict[str, Any]] = (),
) -> Sale:
    """Sell `lines` = [(item, quantity, line discount)] at the shift's terminal, paid by
    `payments` = [(method, amount, reference)], all or nothing.

    Rules: the same idempotency key returns the sale already made with it (also when
    sent concurrently: the key is locked first); the shift is open; items are active;
    amounts fit the shop's currency; discounts never exceed what they discount;
    payments settle the total to the cent (only cash may exceed it: the excess is
    change, recorded); store credit and points need the customer; stock leaves the
    terminal's branch through inventory's stock_remove_many (a serial piece is sold once);
    balances are spent and points earned through crm services; the sale gets the next
    per-shop number; a "sale.completed" event waits for the accounting module.
    A customer with a valid loyalty tier pays the tier's prices (line_price) and gets
    its discount % off the amount after line discounts (recorded on the sale as the
    member discount; the shop's rule, so it needs no approval).
    A line discount above PosSettings.discount_limit_percent of the line's gross, or
    a cart discount above it of the amount after line discounts, needs its approver:
    a line's own (the line spec's fourth element: the register passes the manager
    whose PIN approved that line), else `discount_approved_by` (the cart discount's,
    and every line's given without one), or the actor if they run the branch; the
    first approver is recorded on the sale.
    `old_gold` (an exchange: entries of Cart.old_gold, see pos.carts.cart_old_gold_add)
    is bought back in the same transaction (pos.buybacks.buy_back_for_sale: a scrap
    lot, settlement "sale") and each pays as a tender "old_gold" (its payout, first,
    never more than the total: the customer pays only the rest); the method cannot be
    given in `payments`.
    Any failure rolls everything back.
    """
    key = _uuid(idempotency_key)
    currency = tenant.currency
    with tenant_context(tenant):
        # A second request with the same key waits here until the first commits (and
        # then finds its sale) or rolls back (and then makes the sale itself).
        advisory_lock(f"pos.sale:{tenant.pk}:{key}")
        existing = selectors.sale_by_key(key=key)
        if existing is not None:
            return existing

        _require_staff(actor, tenant)
        shift = _shift_for_sale(shift)
        tier = None
        if customer is not None:
            customer = Customer.objects.filter(pk=customer.pk).select_related("tier").first()
            if customer is None:  # another shop's customer does not exist here
                raise BusinessRuleError(_("Unknown customer."), field="customer")
            tier = crm_selectors.customer_tier_current(customer)
        cart_discount = _money(cart_discount, currency, field="cart_discount")

        # Lines: items read again under the scope; prices are today's stored prices.
        if not lines:
            raise BusinessRuleError(_("The cart is empty."))
        items = {item.pk: item for item in _ITEMS.all([spec[0].pk for spec in lines])}
        ctx = inventory.pricing_context(tenant)
        inputs, sold, line_approvers = [], [], []
        tier_name = tier.name if tier is not None else ""
        for item_ref, quantity, line_discount, *approved in lines:
            line_approvers.append(approved[0] if approved else discount_approved_by)
            item = items.get(item_ref.pk)
            if item is None or not item.is_active:
                raise BusinessRuleError(_("This item cannot be sold."), field="lines")
            scrap_lot_refuse(item)
            item_priced_check(item)
            if item.is_serial and quantity != 1:
                raise BusinessRuleError(
                    _("%(sku)s is a single piece: sell one.") % {"sku": item.sku},
                    field="quantity")
            unit_price, share = line_price(item, ctx, tier=tier_name)
            inputs.append(totals.LineInput(
                unit_price=unit_price, quantity=quantity,
                line_discount=_money(line_discount, currency, field="line_discount"),
                tax_share=share))
            sold.append(item)
        member_percent = tier.discount_percent if tier is not None else ZERO
        cart = totals.cart_totals(inputs, cart_discount=cart_discount,
                                  member_percent=member_percent, currency=currency)
        approver = _discount_approver(actor=actor, shift=shift, cart=cart,
                                      line_approvers=line_approvers,
                                      cart_approver=discount_approved_by,
                                      skus=[item.sku for item in sold])

        # Payments settle the total; the methods' own rules come before any write.
        tenders = []
        for entry in old_gold:
            tenders.append((Method.OLD_GOLD, _money(entry.get("payout"), currency,
                                                    field="old_gold")))
        credit = sum((amount for _m, amount in tenders), ZERO)
        if credit > cart.total:
            raise BusinessRuleError(
                _("The old gold (%(credit)s) is worth more than the sale (%(total)s): buy "
                  "it back for cash, or add to the sale.")
                % {"credit": money_text(credit, currency),
                   "total": money_text(cart.total, currency)}, field="old_gold")
        for method, amount, reference in payments:
            if method == Method.OLD_GOLD:
                raise BusinessRuleError(_("Old gold is credited from the register's old gold "
                                          "panel."), field="payments")
            if method not in Method.values:
                raise BusinessRuleError(_("Unknown payment method."), field="payments")
            if method in (Method.STORE_CREDIT, Method.POINTS) and customer is None:
                raise BusinessRuleError(
                    _("Choose the customer to pay with store credit or points."),
                    field="customer")
            if method == Method.GIFT_CARD and not (reference or "").strip():
                raise BusinessRuleError(_("Enter the gift card's code."), field="payments")
            tenders.append((method, _money(amount, currency, field="payments")))
        # A balance that cannot pay is said as such, on its field, before the sums
        # (else "... is still due" hid it); the redemptions below check again, locked.
        _balances_check(customer, payments, currency)
        changes = totals.change_split(cart.total, tenders, currency=currency)

        sale = Sale(idempotency_key=key, shift=shift, terminal_id=shift.terminal_id,
                    branch_id=shift.branch_id, customer=customer, cashier=actor,
                    currency=currency, subtotal=cart.subtotal,
                    discount_total=cart.discount_total, cart_discount=cart.cart_discount,
                    tax_total=cart.tax_total, total=cart.total,
                    discount_approved_by=approver, member_discount=cart.member_discount,
                    member_tier=tier_name if cart.member_discount else "",
                    member_percent=member_percent if cart.member_discount else ZERO)

        # Stock leaves the shift's branch in one set-based move (levels locked in item
        # order, as every sale locks them, so two sales cannot deadlock).
        branch = shift.branch
        try:
            inventory.stock_remove_many(
                tenant=tenant, actor=actor, branch=branch, kind=StockMovement.Kind.SALE,
                lines=[(item, spec[1]) for item, spec in zip(sold, lines, strict=True)],
                reference=f"sale {sale.pk}")
        except inventory.StockShortage as exc:
            if exc.item.is_serial:
                raise BusinessRuleError(
                    _("%(sku)s is not in stock at %(branch)s: it may have just been "
                      "sold.") % {"sku": exc.item.sku, "branch": branch.name},
                    field="lines") from exc
            raise BusinessRuleError(f"{exc.item.sku}: {exc.message}", field="lines") from exc

        # What needs no sale number is written first: the shop's sale counter, taken
        # next, stays locked until the commit, and every other sale of the shop waits
        # for it (the foreign keys to the sale are checked at the commit).
        rows_insert([
            SaleLine(sale=sale, item=item, position=i, sku=item.sku, name=item.name,
                     karat=item.karat, net_weight=item.net_weight, quantity=spec[1],
                     unit_price=line.unit_price, line_discount=lt.line_discount,
                     member_discount=lt.member_discount, cart_discount=lt.cart_discount,
                     tax=lt.tax, total=lt.total)
            for i, (item, spec, line, lt) in enumerate(zip(sold, lines, inputs, cart.lines,
                                                           strict=True))
        ])
        rows_insert([SaleEvent(kind=SaleEvent.Kind.SALE_COMPLETED, sale=sale)])
        payment_rows: list[tuple[Payment, str]] = []
        gold_changes, changes = changes[:len(old_gold)], changes[len(old_gold):]
        if any(gold_changes):  # only cash gives change; kept as a guard
            raise BusinessRuleError(_("Old gold cannot give change."), field="old_gold")
        tenders = tenders[len(old_gold):]
        for (method, amount), (_m, _a, ref), change in zip(tenders, payments, changes,
                                                          strict=True):
            ref = (ref or "").strip()[:100]
            row = Payment(sale=sale, method=method, amount=amount, change_given=change,
                          reference=ref)
            if method == Method.GIFT_CARD:
                row.reference = ref[-4:]  # the code pays like cash: keep only its end
            elif method == Method.POINTS:
                row.points = _points_for(row.amount)
            payment_rows.append((row, ref))
        if not old_gold:  # else the old gold's payments come first (below)
            rows_insert([row for row, _ref in payment_rows])

        sale.number = counter_next("sale")
        reference = sale.display_number
        points_paid = ZERO
        for row, ref in payment_rows:
            if row.method == Method.STORE_CREDIT:
                crm.store_credit_redeem(tenant=tenant, actor=actor, customer=customer,
                                        amount=row.amount, reference=reference)
            elif row.method == Method.GIFT_CARD:
                crm.gift_card_redeem(tenant=tenant, actor=actor, code=ref, amount=row.amount,
                                     reference=reference)
            elif row.method == Method.POINTS:
                value = crm.points_redeem(tenant=tenant, actor=actor, customer=customer,
                                          points=row.points, reference=reference)
                if value != row.amount:
                    raise BusinessRuleError(_("These points do not pay this amount."),
                                            field="payments")
                points_paid += row.amount
        if customer is not None and cart.total - points_paid > 0:
            crm.points_accrue(tenant=tenant, actor=actor, customer=customer,
                              amount=cart.total - points_paid, reference=reference)

        rows_insert([sale])
        if old_gold:
            from .buybacks import buy_back_for_sale  # buybacks imports this module

            gold_rows = []
            for entry in old_gold:
                bought = buy_back_for_sale(tenant=tenant, actor=actor, shift=shift,
                                           sale=sale, entry=entry)
                if bought.payout != _money(entry.get("payout"), currency, field="old_gold"):
                    raise BusinessRuleError(_("The old gold's value changed: add it again."),
                                            field="old_gold")
                gold_rows.append(Payment(sale=sale, method=Method.OLD_GOLD,
                                         amount=bought.payout,
                                         reference=bought.display_number))
            rows_insert(gold_rows + [row for row, _ref in payment_rows])
        return sale
