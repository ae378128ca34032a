"""Old-gold buy-back at the counter (issue 11).

buy_back_create() in one transaction: checks the seller and the figures, takes the
buy-back number, puts the gold into stock at the shift's branch as a scrap lot
(inventory.services.scrap_lot_receive: an item plus its "buy_back" movement), pays
the seller in cash out of the shift's drawer (the shift row is locked and must hold
the cash) or as trade-in credit (a gift card the register takes as a tender on this
or a later sale), and leaves a "buyback.completed" event for accounting.

The figures (Decimal, no float anywhere):
    purity       = the tested purity (‰) if given, else the karat's (inventory PURITY)
    fine_weight  = weight x purity/1000 x (1 - melt_loss/100), rounded to 0.001 g
    rate         = per gram of the gold as bought; by default the rate board's buy
                   rate for the karat (for a tested purity without a karat: the
                   board's buy rate of the finest karat it has, scaled by purity)
    payout       = weight x (1 - melt_loss/100) x rate, rounded to the currency's minor
                   unit

The currency is the shop's at that moment, kept on the row (BuyBack.currency) so that
its pages and receipts still say it after the shop changes currency. A buy-back
credited to a sale takes the sale's (Sale.currency, set from the shop in the same
transaction: the two agree, and the credit is a payment of that sale).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm import services as crm
from crm.models import Customer
from inventory import services as inventory
from inventory.models import PURITY, RateBoard
from inventory.pricing import money_round
from tenants.context import tenant_context
from tenants.counters import counter_next
from tenants.errors import BusinessRuleError
from tenants.models import Tenant, User
from tenants.money import grams_text
from tenants.templatetags.zargar import digits

from .models import BuyBack, Sale, SaleEvent, Shift
from .returns import _lock_shift_for_cash, cash_out_check
from .services import _require_staff

ZERO = Decimal("0")
HUNDRED = Decimal("100")
GRAM = Decimal("0.001")
RATE_PLACES = Decimal("0.0001")
# What the columns hold (pos.models: WEIGHT 10 digits with 3 decimals; MONEY 14 with 2).
WEIGHT_BOUND = Decimal(10) ** 7
MONEY_BOUND = Decimal(10) ** 12


def _decimal(value: Any, *, field: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise BusinessRuleError(message, field=field) from exc
    if not number.is_finite():
        raise BusinessRuleError(message, field=field)
    return number


def purity_text(value: Any) -> str:
    """A purity in thousandths as people write it: 750, 916.5 (not 750.0), in the
    active language's digits, without grouping (a purity is at most 1000)."""
    return digits(Decimal(format(Decimal(value).normalize(), "f")))


def karat_for_purity(purity: Decimal) -> int:
    """The finest karat whose purity the gold reaches (14K for anything lower)."""
    reached = [k for k, p in PURITY.items() if p <= purity]
    return max(reached) if reached else min(PURITY)


def buy_rate_default(*, karat: int | None, purity: Decimal) -> Decimal:
    """Today's buy rate per gram from the shop's rate board (0 when the board has none)."""
    board = {int(code.removeprefix("gold")): rate for code, rate in
             RateBoard.objects.filter(code__startswith="gold", buy_rate__gt=0)
             .values_list("code", "buy_rate")}
    if karat and karat in board and purity == PURITY[karat]:
        return board[karat]
    if not board:
        return ZERO
    finest = max(board)
    return (board[finest] * purity / PURITY[finest]).quantize(RATE_PLACES, ROUND_HALF_UP)


def buy_back_figures(*, weight: Decimal, purity: Decimal, melt_loss_percent: Decimal,
                     rate: Decimal, currency: str) -> tuple[Decimal, Decimal]:
    """(fine weight in grams, payout) for the given figures (see the module docstring)."""
    kept = 1 - melt_loss_percent / HUNDRED
    fine = (weight * purity / 1000 * kept).quantize(GRAM, ROUND_HALF_UP)
    payout = money_round(weight * kept * rate, currency)
    return fine, payout


@dataclass(frozen=True)
class OldGoldQuote:
    """Checked figures of old gold, and what it is worth (see the module docstring)."""

    weight: Decimal
    karat: int | None
    purity: Decimal
    melt_loss_percent: Decimal
    rate: Decimal
    fine_weight: Decimal
    payout: Decimal

    def as_json(self) -> dict[str, Any]:
        return {"weight": str(self.weight), "karat": self.karat, "purity": str(self.purity),
                "melt_loss_percent": str(self.melt_loss_percent), "rate": str(self.rate),
                "fine_weight": str(self.fine_weight), "payout": str(self.payout)}


