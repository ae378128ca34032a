"""Writes of the reports app: report schedules and their sending."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenants.access import OWNERS
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.models import Branch, Tenant, User
from tenants.money import money_text

from . import exports, selectors
from .models import ReportSchedule

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 10
MAX_SCHEDULES = 50


def recipients_parse(text: str) -> list[str]:
    """Addresses separated by commas, semicolons, spaces or lines; each must be valid,
    at least one and at most MAX_RECIPIENTS (duplicates dropped)."""
    found: list[str] = []
    for part in (text or "").replace(";", ",").replace("\n", ",").replace(" ", ",").split(","):
        address = part.strip().lower()
        if not address or address in found:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise BusinessRuleError(_("“%(address)s” is not an email address.")
                                    % {"address": address}, field="recipients") from None
        found.append(address)
    if not found:
        raise BusinessRuleError(_("Enter at least one email address."), field="recipients")
    if len(found) > MAX_RECIPIENTS:
        raise BusinessRuleError(_("At most %(n)s recipients.") % {"n": MAX_RECIPIENTS},
                                field="recipients")
    return found


def _require_owner(actor: User, tenant: Tenant) -> None:
    if actor.tenant_id != tenant.pk or actor.role not in OWNERS:
        raise BusinessRuleError(_("Only the owner can schedule report emails."))


@transaction.atomic
def report_schedule_create(*, tenant: Tenant, actor: User, report: str, frequency: str,
                           file_format: str, recipients: str,
                           branch: Branch | None = None) -> ReportSchedule:
    """Schedule a report email (owners only). The report is written in the owner's
    language; the first one goes out at the task's next run."""
    _require_owner(actor, tenant)
    if report not in ReportSchedule.Report.values:
        raise BusinessRuleError(_("Choose a report."), field="report")
    if frequency not in ReportSchedule.Frequency.values:
        raise BusinessRuleError(_("Choose how often."), field="frequency")
    if file_format not in ReportSchedule.Format.values:
        raise BusinessRuleError(_("Choose a file format."), field="file_format")
    addresses = recipients_parse(recipients)
    with tenant_context(tenant):
        if ReportSchedule.objects.count() >= MAX_SCHEDULES:
            raise BusinessRuleError(_("At most %(n)s scheduled reports.") % {"n": MAX_SCHEDULES})
        return ReportSchedule.objects.create(
            report=report, frequency=frequency, file_format=file_format,
            recipients=", ".join(addresses), branch=branch, created_by=actor,
            language=actor.language or settings.LANGUAGE_CODE)


@transaction.atomic
def report_schedule_delete(*, tenant: Tenant, actor: User, schedule: ReportSchedule) -> None:
    """Stop and remove a scheduled report email (owners only)."""
    _require_owner(actor, tenant)
    with tenant_context(tenant):
        ReportSchedule.objects.filter(pk=schedule.pk).delete()


@transaction.atomic
def report_schedule_set_active(*, tenant: Tenant, actor: User, schedule: ReportSchedule,
                               is_active: bool) -> ReportSchedule:
    """Pause or resume a scheduled report email (owners only). A resumed schedule keeps
    its last sending, so it is not sent twice in one period."""
    _require_owner(actor, tenant)
    with tenant_context(tenant):
        schedule = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
        schedule.is_active = is_active
        schedule.save(update_fields=["is_active"])
        return schedule


def schedule_is_due(schedule: ReportSchedule, *, today: datetime.date) -> bool:
    """Never sent, or since the last sending a day / seven days have passed / a new
    calendar month has begun (a monthly report goes out on the month's first run)."""
    last = schedule.last_sent_on
    if last is None:
        return True
    if schedule.frequency == ReportSchedule.Frequency.DAILY:
        return today >= last + datetime.timedelta(days=1)
    if schedule.frequency == ReportSchedule.Frequency.WEEKLY:
        return today >= last + datetime.timedelta(days=7)
    return (today.year, today.month) > (last.year, last.month)


def schedule_period(frequency: str, *, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The days a sending covers: yesterday, the seven days before today, or the
    previous calendar month."""
    yesterday = today - datetime.timedelta(days=1)
    if frequency == ReportSchedule.Frequency.DAILY:
        return yesterday, yesterday
    if frequency == ReportSchedule.Frequency.WEEKLY:
        return today - datetime.timedelta(days=7), yesterday
    last_month_end = today.replace(day=1) - datetime.timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end


def _schedule_message(tenant: Tenant, schedule: ReportSchedule,
                      today: datetime.date) -> EmailMessage:
    start, end = schedule_period(schedule.frequency, today=today)
    filters = selectors.ReportFilter(start=start, end=end, branch=schedule.branch)
    with translation.override(schedule.language or settings.LANGUAGE_CODE):
        report = selectors.report_build(key=schedule.report, filters=filters)
        file = exports.report_file(report, schedule.file_format)
        subject = _("%(shop)s: %(report)s") % {"shop": tenant.name, "report": report.title}
        body = "\n".join([
            report.title,
            exports.subtitle(report),
            "",
            _("Net sales: %(amount)s %(currency)s") % {
                "amount": money_text(report.totals.get("net", 0), tenant.currency, label=False),
                "currency": tenant.currency},
            "",
            _("The report is attached. Frequency: %(frequency)s. The owner can change or stop "
              "this email on the sales reports page.") % {
                "frequency": schedule.get_frequency_display()},
        ])
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    message = EmailMessage(subject=f"{prefix}{subject}", body=body, to=schedule.recipient_list)
    message.attach(file.name, file.content, file.content_type)
    return message


@transaction.atomic
def report_schedules_send(*, tenant: Tenant, today: datetime.date | None = None) -> int:
    """Email every active schedule of the shop that is due today (see schedule_is_due),
    one email per schedule with the report attached; `last_sent_on` is recorded in this
    transaction (rows locked, skipped if another run holds them) and the emails leave
    after commit. Returns how many are sent."""
    messages: list[EmailMessage] = []
    with tenant_context(tenant):
        today = today or timezone.localdate()
        rows = (ReportSchedule.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(is_active=True).select_related("branch").order_by("created_at"))
        for schedule in rows:
            if not schedule_is_due(schedule, today=today):
                continue
            messages.append(_schedule_message(tenant, schedule, today))
            schedule.last_sent_on = today
            schedule.save(update_fields=["last_sent_on"])

    def send() -> None:
        for message in messages:
            message.send()

    transaction.on_commit(send)
    return len(messages)
