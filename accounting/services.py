"""Every write of the accounting module; the only module that imports django-ledger.

One ledger entity per shop (created with the shop through tenants.hooks), with the
jewelry chart of accounts (accounting/chart.py) and one journal ("ledger" in
django-ledger's words). Domain events become balanced journal entries through the
posting rules in accounting/rules.py; `journal_post` writes one entry and its
Posting row (UNIQUE per source event, so an event is posted once) in one
transaction.

Everything here runs inside tenant_context(tenant): django-ledger's tables are
under RLS, so its queries see the shop's own rows only.
"""

from __future__ import annotations

import contextvars
import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import jdatetime
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ledger.models import (
    AccountModel,
    EntityModel,
    JournalEntryModel,
    LedgerModel,
    TransactionModel,
)

from tenants.context import require_tenant, tenant_context
from tenants.errors import BusinessRuleError
from tenants.models import Tenant, User

from .chart import CHART
from .models import FiscalYear, Posting, PostingFailure, SalesDay
from .selectors import CLOSING_ORIGIN

log = logging.getLogger(__name__)
ZERO = Decimal("0")
JOURNAL_XID = "zargar-journal"


class AccountingNotSetUp(BusinessRuleError):
    pass


# --- entity and chart --------------------------------------------------------------


def _entity_admin(tenant: Tenant) -> User:
    owner = (User.objects.filter(tenant=tenant, role=User.Role.OWNER)
             .order_by("date_joined").first())
    if owner is None:
        raise AccountingNotSetUp(_("The shop has no owner to keep its books."))
    return owner


@transaction.atomic
def entity_create(*, tenant: Tenant, owner: User | None = None) -> EntityModel:
    """The shop's ledger entity with the jewelry chart of accounts and its journal.

    Idempotent: a shop that has one keeps it (and gets any account the chart gained
    since). The database allows one entity per tenant."""
    with tenant_context(tenant):
        entity = EntityModel.objects.filter().first()
        if entity is None:
            entity = EntityModel.create_entity(
                name=tenant.name[:150], use_accrual_method=True,
                admin=owner or _entity_admin(tenant), fy_start_month=1)
            coa = entity.create_chart_of_accounts(assign_as_default=True, commit=True,
                                                  coa_name="Zargar")
        else:
            coa = entity.default_coa
        have = set(AccountModel.objects.filter(coa_model=coa).values_list("code", flat=True))
        roots = coa.get_coa_root_accounts_qs()
        for account in CHART:
            if account.code in have:
                continue
            coa.create_account(code=account.code, role=account.role,
                               name=str(account.name)[:100], balance_type=account.balance_type,
                               active=True, root_account_qs=roots)
        LedgerModel.objects.get_or_create(
            entity=entity, ledger_xid=JOURNAL_XID,
            defaults={"name": "Zargar journal", "posted": True})
        return entity


def entity_for_new_tenant(*, tenant: Tenant, owner: User) -> None:
    """tenants.hooks: every new shop gets its books in the same transaction."""
    entity_create(tenant=tenant, owner=owner)


def entity_get() -> EntityModel:
    require_tenant()
    entity = EntityModel.objects.filter().select_related("default_coa").first()
    if entity is None:
        raise AccountingNotSetUp(
            _("This shop's books are not set up yet (manage.py accounting_entities)."))
    return entity


@dataclass
class Books:
    entity: EntityModel
    journal: LedgerModel
    accounts: dict[str, AccountModel]  # by chart key


def books_get() -> Books:
    """The shop's entity, journal and accounts by chart key, read under the scope."""
    entity = entity_get()
    journal = LedgerModel.objects.get(entity=entity, ledger_xid=JOURNAL_XID)
    by_code = {a.code: a for a in AccountModel.objects.filter(coa_model_id=entity.default_coa_id,
                                                              code__in=[c.code for c in CHART])}
    return Books(entity, journal, {a.key: by_code[a.code] for a in CHART if a.code in by_code})


# --- journal entries ---------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    account: str  # chart key
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    memo: str = ""


def _net(lines: Iterable[Line]) -> list[Line]:
    """One line per account and side; zero lines dropped; negative amounts flipped."""
    totals: dict[str, Decimal] = {}
    memos: dict[str, str] = {}
    for line in lines:
        totals[line.account] = totals.get(line.account, ZERO) + line.debit - line.credit
        memos.setdefault(line.account, line.memo)
    out = []
    for key, amount in totals.items():
        if amount > 0:
            out.append(Line(key, debit=amount, memo=memos[key]))
        elif amount < 0:
            out.append(Line(key, credit=-amount, memo=memos[key]))
    return out