def buy_back_quote(*, tenant: Tenant, weight: Any, karat: Any = None, purity: Any = None,
                   melt_loss_percent: Any = ZERO, rate: Any = None,
                   currency: str = "") -> OldGoldQuote:
    """The figures checked and the payout computed in `currency` (default: the shop's),
    or a BusinessRuleError naming the field. Runs under the tenant's scope (the default
    rate is the shop's board).

    Rules: the weight is above zero with at most 3 decimals (and fits its column); a
    karat or a tested purity (1-1000 ‰) is given; the melt loss is 0-99.99 %; the rate
    is above zero (typed, or today's board rate); the payout is above zero and, like the
    rate, fits a money column (a mistyped extra digit is a message, not a database
    error)."""
    weight = _decimal(weight, field="weight", message=_("Enter the weight in grams."))
    if weight >= WEIGHT_BOUND:
        raise BusinessRuleError(_("This weight is too large: check it."), field="weight")
    if weight <= 0 or weight != weight.quantize(GRAM):
        raise BusinessRuleError(_("Enter a weight above zero, to the milligram (3 decimals)."),
                                field="weight")
    if karat in ("", None):
        karat = None
    else:
        try:
            karat = int(karat)
        except (TypeError, ValueError) as exc:
            raise BusinessRuleError(_("Choose a karat."), field="karat") from exc
        if karat not in PURITY:
            raise BusinessRuleError(_("Choose a karat."), field="karat")
    if purity in ("", None):
        if karat is None:
            raise BusinessRuleError(_("Give the karat or the tested purity."), field="purity")
        purity = PURITY[karat]
    else:
        purity = _decimal(purity, field="purity", message=_("Enter the purity in thousandths."))
        if not ZERO < purity <= 1000 or purity != purity.quantize(Decimal("0.1")):
            raise BusinessRuleError(_("Purity is between 0 and 1000 thousandths (‰)."),
                                    field="purity")
    melt = _decimal(melt_loss_percent if melt_loss_percent not in ("", None) else ZERO,
                    field="melt_loss_percent", message=_("Enter the melt loss in percent."))
    if not ZERO <= melt < HUNDRED or melt != melt.quantize(Decimal("0.01")):
        raise BusinessRuleError(_("The melt loss is from 0% to under 100%."),
                                field="melt_loss_percent")
    with tenant_context(tenant):
        if rate in ("", None):
            rate = buy_rate_default(karat=karat, purity=purity)
        else:
            rate = _decimal(rate, field="rate", message=_("Enter the buy rate per gram."))
            if rate <= 0:
                raise BusinessRuleError(_("Enter a buy rate per gram above zero."),
                                        field="rate")
    if rate <= 0:
        raise BusinessRuleError(
            _("Enter the buy rate per gram (the rate board has no buy rate for this gold)."),
            field="rate")
    if rate >= MONEY_BOUND:
        raise BusinessRuleError(_("This rate is too large: check it."), field="rate")
    rate = rate.quantize(RATE_PLACES, ROUND_HALF_UP)
    fine, payout = buy_back_figures(weight=weight, purity=purity, melt_loss_percent=melt,
                                    rate=rate, currency=currency or tenant.currency)
    if payout <= 0:
        raise BusinessRuleError(_("This gold pays nothing at this rate."), field="rate")
    if payout >= MONEY_BOUND:
        raise BusinessRuleError(
            _("At this weight and rate the payout is too large to record: check the weight "
              "and the rate."), field="rate")
    return OldGoldQuote(weight=weight, karat=karat, purity=purity, melt_loss_percent=melt,
                        rate=rate, fine_weight=fine, payout=payout)


def seller_check(*, customer: Customer | None, seller_name: str,
                 seller_id_number: str) -> tuple[Customer | None, str, str]:
    """The seller as recorded: a customer of this shop (read again under the scope), or
    a name with an ID document number."""
    seller_name, seller_id_number = (seller_name or "").strip(), (seller_id_number or "").strip()
    if customer is not None:
        customer = Customer.objects.filter(pk=customer.pk).first()
        if customer is None:
            raise BusinessRuleError(_("Unknown customer."), field="customer")
    elif not (seller_name and seller_id_number):
        raise BusinessRuleError(
            _("Record the seller: choose a customer, or enter a name and an ID document "
              "number."), field="seller_name")
    return customer, seller_name[:200], seller_id_number[:40]


