"""Alert emails of the inventory (services: they write what was sent, and send after
commit). Recipients are the shop's active owners and managers, each in their language."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.models import Tenant, User
from tenants.money import rate_text
from tenants.selectors import staff_list

from . import selectors
from .models import InventorySettings, Item, Karat, RateAlert, RateBoard

ALERT_ROLES = (User.Role.OWNER, User.Role.MANAGER)
LOW_STOCK_MAX_LINES = 200


def alert_recipients(tenant: Tenant) -> list[User]:
    return [u for u in staff_list(tenant=tenant, status="active")
            if u.role in ALERT_ROLES and u.email]


def _mail_after_commit(recipients: list[User], render: Callable[[], tuple[str, str]]) -> None:
    """Send one email per recipient after the transaction commits, rendered in their
    language (render() returns subject and body)."""
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    messages = []
    for user in recipients:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject, body = render()
        messages.append((f"{prefix}{subject}", body, user.email))

    def send() -> None:
        for subject, body, email in messages:
            send_mail(subject, body, None, [email])

    transaction.on_commit(send)


def _low_stock_body(items: list[Item]) -> str:
    lines = [_("These items are at or below their low-stock threshold:"), ""]
    for item in items[:LOW_STOCK_MAX_LINES]:
        lines.append(_("%(sku)s · %(name)s: %(stock)s in stock (threshold %(threshold)s)") % {
            "sku": item.sku, "name": item.name, "stock": item.stock,
            "threshold": item.low_stock_threshold})
    if len(items) > LOW_STOCK_MAX_LINES:
        lines.append(_("… and %(n)s more.") % {"n": len(items) - LOW_STOCK_MAX_LINES})
    return "\n".join(lines)


@transaction.atomic
def low_stock_alert_send(*, tenant: Tenant) -> int:
    """Email the shop's owners and managers the active items at or below their low-stock
    threshold: at most once a day per shop (the day is recorded on InventorySettings),
    nothing when no item is low. Returns how many emails are sent (after commit)."""
    with tenant_context(tenant):
        row = InventorySettings.objects.select_for_update().first()
        today = timezone.localdate()
        if row is not None and row.low_stock_alerted_on == today:
            return 0
        items = list(selectors.low_stock_list())
        if not items:
            return 0
        recipients = alert_recipients(tenant)
        if not recipients:
            return 0
        row = row or InventorySettings()
        row.low_stock_alerted_on = today
        row.save()

        def render() -> tuple[str, str]:
            return (_("Low stock: %(n)s items at %(shop)s") % {"n": len(items), "shop": tenant.name},
                    _low_stock_body(items))

        _mail_after_commit(recipients, render)
        return len(recipients)


# --- rate alerts -------------------------------------------------------------


def _watched_rates(tenant: Tenant) -> dict[str, Decimal]:
    """The rate per gram each code is watched at: the board's sell rate, else the market."""
    rates = {code: rate.price_per_gram
             for code, rate in selectors.market_latest(currency=tenant.currency).items()}
    rates.update({code: sell for code, sell in RateBoard.objects.values_list("code", "sell_rate")
                  if sell and sell > 0})
    return rates


def _crossed(alert: RateAlert, rate: Decimal) -> bool:
    if alert.direction == RateAlert.Direction.ABOVE:
        return rate >= alert.threshold
    return rate <= alert.threshold


@transaction.atomic
def rate_alerts_check(*, tenant: Tenant) -> int:
    """Compare the shop's active rate alerts with its rates now (called when the board
    changes and after market rates are fetched). An alert that has crossed since the last
    check fires: one email to each owner and manager, `fired_at` recorded; it fires again
    only after the rate went back. Returns how many alerts fired."""
    with tenant_context(tenant):
        rates = _watched_rates(tenant)
        fired: list[tuple[RateAlert, Decimal]] = []
        for alert in RateAlert.objects.select_for_update().filter(is_active=True):
            rate = rates.get(alert.rate_code)
            if rate is None:
                continue
            crossed = _crossed(alert, rate)
            if crossed == alert.triggered:
                continue
            alert.triggered = crossed
            fields = ["triggered"]
            if crossed:
                alert.fired_at = timezone.now()
                fields.append("fired_at")
                fired.append((alert, rate))
            alert.save(update_fields=fields)
        if not fired:
            return 0
        recipients = alert_recipients(tenant)

        def render() -> tuple[str, str]:
            lines = [
                _("%(karat)sK gold is at %(rate)s %(currency)s per gram: %(rule)s %(threshold)s.") % {
                    "karat": a.karat, "rate": rate_text(rate), "currency": tenant.currency,
                    "rule": a.get_direction_display().lower(), "threshold": rate_text(a.threshold)}
                for a, rate in fired
            ]
            return _("Gold rate alert at %(shop)s") % {"shop": tenant.name}, "\n".join(lines)

        if recipients:
            _mail_after_commit(recipients, render)
        return len(fired)


@transaction.atomic
def rate_alert_save(*, tenant: Tenant, actor: User | None, alert: RateAlert | None = None,
                    karat: int, direction: str, threshold: Decimal,
                    is_active: bool = True) -> RateAlert:
    """Create or change a rate alert (owners and managers). The threshold is a positive
    rate per gram; one alert per karat, direction and threshold. A changed alert starts
    afresh (not crossed) and is checked against today's rates at once."""
    if actor is not None and actor.role not in ALERT_ROLES:
        raise BusinessRuleError(_("Only a manager or the owner can set rate alerts."))
    if karat not in Karat.values:
        raise BusinessRuleError(_("Choose a karat."), field="karat")
    if direction not in RateAlert.Direction.values:
        raise BusinessRuleError(_("Choose when the alert fires."), field="direction")
    if threshold is None or not threshold.is_finite() or threshold <= 0 \
            or threshold >= Decimal("1e12"):
        raise BusinessRuleError(_("The threshold must be a positive rate per gram."),
                                field="threshold")
    with tenant_context(tenant):
        others = RateAlert.objects.all() if alert is None else RateAlert.objects.exclude(pk=alert.pk)
        if others.filter(karat=karat, direction=direction, threshold=threshold).exists():
            raise BusinessRuleError(_("The same alert already exists."), field="threshold")
        if alert is None:
            alert = RateAlert()
        else:
            alert = RateAlert.objects.select_for_update().get(pk=alert.pk)
        alert.karat, alert.direction, alert.threshold = karat, direction, threshold
        alert.is_active, alert.triggered = is_active, False
        alert.save()
        rate_alerts_check(tenant=tenant)
        alert.refresh_from_db()
        return alert


@transaction.atomic
def rate_alert_delete(*, tenant: Tenant, actor: User | None, alert: RateAlert) -> None:
    if actor is not None and actor.role not in ALERT_ROLES:
        raise BusinessRuleError(_("Only a manager or the owner can set rate alerts."))
    with tenant_context(tenant):
        RateAlert.objects.filter(pk=alert.pk).delete()
