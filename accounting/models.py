"""Zargar's own accounting tables (django-ledger's are in its app, under RLS by
migration 0001).

- Posting: one row per source event posted to the ledger. UNIQUE (tenant,
  source, source_id) is what makes posting idempotent: an event is posted once,
  whoever (task, backfill, two workers) tries.
- FiscalYear: the shop's accounting years (the owner sets the start; Persian shops
  usually start on 1 Farvardin). Closing a year posts the closing entry (income and
  expense balances to retained earnings) and refuses postings dated in it afterwards.
- SalesDay: per branch and day, the figures the dashboard shows, kept up to
  date by the posting service in the posting's transaction (the dashboard
  never scans sales).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.db import TenantForeignKey, TenantScopedModel
from tenants.models import Branch

ZERO = Decimal("0")
MONEY = {"max_digits": 16, "decimal_places": 2}


class Posting(TenantScopedModel):
    class Source(models.TextChoices):
        SALE_EVENT = "pos.saleevent", _("Sale event")
        STOCK_MOVEMENT = "inventory.stockmovement", _("Stock movement")
        STORE_CREDIT = "crm.storecredittransaction", _("Store credit")
        GIFT_CARD = "crm.giftcardtransaction", _("Gift card")
        REPAIR_PAYMENT = "repairs.repairpayment", _("Repair payment")
        REPAIR_DELIVERY = "repairs.delivery", _("Repair delivered")
        REPAIR_FORFEIT = "repairs.forfeit", _("Repair deposit kept")
        CLOSING = "accounting.closing", _("Year-end closing")

    source = models.CharField(_("source"), max_length=40, choices=Source.choices)
    source_id = models.UUIDField(_("source id"))
    kind = models.CharField(_("kind"), max_length=40)
    # django-ledger's JournalEntryModel.uuid (composite key added in the migration).
    journal_entry_id = models.UUIDField(_("journal entry"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source", "source_id"],
                                    name="tenant_accounting_posting_once"),
        ]
        indexes = [
            models.Index(fields=["tenant", "journal_entry_id"], name="tenant_posting_je"),
            models.Index(fields=["tenant", "-occurred_at"], name="tenant_posting_occurred"),
        ]


class SalesDay(TenantScopedModel):
    day = models.DateField(_("day"))
    branch = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    sales_count = models.PositiveIntegerField(_("sales"), default=0)
    sales_total = models.DecimalField(_("sales total"), **MONEY, default=ZERO)
    tax_total = models.DecimalField(_("tax"), **MONEY, default=ZERO)
    cost_total = models.DecimalField(_("cost of goods sold"), **MONEY, default=ZERO)
    returns_total = models.DecimalField(_("returns"), **MONEY, default=ZERO)
    buybacks_total = models.DecimalField(_("buy-backs"), **MONEY, default=ZERO)

    class Meta:
        verbose_name = _("sales day")
        verbose_name_plural = _("sales days")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "day", "branch"],
                                    name="tenant_accounting_salesday_one"),
        ]


class FiscalYear(TenantScopedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=40)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    # The year's profit moved to retained earnings by the closing entry.
    net_income = models.DecimalField(_("net income"), **MONEY, null=True, blank=True)
    closing_entry_id = models.UUIDField(_("closing entry"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "start"], name="tenant_fiscalyear_start"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="accounting_fiscalyear_end_after_start"),
        ]
        indexes = [models.Index(fields=["tenant", "status", "start"], name="tenant_fiscalyear_status")]

    def __str__(self) -> str:
        return self.name

    def contains(self, day) -> bool:  # noqa: ANN001
        return self.start <= day <= self.end


class PostingFailure(TenantScopedModel):
    """An event the posting could not turn into a journal entry (dated in a closed
    fiscal year, an account missing from the chart, ...): kept here with the reason,
    left out of the automatic posting (so it does not hold up the others), and shown
    to the owner, who posts it again once the cause is fixed
    (services.posting_failure_retry). Deleted when the event is posted."""

    class Cause(models.TextChoices):
        CLOSED_YEAR = "closed_year", _("Dated in a closed fiscal year")
        MISSING_ACCOUNT = "missing_account", _("Account missing from the chart")
        UNBALANCED = "unbalanced", _("Debits and credits differ")
        OTHER = "other", _("Other")

    source = models.CharField(_("source"), max_length=40, choices=Posting.Source.choices)
    source_id = models.UUIDField(_("source id"))
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices,
                             default=Cause.OTHER)
    reason = models.TextField(_("reason"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    first_failed_at = models.DateTimeField(_("first failed at"), auto_now_add=True)
    last_failed_at = models.DateTimeField(_("last failed at"), auto_now=True)

    class Meta:
        verbose_name = _("posting failure")
        verbose_name_plural = _("posting failures")
        ordering = ["first_failed_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source", "source_id"],
                                    name="tenant_accounting_failure_once"),
        ]
