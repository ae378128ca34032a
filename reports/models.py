"""Scheduled report emails: an owner picks a sales report, how often and who gets it.

A schedule is due when it has never been sent, or when its period has passed since
the last sending (a day, seven days, or a new calendar month has begun); the task
records `last_sent_on` in the same transaction that queues the email, so a schedule
is sent at most once per period whoever runs the task.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.db import TenantForeignKey, TenantScopedModel
from tenants.models import Branch


class ReportSchedule(TenantScopedModel):
    class Report(models.TextChoices):
        DAY = "day", _("Sales by day")
        PRODUCT = "product", _("Sales by product")
        CATEGORY = "category", _("Sales by category")
        EMPLOYEE = "employee", _("Sales by employee")
        BRANCH = "branch", _("Sales by branch")
        CUSTOMERS = "customers", _("Top customers")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily (yesterday)")
        WEEKLY = "weekly", _("Weekly (the last seven days)")
        MONTHLY = "monthly", _("Monthly (the last month)")

    class Format(models.TextChoices):
        PDF = "pdf", _("PDF")
        XLSX = "xlsx", _("Excel (XLSX)")
        CSV = "csv", _("CSV")

    report = models.CharField(_("report"), max_length=20, choices=Report.choices)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    file_format = models.CharField(_("file format"), max_length=5, choices=Format.choices,
                                   default=Format.PDF)
    # Comma-separated addresses (validated by reports.services).
    recipients = models.TextField(_("recipients"))
    branch = TenantForeignKey(Branch, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+", verbose_name=_("branch"))
    # The language the report and the email are written in (the creator's).
    language = models.CharField(_("language"), max_length=10)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"),
                                   db_index=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_sent_on = models.DateField(_("last sent on"), null=True, blank=True)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(recipients=""),
                                   name="reports_schedule_has_recipients"),
        ]
        indexes = [models.Index(fields=["tenant", "is_active"],
                                name="tenant_reports_schedule_active")]

    def __str__(self) -> str:
        return f"{self.get_report_display()} · {self.get_frequency_display()}"

    @property
    def recipient_list(self) -> list[str]:
        return [r.strip() for r in self.recipients.split(",") if r.strip()]