class JournalUnbalanced(BusinessRuleError):
    pass


class FiscalYearClosed(BusinessRuleError):
    pass


class AccountMissing(BusinessRuleError):
    pass


# A late posting (posting_failure_retry with late=True) is dated this instead of the
# event's own time: the event's year is closed, so it goes into today's books.
_posting_date: contextvars.ContextVar[datetime.datetime | None] = contextvars.ContextVar(
    "accounting_posting_date", default=None)


def _open_period_check(occurred_at: datetime.datetime) -> None:
    """Refuse a posting dated in a closed fiscal year. The year's row is read FOR SHARE:
    postings run side by side, while a closing (FOR UPDATE) waits for them to commit and
    a posting that comes after the closing sees it closed."""
    day = timezone.localtime(occurred_at).date()
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT name, status FROM accounting_fiscalyear WHERE start <= %s AND "end" >= %s '
            "FOR SHARE", [day, day])
        row = cursor.fetchone()
    if row is not None and row[1] == FiscalYear.Status.CLOSED:
        raise FiscalYearClosed(
            _("%(day)s is in fiscal year %(year)s, which is closed: nothing can be posted "
              "in it any more.") % {"day": day.isoformat(), "year": row[0]})


def journal_post(*, books: Books, source: str, source_id: Any, kind: str, lines: list[Line],
                 occurred_at: datetime.datetime, description: str,
                 reference: str = "", origin: str = "zargar") -> Posting | None:
    """Write one posted journal entry for a source event, exactly once.

    Returns the new Posting, or None when the event was posted before (by anyone:
    the unique constraint decides). Debits must equal credits to the cent."""
    require_tenant()
    late = _posting_date.get()
    if late is not None:
        description = f"{description} (late: of {timezone.localtime(occurred_at).date()})"
        occurred_at = late
    lines = _net(lines)
    missing = sorted({ln.account for ln in lines if ln.account not in books.accounts})
    if missing:
        from .chart import BY_KEY

        raise AccountMissing(
            _("The chart of accounts has no account %(accounts)s: restore it "
              "(manage.py accounting_entities) and post again.")
            % {"accounts": ", ".join(f"{BY_KEY[k].code} {BY_KEY[k].name}" for k in missing)})
    debits = sum((ln.debit for ln in lines), ZERO)
    credits = sum((ln.credit for ln in lines), ZERO)
    if debits != credits:
        raise JournalUnbalanced(
            _("Journal entry for %(ref)s does not balance: debits %(d)s, credits %(c)s.")
            % {"ref": reference or description, "d": debits, "c": credits})
    if Posting.objects.filter(source=source, source_id=source_id).exists():
        return None
    _open_period_check(occurred_at)
    try:
        with transaction.atomic():
            je = JournalEntryModel(ledger=books.journal, timestamp=occurred_at,
                                   description=description[:120], origin=origin)
            je.save(verify=False)
            # Claim the event before the entry gets its lines: a concurrent poster
            # of the same event fails here and rolls its entry back.
            posting = Posting.objects.create(source=source, source_id=source_id, kind=kind,
                                             journal_entry_id=je.uuid,
                                             reference=reference[:100],
                                             occurred_at=occurred_at)
            if lines:
                TransactionModel.objects.bulk_create([
                    TransactionModel(journal_entry=je, account=books.accounts[ln.account],
                                     tx_type="debit" if ln.debit else "credit",
                                     amount=ln.debit or ln.credit,
                                     description=(ln.memo or description)[:100])
                    for ln in lines
                ])
                je.mark_as_posted(commit=True, verify=True, force_lock=True,
                                  raise_exception=True)
            return posting
    except IntegrityError:
        if Posting.objects.filter(source=source, source_id=source_id).exists():
            return None  # posted meanwhile by another worker
        raise


def sales_day_add(*, day: datetime.date, branch_id: Any, count: int = 0,
                  sales: Decimal = ZERO, tax: Decimal = ZERO, cost: Decimal = ZERO,
                  returns: Decimal = ZERO, buybacks: Decimal = ZERO) -> None:
    """Add to the dashboard's figures for a branch and day (row created on first use)."""
    require_tenant()
    row, _created = SalesDay.objects.get_or_create(day=day, branch_id=branch_id)
    SalesDay.objects.filter(pk=row.pk).update(
        sales_count=F("sales_count") + count, sales_total=F("sales_total") + sales,
        tax_total=F("tax_total") + tax, cost_total=F("cost_total") + cost,
        returns_total=F("returns_total") + returns, buybacks_total=F("buybacks_total") + buybacks)


