"""The customer's receipt of a repair payment (deposit, balance, deposit paid back),
built with the POS receipt machinery (pos.receipts: the same 80 mm page, PDF and
email)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from pos.receipts import Receipt, ReceiptLine, _header
from tenants.models import Tenant

from .models import RepairPayment


def repair_payment_receipt(*, tenant: Tenant, payment: RepairPayment, url: str) -> Receipt:
    order = payment.order
    receipt = _header(tenant, payment.branch, title=str(payment.get_kind_display()),
                      number=payment.display_number, when=payment.created_at, url=url,
                      cashier=payment.cashier, currency="")  # repair money: the shop's
    receipt.customer = str(order.customer)
    receipt.note = _("Repair R-%(number)s · %(service)s") % {
        "number": order.number, "service": order.get_service_display()}
    receipt.lines = [ReceiptLine(name=order.description[:80], weight=order.weight_in)]
    receipt.totals = [(_("Estimate"), order.estimate_total),
                      (str(payment.get_kind_display()), payment.amount),
                      (str(payment.get_method_display()), payment.amount + payment.change_given)]
    if payment.reference:
        receipt.totals.append((_("Reference"), payment.reference))
    receipt.totals.append((_("Held for the order"), order.deposit))
    if order.deposit_kept:
        receipt.totals.append((_("Deposit kept"), order.deposit_kept))
    if order.is_open:
        receipt.totals.append((_("Balance due"), order.balance_due))
    receipt.change = payment.change_given
    return receipt
