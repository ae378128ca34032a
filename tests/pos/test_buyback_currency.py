"""A buy-back keeps the currency it was made in (BuyBack.currency): the shop's at that
moment, or its sale's when credited to one. Its payout is rounded in it, and its list,
page, receipt (page, PDF, email) and the shift's Z report still say it after the shop
changes currency. Migration pos/0014 fills the rows made before the column."""

import importlib
import io
import uuid
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from pos.models import BuyBack, Sale
from tenants.context import tenant_context
from tenants.models import Tenant
from tenants.money import money_text
from tests.pos.conftest import open_shift
from tests.pos.test_buybacks import buy
from tests.pos.test_exchange import GOLD, _add_gold, _cart_worth_1000, _complete
from tests.pos.test_views import client_for

D = Decimal
pytestmark = pytest.mark.django_db


def stored_currency(s, row) -> str:
    with tenant_context(s.tenant):
        return BuyBack.objects.filter(pk=row.pk).values_list("currency", flat=True).get()


def switch_currency(s, currency: str) -> None:
    Tenant.objects.filter(pk=s.tenant.pk).update(currency=currency)
    s.tenant.refresh_from_db()


def test_the_stored_currency_is_the_shops_at_creation_and_rounds_the_payout(shop_a) -> None:
    s = shop_a
    shift = open_shift(s, D("1000.00"))
    # 1.234 g x 0.97 x 60.5 = 72.41627: cents in dollars, whole rials in rials.
    figures = {"weight": "1.234", "karat": 18, "melt_loss_percent": "3", "rate": "60.5"}
    dollars = buy(s, shift, **figures)
    assert dollars.payout == D("72.42")
    assert stored_currency(s, dollars) == "USD"
    switch_currency(s, "IRR")
    rials = buy(s, shift, settlement="credit", **figures)
    assert rials.payout == D("72")
    assert stored_currency(s, rials) == "IRR"
    # The first one did not follow the shop.
    assert stored_currency(s, dollars) == "USD"


def test_a_buy_back_credited_to_a_sale_carries_the_sales_currency(shop_a) -> None:
    s = shop_a
    shift = open_shift(s, D("200.00"))
    _cart_worth_1000(s, shift)
    _add_gold(s, shift)
    sale = _complete(s, shift, uuid.uuid4(), [("cash", D("700.00"), "")])
    with tenant_context(s.tenant):
        row = BuyBack.objects.get(sale=sale)
        sale = Sale.objects.get(pk=sale.pk)
    assert row.payout == D("300.00") and sale.currency == "USD"
    assert stored_currency(s, row) == sale.currency
    switch_currency(s, "IRR")
    page = client_for(s.manager).get(reverse("pos:buyback-list")).content.decode()
    assert money_text(D("300.00"), "USD") in page


def test_a_cash_buy_back_still_shows_its_currency_after_the_shop_switches(shop_a) -> None:
    """Bought for 72.42 dollars; the shop then moves to rials (0 decimals). The list, the
    page, the receipt (page, PDF, email) and the shift's Z report still say dollars."""
    s = shop_a
    shift = open_shift(s, D("1000.00"))
    row = buy(s, shift, weight="1.234", karat=18, melt_loss_percent="3", rate="60.5")
    dollars = money_text(row.payout, "USD")
    assert dollars == "$72.42"
    switch_currency(s, "IRR")
    c = client_for(s.manager)
    kwargs = {"buy_back_id": row.pk}

    listed = c.get(reverse("pos:buyback-list")).content.decode()
    assert dollars in listed and "IRR" not in listed.split("<tbody>")[1]
    detail = c.get(reverse("pos:buyback-detail", kwargs=kwargs)).content.decode()
    assert dollars in detail.split('id="payout">')[1].split("</dd>")[0]

    page = c.get(reverse("pos:buyback-receipt", kwargs=kwargs)).content.decode()
    body = page.split('id="receipt"')[1].split("</article>")[0]
    assert "<span>Currency</span><span>$</span>" in body
    assert dollars in body and "IRR" not in body
    text = (
        PdfReader(io.BytesIO(c.get(reverse("pos:buyback-receipt-pdf", kwargs=kwargs)).content))
        .pages[0]
        .extract_text()
    )
    assert "Currency\n$\n" in text and dollars in text and "IRR" not in text
    c.post(reverse("pos:buyback-receipt-email", kwargs=kwargs), {"email": "seller@example.com"})
    assert "Currency: $\n" in mail.outbox[-1].body and "IRR" not in mail.outbox[-1].body

    report = c.get(reverse("pos:shift-report", kwargs={"shift_id": shift.pk})).content.decode()
    assert dollars in report.split('id="z-payouts">')[1].split("</dd>")[0]
    assert (
        money_text(D("1000.00") - row.payout, "USD")
        in report.split('id="z-expected">')[1].split("</dd>")[0]
    )
    assert "IRR" not in report.split('<dl class="mt-4')[1].split("</dl>")[0]