# --- posting the outbox ----------------------------------------------------------------


def pending_post(*, tenant: Tenant, limit: int = 500) -> int:
    """Post up to `limit` unposted events of each kind (oldest first); returns how many.

    Each event is posted in its own savepoint so one bad event does not hold up the
    others: it is recorded as a PostingFailure with its reason (and left out of the
    automatic posting from then on) for the owner to post again once the cause is
    fixed."""
    from . import rules

    posted = 0
    with tenant_context(tenant):
        books = books_get()
        for source in rules.SOURCES:
            for event in source.pending(limit=limit):
                try:
                    with transaction.atomic():
                        if source.post(books=books, event=event) is not None:
                            posted += 1
                except BusinessRuleError as exc:
                    log.warning("accounting: cannot post %s %s: %s", source.name, event.pk,
                                exc.message)
                    posting_failure_record(source=source, event=event, exc=exc)
    return posted


def _cause(exc: BusinessRuleError) -> str:
    if isinstance(exc, FiscalYearClosed):
        return PostingFailure.Cause.CLOSED_YEAR
    if isinstance(exc, AccountMissing):
        return PostingFailure.Cause.MISSING_ACCOUNT
    if isinstance(exc, JournalUnbalanced):
        return PostingFailure.Cause.UNBALANCED
    return PostingFailure.Cause.OTHER


def posting_failure_record(*, source: Any, event: Any, exc: BusinessRuleError) -> PostingFailure:
    """Record (or update) why `event` of `source` could not be posted."""
    require_tenant()
    failure, created = PostingFailure.objects.get_or_create(
        source=source.name, source_id=event.pk,
        defaults={"reason": exc.message, "cause": _cause(exc),
                  "reference": source.reference(event)[:100],
                  "occurred_at": source.occurred_at(event)})
    if not created:
        failure.reason, failure.cause = exc.message, _cause(exc)
        failure.attempts += 1
        failure.save(update_fields=["reason", "cause", "attempts", "last_failed_at"])
    return failure


def posting_failure_retry(*, tenant: Tenant, actor: User, failure: PostingFailure,
                          late: bool = False) -> Posting | None:
    """The owner posts a failed event again (after fixing the cause). `late`: an event
    dated in a closed fiscal year is posted dated now instead (its date is kept in the
    entry's description). On success the failure is deleted; else it keeps the new
    reason and the error is raised with it."""
    from . import rules

    if actor.tenant_id != tenant.pk or actor.role != User.Role.OWNER:
        raise BusinessRuleError(_("Only the owner posts events again."))
    error = None
    posting = None
    with transaction.atomic(), tenant_context(tenant):
        failure = PostingFailure.objects.select_for_update().filter(pk=failure.pk).first()
        if failure is None:
            raise BusinessRuleError(_("This event was posted meanwhile."))
        source = rules.SOURCES_BY_NAME[failure.source]
        event = source.get(failure.source_id)
        if event is not None:  # (an event that no longer exists has nothing to post)
            token = _posting_date.set(timezone.now() if late else None)
            try:
                with transaction.atomic():
                    posting = source.post(books=books_get(), event=event)
            except BusinessRuleError as exc:
                posting_failure_record(source=source, event=event, exc=exc)
                error = exc.message
            finally:
                _posting_date.reset(token)
        if error is None:
            failure.delete()
    if error is not None:  # raised after the commit that kept the new reason
        raise PostingStillFailing(error)
    return posting


class PostingStillFailing(BusinessRuleError):
    """Raised by posting_failure_retry after the failure row was updated."""



def all_pending_post(*, tenant: Tenant, batch: int = 500) -> int:
    """Post everything waiting (the backfill): batches until nothing is left."""
    total = 0
    while True:
        n = pending_post(tenant=tenant, limit=batch)
        total += n
        if n == 0:
            return total


def now() -> datetime.datetime:
    return timezone.now()


# --- fiscal years and closing -----------------------------------------------------------

MAX_YEAR_DAYS = 372  # a first or changed year may be a little longer than a year


