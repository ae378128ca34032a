"""Entities per shop, the jewelry chart, and posting sales and stock to the ledger."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django_ledger.models import EntityModel, JournalEntryModel, TransactionModel

from accounting import services
from accounting.chart import CHART
from accounting.models import Posting, SalesDay
from pos.models import SaleEvent
from tenants.context import tenant_context
from tests.factories import item_make, pos_sale_make


def _balances() -> dict[str, Decimal]:
    """Debit-positive balance per account code, posted entries only."""
    out: dict[str, Decimal] = {}
    for tx in TransactionModel.objects.filter(journal_entry__posted=True).select_related("account"):
        sign = 1 if tx.tx_type == "debit" else -1
        out[tx.account.code] = out.get(tx.account.code, Decimal(0)) + sign * tx.amount
    return out


@pytest.mark.django_db
def test_each_shop_gets_one_entity_with_the_jewelry_chart(shop_a, shop_b) -> None:
    for s in (shop_a, shop_b):
        with tenant_context(s.tenant):
            assert EntityModel.objects.count() == 1
            books = services.books_get()
            assert set(books.accounts) == {a.key for a in CHART}
            assert books.entity.admin_id == s.owner.pk
    # Idempotent: running it again adds nothing.
    services.entity_create(tenant=shop_a.tenant)
    with tenant_context(shop_a.tenant):
        assert EntityModel.objects.count() == 1
        assert len(services.books_get().accounts) == len(CHART)


@pytest.mark.django_db
def test_the_worlds_sale_and_receipt_are_posted_balanced_and_isolated(shop_a, shop_b) -> None:
    with tenant_context(shop_a.tenant):
        sale = shop_a.extra["sale"]
        ring = shop_a.extra["item"]
        balances = _balances()
        assert sum(balances.values()) == 0
        assert balances["1010"] == sale.total  # cash
        assert balances["4010"] == -(sale.total - sale.tax_total)
        assert balances["2110"] == -sale.tax_total
        assert balances["5010"] == ring.cost
        assert balances.get("1210", Decimal(0)) == 0  # received, then sold
        assert not SaleEvent.objects.filter(posted_at__isnull=True).exists()
        day = SalesDay.objects.get()
        assert (day.sales_count, day.sales_total) == (1, sale.total)
        a_entries = set(JournalEntryModel.objects.values_list("uuid", flat=True))
    with tenant_context(shop_b.tenant):
        assert not JournalEntryModel.objects.filter(uuid__in=a_entries).exists()
        assert Posting.objects.count() == 3  # the ring's receipt, its sale, a repair deposit


@pytest.mark.django_db
def test_posting_is_idempotent_and_the_backfill_posts_what_waits(shop_a) -> None:
    t = shop_a.tenant
    with tenant_context(t):
        shift = shop_a.extra["shift"]
    from pos import services as pos

    with tenant_context(t):
        shift = pos.shift_open(tenant=t, actor=shop_a.cashier, terminal=shop_a.terminal)
    piece = item_make(shop_a, cost=Decimal("120.00"))
    from inventory import services as inventory

    with tenant_context(t):
        inventory.stock_move(tenant=t, actor=shop_a.owner, item=piece, branch=shop_a.main,
                             kind="purchase_receipt", quantity=1, reference="PO-2")
    sale = pos_sale_make(shop_a, shift=shift, lines=[(piece, 1, Decimal(0))],
                         payments=None)
    with tenant_context(t):
        before = Posting.objects.count()
    call_command("accounting_backfill", tenant=t.slug)
    call_command("accounting_backfill", tenant=t.slug)
    assert services.pending_post(tenant=t) == 0
    with tenant_context(t):
        assert Posting.objects.count() == before + 2  # the receipt and the sale
        entry = Posting.objects.get(source=Posting.Source.SALE_EVENT,
                                    source_id=SaleEvent.objects.get(sale=sale).pk)
        je = JournalEntryModel.objects.get(uuid=entry.journal_entry_id)
        assert je.posted and je.locked
        balances = _balances()
        assert sum(balances.values()) == 0
        assert balances["5010"] == shop_a.extra["item"].cost + Decimal("120.00")
        # Posting the same event again writes nothing.
        books = services.books_get()
        event = SaleEvent.objects.get(sale=sale)
        from accounting import rules

        assert rules._sale_completed(books, event) is None
        assert Posting.objects.filter(source_id=event.pk).count() == 1


@pytest.mark.django_db
def test_an_unbalanced_entry_is_refused(shop_a) -> None:
    with tenant_context(shop_a.tenant):
        books = services.books_get()
        with pytest.raises(services.JournalUnbalanced):
            services.journal_post(
                books=books, source=Posting.Source.SALE_EVENT,
                source_id="00000000-0000-0000-0000-000000000001", kind="x",
                lines=[services.Line("cash", debit=Decimal("1"))],
                occurred_at=services.now(), description="bad")


@pytest.mark.django_db
def test_a_return_and_a_buy_back_are_posted_by_hand_computed_rules(shop_a) -> None:
    """The world's return (the ring, refunded in cash) and buy-back (120.00 cash for old
    gold) get their outbox events; posting them gives the figures computed here."""
    t = shop_a.tenant
    sale, ring = shop_a.extra["sale"], shop_a.extra["item"]
    with tenant_context(t):
        SaleEvent.objects.create(kind="sale.returned", sale_return=shop_a.extra["sale_return"])
        SaleEvent.objects.create(kind="buyback.completed", buy_back=shop_a.extra["buy_back"])
    assert services.pending_post(tenant=t) == 2
    assert services.pending_post(tenant=t) == 0
    with tenant_context(t):
        balances = _balances()
        net = sale.total - sale.tax_total
        assert sum(balances.values()) == 0
        assert balances["1010"] == -Decimal("120.00")  # sold, refunded, paid out
        assert balances["4010"] == -net and balances["4020"] == net  # sales, returns
        assert balances.get("2110", Decimal(0)) == 0  # tax charged, then given back
        assert balances.get("5010", Decimal(0)) == 0  # cost out with the sale, back in
        assert balances["1210"] == ring.cost  # received, sold, returned: in stock
        assert balances["1230"] == Decimal("120.00")  # scrap gold
        day = SalesDay.objects.get()
        assert (day.sales_count, day.sales_total, day.returns_total, day.buybacks_total) == (
            1, sale.total, sale.total, Decimal("120.00"))