def _buy_back_write(*, tenant: Tenant, actor: User, shift: Shift, quote: OldGoldQuote,
                    currency: str, settlement: str, customer: Customer | None,
                    seller_name: str, seller_id_number: str, description: str,
                    sale: Sale | None = None) -> BuyBack:
    """The buy-back row, its number, its scrap lot in stock and its accounting event
    (the caller has checked everything and holds the locks the settlement needs)."""
    weight, purity, melt, fine = (quote.weight, quote.purity, quote.melt_loss_percent,
                                  quote.fine_weight)
    row = BuyBack(shift=shift, branch_id=shift.branch_id, cashier=actor, customer=customer,
                  seller_name=seller_name, seller_id_number=seller_id_number,
                  description=(description or "").strip()[:200], weight=weight,
                  karat=quote.karat, purity=purity, melt_loss_percent=melt, rate=quote.rate,
                  fine_weight=fine, payout=quote.payout, currency=currency,
                  settlement=settlement, sale=sale)
    row.number = counter_next("buyback")
    reference = row.display_number
    row.scrap_item = inventory.scrap_lot_receive(
        tenant=tenant, actor=actor, branch=shift.branch, sku=f"SCRAP-{reference}",
        # Stored: its figures are written once, in the language active now (Persian
        # digits in Persian), as the app shows weights and purities.
        name=_("Old gold %(number)s: %(weight)s g at %(purity)s‰, fine %(fine)s g")
        % {"number": reference, "weight": grams_text(weight), "purity": purity_text(purity),
           "fine": grams_text(fine)},
        karat=quote.karat or karat_for_purity(purity), weight=weight,
        net_weight=(weight * (1 - melt / HUNDRED)).quantize(GRAM, ROUND_HALF_UP),
        cost=quote.payout, reference=f"buyback {row.pk}")
    if settlement == BuyBack.Settlement.CREDIT:
        row.credit_card = crm.gift_card_issue(tenant=tenant, actor=actor, amount=quote.payout,
                                              customer=customer, reference=reference)
    row.save()
    SaleEvent.objects.create(kind=SaleEvent.Kind.BUYBACK_COMPLETED, buy_back=row)
    return row


@transaction.atomic
def buy_back_create(
    *,
    tenant: Tenant,
    actor: User,
    shift: Shift,
    weight: Any,
    karat: int | None = None,
    purity: Any = None,
    melt_loss_percent: Any = ZERO,
    rate: Any = None,
    settlement: str = BuyBack.Settlement.CASH,
    customer: Customer | None = None,
    seller_name: str = "",
    seller_id_number: str = "",
    description: str = "",
) -> BuyBack:
    """Buy old gold from a customer (see the module docstring), all or nothing, paid in
    cash or as trade-in credit (an exchange at the register credits the current sale
    instead: pos.carts.cart_old_gold_add, then services.sale_complete).

    Rules: those of buy_back_quote(); the seller is a customer or a name with an ID
    document number; a cash payout needs an open shift whose drawer holds the cash.
    """
    _require_staff(actor, tenant)
    if settlement not in (BuyBack.Settlement.CASH, BuyBack.Settlement.CREDIT):
        raise BusinessRuleError(_("Choose how the seller is paid."), field="settlement")
    currency = tenant.currency  # the shop's now: the row keeps it
    quote = buy_back_quote(tenant=tenant, weight=weight, karat=karat, purity=purity,
                           melt_loss_percent=melt_loss_percent, rate=rate, currency=currency)
    with tenant_context(tenant):
        customer, seller_name, seller_id_number = seller_check(
            customer=customer, seller_name=seller_name, seller_id_number=seller_id_number)
        shift = _lock_shift_for_cash(shift)
        if settlement == BuyBack.Settlement.CASH:
            cash_out_check(shift=shift, amount=quote.payout)
        return _buy_back_write(tenant=tenant, actor=actor, shift=shift, quote=quote,
                               currency=currency, settlement=settlement, customer=customer,
                               seller_name=seller_name, seller_id_number=seller_id_number,
                               description=description)


def buy_back_for_sale(*, tenant: Tenant, actor: User, shift: Shift, sale: Sale,
                      entry: dict[str, Any]) -> BuyBack:
    """Old gold of a cart (one entry of Cart.old_gold) bought back and credited to
    `sale`, inside services.sale_complete's transaction (which holds the shift FOR
    SHARE: no cash leaves the drawer, so no stronger lock). The figures are checked
    again with the rate fixed when the cashier added it, so the credit is what the
    customer was shown. The buy-back is in the sale's currency (its credit is a payment
    of the sale)."""
    quote = buy_back_quote(tenant=tenant, weight=entry.get("weight"), karat=entry.get("karat"),
                           purity=entry.get("purity"),
                           melt_loss_percent=entry.get("melt_loss_percent"),
                           rate=entry.get("rate"), currency=sale.currency)
    customer = None
    if entry.get("customer"):
        customer = Customer.objects.filter(pk=entry["customer"]).first()
        if customer is None:
            raise BusinessRuleError(_("Unknown customer."), field="customer")
    customer, seller_name, seller_id_number = seller_check(
        customer=customer, seller_name=entry.get("seller_name", ""),
        seller_id_number=entry.get("seller_id_number", ""))
    return _buy_back_write(tenant=tenant, actor=actor, shift=shift, quote=quote,
                           currency=sale.currency, settlement=BuyBack.Settlement.SALE,
                           customer=customer,
                           seller_name=seller_name, seller_id_number=seller_id_number,
                           description=entry.get("description", ""), sale=sale)
