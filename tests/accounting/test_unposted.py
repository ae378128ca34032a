"""Events the books refused: recorded with the reason, left out of the automatic
posting, listed for owners and managers, and posted again by the owner once the
cause is fixed (a missing account restored) or dated today (a closed year)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_ledger.models import AccountModel, JournalEntryModel

from accounting import selectors, services
from accounting.models import Posting, PostingFailure
from inventory import services as inventory
from pos.models import Sale, SaleEvent
from repairs import services as repairs
from repairs.models import RepairOrder
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.accounting.test_fiscal import _at, _last_years_books
from tests.factories import item_make, pos_sale_make
from tests.pos.conftest import open_shift
from tests.repairs.money import till_at

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_a_sale_dated_in_a_closed_year_waits_with_its_reason_then_is_posted_dated_today(
        shop_a, shop_b) -> None:
    t = shop_a.tenant
    books = _last_years_books(shop_a)
    year = books["year"]
    services.fiscal_year_close(tenant=t, actor=shop_a.owner, year=year)
    piece = item_make(shop_a, cost=Decimal("10.00"))
    with tenant_context(t):
        inventory.stock_move(tenant=t, actor=shop_a.owner, item=piece, branch=shop_a.main,
                             kind="purchase_receipt", quantity=1)
    late = pos_sale_make(shop_a, shift=books["shift"], lines=[(piece, 1, Decimal(0))])
    with tenant_context(t):
        Sale.objects.filter(pk=late.pk).update(created_at=_at(year.start))
    assert services.pending_post(tenant=t) == 1  # the receipt; the sale is refused
    with tenant_context(t):
        event = SaleEvent.objects.get(sale=late)
        failure = PostingFailure.objects.get(source="pos.saleevent", source_id=event.pk)
    assert failure.cause == "closed_year"
    assert failure.reference == late.display_number and failure.attempts == 1
    assert f"fiscal year {year.name}, which is closed" in failure.reason
    # Left out of the automatic posting from then on.
    assert services.pending_post(tenant=t) == 0
    with tenant_context(t):
        failure.refresh_from_db()
    assert failure.attempts == 1

    url = reverse("accounting:unposted")
    page = _client(shop_a.manager).get(url).content.decode()
    assert late.display_number in page and "which is closed" in page
    assert f'data-retry="{failure.pk}"' not in page  # managers read, owners act
    assert _client(shop_a.cashier).get(url).status_code == 403
    retry = reverse("accounting:unposted-retry", args=[failure.pk])
    assert _client(shop_a.manager).post(retry).status_code == 403
    owner = _client(shop_a.owner)
    page = owner.get(url).content.decode()
    assert f'data-retry="{failure.pk}"' in page and f'data-retry-late="{failure.pk}"' in page
    assert "World: an event that could not be posted" in page  # the world's own
    assert "World" in _client(shop_b.owner).get(url).content.decode()
    assert late.display_number not in _client(shop_b.owner).get(url).content.decode()
    assert _client(shop_b.owner).post(retry).status_code == 404

    # Posting again on its own date is refused again: the reason stays, one more attempt.
    response = owner.post(retry, follow=True)
    assert "is still not posted" in response.content.decode()
    with tenant_context(t):
        failure.refresh_from_db()
    assert failure.attempts == 2
    # Dated today: posted, the failure gone, the event marked posted.
    before = services.now()
    response = owner.post(retry, {"late": "1"}, follow=True)
    assert f"{late.display_number} is posted." in response.content.decode()
    with tenant_context(t):
        assert not PostingFailure.objects.filter(pk=failure.pk).exists()
        posting = Posting.objects.get(source="pos.saleevent", source_id=event.pk)
        assert posting.occurred_at >= before
        entry = JournalEntryModel.objects.get(uuid=posting.journal_entry_id)
        assert f"late: of {year.start.isoformat()}" in entry.description
        assert SaleEvent.objects.get(pk=event.pk).posted_at is not None
        trial = selectors.trial_balance()
    assert trial["debit"] == trial["credit"]


def test_a_missing_account_is_restored_then_the_delivery_is_posted_again(shop_a) -> None:
    t = shop_a.tenant
    with tenant_context(t):
        entity = services.books_get().entity
        # Someone renumbered the repair income account: the chart has no 4030 any more.
        assert AccountModel.objects.filter(coa_model_id=entity.default_coa_id,
                                           code="4030").update(code="4039") == 1
    shift = open_shift(shop_a)
    with tenant_context(t):
        order = repairs.repair_create(
            tenant=t, actor=shop_a.owner, customer=shop_a.extra["customer"], branch=shop_a.main,
            description="Ring: polish", labour_estimate=Decimal("12.00"),
            deposit=Decimal("12.00"), till=till_at(shift))
        RepairOrder.objects.filter(pk=order.pk).update(status="ready")
    repairs.repair_transition(tenant=t, actor=shop_a.owner, order=order, action="deliver",
                              till=till_at(shift))
    assert services.pending_post(tenant=t) == 1  # the deposit; the delivery is refused
    with tenant_context(t):
        failure = PostingFailure.objects.get(source="repairs.delivery")
    assert failure.cause == "missing_account" and failure.reference == f"R-{order.number}"
    assert "4030 Repair income" in failure.reason
    with pytest.raises(BusinessRuleError, match="4030 Repair income"):  # not fixed yet
        services.posting_failure_retry(tenant=t, actor=shop_a.owner, failure=failure)
    with pytest.raises(BusinessRuleError, match="Only the owner"):
        services.posting_failure_retry(tenant=t, actor=shop_a.manager, failure=failure)
    services.entity_create(tenant=t)  # the fix: the chart gets its account back
    posting = services.posting_failure_retry(tenant=t, actor=shop_a.owner, failure=failure)
    assert posting is not None and posting.kind == "repair.delivered"
    with tenant_context(t):
        assert selectors.balances()["4030"] == Decimal("-12.00")
        assert not PostingFailure.objects.filter(pk=failure.pk).exists()
        assert timezone.localtime(posting.occurred_at).date() == timezone.localdate()


def test_the_dashboard_counts_events_not_posted_for_owners_and_managers(shop_a) -> None:
    page = _client(shop_a.owner).get(reverse("home")).content.decode()
    assert 'id="widget-unposted-count">1<' in page
    assert 'id="widget-unposted"' not in _client(shop_a.cashier).get(reverse("home")).content.decode()
    # The world's failure has no event any more: posting it again just clears it.
    failure = shop_a.extra["posting_failure"]
    assert services.posting_failure_retry(tenant=shop_a.tenant, actor=shop_a.owner,
                                          failure=failure) is None
    page = _client(shop_a.owner).get(reverse("home")).content.decode()
    assert 'id="widget-unposted-count">0<' in page
    assert "Every event is posted." in _client(shop_a.owner).get(
        reverse("accounting:unposted")).content.decode()