def test_the_migration_fills_old_rows_from_their_sale_or_the_shops_audit_trail(
    shop_a, shop_b
) -> None:
    """Rows made before the column (blank): a credited one gets its sale's currency; a
    cash one the shop's currency when it was made, read from the Tenant audit trail
    (the "from" of the first change after it), else the shop's currency now. Each shop's
    rows are filled in its own scope; another shop's rows get that shop's currency."""
    migration = importlib.import_module("pos.migrations.0014_buyback_currency")
    s = shop_a
    shift = open_shift(s, D("1000.00"))
    figures = {"weight": "1.000", "karat": 18}
    before = buy(s, shift, **figures)
    credited = s.extra["buy_back"]  # the world's, credited to the world's dollar sale
    # The shop changes currency through a save (what tenant_update does): audited.
    tenant = Tenant.objects.get(pk=s.tenant.pk)
    tenant.currency = "IRR"
    tenant.save(update_fields=["currency"])
    s.tenant.refresh_from_db()
    after = buy(s, shift, **figures)
    other = buy(shop_b, open_shift(shop_b, D("1000.00")), **figures)
    now = timezone.now()
    from auditlog.models import LogEntry

    entry = LogEntry.objects.get_for_object(tenant).filter(action=1).latest("timestamp")
    assert entry.changes["currency"] == ["USD", "IRR"]
    LogEntry.objects.filter(pk=entry.pk).update(timestamp=now - timedelta(days=1))
    with tenant_context(s.tenant):
        BuyBack.objects.filter(pk=credited.pk).update(sale=s.extra["sale"], settlement="sale")
        BuyBack.objects.filter(pk=before.pk).update(created_at=now - timedelta(days=2))
        BuyBack.objects.update(currency="")
    with tenant_context(shop_b.tenant):
        BuyBack.objects.update(currency="")

    migration.currency_fill(apps, SimpleNamespace(connection=connection))

    assert s.extra["sale"].currency == "USD"
    assert stored_currency(s, credited) == "USD"
    assert stored_currency(s, before) == "USD"
    assert stored_currency(s, after) == "IRR"
    assert stored_currency(shop_b, other) == shop_b.tenant.currency == "USD"
    with tenant_context(shop_b.tenant):
        assert not BuyBack.objects.filter(currency="").exists()


def test_a_row_without_a_currency_shows_in_the_shops(shop_a) -> None:
    """A blank row (written by the previous release during a deploy) shows in the shop's
    currency, as before the column."""
    s = shop_a
    shift = open_shift(s, D("1000.00"))
    row = buy(s, shift, **GOLD)
    with tenant_context(s.tenant):
        BuyBack.objects.filter(pk=row.pk).update(currency="")
    switch_currency(s, "IRR")
    page = client_for(s.manager).get(reverse("pos:buyback-list")).content.decode()
    assert money_text(row.payout, "IRR") in page