def fiscal_year_default_end(start: datetime.date) -> datetime.date:
    """The day before the same Jalali date a year later (1 Farvardin 1404 -> 29 Esfand 1404)."""
    j = jdatetime.date.fromgregorian(date=start)
    try:
        nxt = j.replace(year=j.year + 1)
    except ValueError:  # 30 Esfand of a leap year
        nxt = jdatetime.date(j.year + 1, 12, 29) + datetime.timedelta(days=1)
    return nxt.togregorian() - datetime.timedelta(days=1)


def fiscal_year_default_name(start: datetime.date, end: datetime.date) -> str:
    j = jdatetime.date.fromgregorian(date=start)
    if (j.month, j.day) == (1, 1):
        return str(j.year)
    return str(start.year) if start.year == end.year else f"{start.year}-{end.year}"


@transaction.atomic
def fiscal_year_create(*, tenant: Tenant, actor: User | None, start: datetime.date,
                       end: datetime.date | None = None, name: str = "") -> FiscalYear:
    """A fiscal year from `start` (by default a Jalali year long); years never overlap."""
    with tenant_context(tenant):
        end = end or fiscal_year_default_end(start)
        if end <= start:
            raise BusinessRuleError(_("The last day must come after the first day."), field="end")
        if (end - start).days >= MAX_YEAR_DAYS:
            raise BusinessRuleError(_("A fiscal year can be at most a year and a week long."),
                                    field="end")
        overlap = FiscalYear.objects.filter(start__lte=end, end__gte=start).first()
        if overlap is not None:
            raise BusinessRuleError(
                _("These dates overlap fiscal year %(name)s.") % {"name": overlap.name},
                field="start")
        name = (name or "").strip() or fiscal_year_default_name(start, end)
        return FiscalYear.objects.create(name=name[:40], start=start, end=end)


def closing_lines(*, start: datetime.date, end: datetime.date) -> tuple[list[Line], Decimal]:
    """The closing entry of a period: every income, cost of sales and expense account
    brought to zero against retained earnings; returns the lines and the net income."""
    from .chart import BY_CODE
    from .selectors import balances

    lines: list[Line] = []
    net_income = ZERO
    for code, balance in balances(start=start, end=end, closing=False).items():
        account = BY_CODE.get(code)
        if account is None or account.section not in ("income", "cogs", "expense") or not balance:
            continue
        net_income -= balance  # debit-positive: income is negative
        if balance > 0:
            lines.append(Line(account.key, credit=balance))
        else:
            lines.append(Line(account.key, debit=-balance))
    if net_income > 0:
        lines.append(Line("retained", credit=net_income))
    elif net_income < 0:
        lines.append(Line("retained", debit=-net_income))
    return lines, net_income


@transaction.atomic
def fiscal_year_close(*, tenant: Tenant, actor: User | None, year: FiscalYear) -> FiscalYear:
    """Close an ended year: post its closing entry (dated its last day, posted and locked)
    and refuse postings dated in it from then on. Earlier years must be closed first."""
    with tenant_context(tenant):
        year = FiscalYear.objects.select_for_update().get(pk=year.pk)
        if year.status == FiscalYear.Status.CLOSED:
            raise BusinessRuleError(_("Fiscal year %(name)s is already closed.")
                                    % {"name": year.name})
        if year.end >= timezone.localdate():
            raise BusinessRuleError(_("Fiscal year %(name)s has not ended yet.")
                                    % {"name": year.name})
        earlier = (FiscalYear.objects.filter(status=FiscalYear.Status.OPEN, start__lt=year.start)
                   .order_by("start").first())
        if earlier is not None:
            raise BusinessRuleError(_("Close fiscal year %(name)s first.") % {"name": earlier.name})
        books = books_get()
        lines, net_income = closing_lines(start=year.start, end=year.end)
        last_moment = timezone.make_aware(datetime.datetime.combine(year.end, datetime.time(23, 59, 59)))
        posting = None
        if lines:
            posting = journal_post(
                books=books, source=Posting.Source.CLOSING, source_id=year.pk, kind="closing",
                lines=lines, occurred_at=last_moment, reference=f"FY {year.name}",
                description=f"Closing of fiscal year {year.name}", origin=CLOSING_ORIGIN)
        year.status = FiscalYear.Status.CLOSED
        year.net_income = net_income
        year.closing_entry_id = posting.journal_entry_id if posting else None
        year.closed_at = timezone.now()
        year.closed_by = actor
        year.save()
        return year
