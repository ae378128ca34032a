"""Zargar's own accounting tables (django-ledger's are in its app, under RLS by
migration 0001).

- Posting: one row per source event posted to the ledger. UNIQUE (tenant,
  source, source_id) is what makes posting idempotent: an event is posted once,
  whoever (task, backfill, two workers) tries.
- SalesDay: per branch and day, the figures the dashboard shows, kept up to
  date by the posting service in the posting's transaction (the dashboard
  never scans sales).
"""

from __future__ import annotations

from decimal import Decimal

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
