"""The jewelry shop's chart of accounts: every entity gets these accounts.

Codes are stable (posting rules find accounts by code); names are shown
translated from here, whatever language the shop was created in. Roles are
django-ledger's, which decide where an account lands in the statements.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DEBIT, CREDIT = "debit", "credit"


@dataclass(frozen=True)
class Account:
    key: str
    code: str
    role: str  # django_ledger.io.roles value
    balance_type: str
    name: str | Promise
    section: str  # asset, liability, equity, income, cogs, expense


CHART: tuple[Account, ...] = (
    Account("cash", "1010", "asset_ca_cash", DEBIT, _("Cash"), "asset"),
    Account("card", "1020", "asset_ca_recv", DEBIT, _("Card clearing"), "asset"),
    Account("jewelry_stock", "1210", "asset_ca_inv", DEBIT, _("Jewelry stock"), "asset"),
    Account("gold_stock", "1220", "asset_ca_inv", DEBIT, _("Gold stock"), "asset"),
    Account("scrap_gold", "1230", "asset_ca_inv", DEBIT, _("Scrap gold (bought back)"), "asset"),
    Account("payable", "2010", "lia_cl_acc_payable", CREDIT, _("Suppliers payable"), "liability"),
    Account("tax_payable", "2110", "lia_cl_taxes_payable", CREDIT, _("Tax payable"),
            "liability"),
    Account("store_credit", "2210", "lia_cl_other", CREDIT, _("Store credit owed"),
            "liability"),
    Account("gift_cards", "2220", "lia_cl_def_rev", CREDIT, _("Gift cards outstanding"),
            "liability"),
    Account("trade_in", "2230", "lia_cl_other", CREDIT, _("Exchange and trade-in credit"),
            "liability"),
    Account("repair_deposits", "2240", "lia_cl_def_rev", CREDIT, _("Repair deposits"),
            "liability"),
    Account("capital", "3010", "eq_capital", CREDIT, _("Owner's capital"), "equity"),
    Account("retained", "3020", "eq_capital", CREDIT, _("Retained earnings"), "equity"),
    Account("sales", "4010", "in_operational", CREDIT, _("Sales"), "income"),
    Account("returns", "4020", "in_operational", DEBIT, _("Sales returns"), "income"),
    Account("repair_income", "4030", "in_operational", CREDIT, _("Repair income"), "income"),
    # Deposits of cancelled repair/custom orders that the shop kept (repairs, issue loyal).
    Account("forfeited_deposits", "4040", "in_other", CREDIT, _("Forfeited deposits"),
            "income"),
    Account("cogs", "5010", "cogs_regular", DEBIT, _("Cost of goods sold"), "cogs"),
    Account("melt_loss", "5020", "cogs_materials", DEBIT, _("Melt loss"), "cogs"),
    Account("loyalty", "6010", "ex_regular", DEBIT, _("Loyalty points redeemed"), "expense"),
    Account("shrinkage", "6020", "ex_regular", DEBIT, _("Stock adjustments"), "expense"),
    Account("goodwill", "6030", "ex_regular", DEBIT, _("Customer goodwill"), "expense"),
    Account("cash_over_short", "6040", "ex_other", DEBIT, _("Cash over/short"), "expense"),
)

BY_KEY = {a.key: a for a in CHART}
BY_CODE = {a.code: a for a in CHART}
SECTIONS = ("asset", "liability", "equity", "income", "cogs", "expense")
SECTION_NAMES = {
    "asset": _("Assets"), "liability": _("Liabilities"), "equity": _("Equity"),
    "income": _("Income"), "cogs": _("Cost of sales"), "expense": _("Expenses"),
}
# Accounts whose balance is cash for the cash flow statement.
CASH_KEYS = ("cash", "card")
