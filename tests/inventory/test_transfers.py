"""Transfers between branches: the state machine (every state x action), approval by
a manager of the source branch and the value threshold, who ships and receives, stock conserved across
transfers (property test), pieces in transit unsellable, partial receipt recorded."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory import services, transfers
from inventory.models import (
    TRANSFER_ACTIONS,
    StockLevel,
    Transfer,
    TransferEvent,
    TransferLine,
    TransferStatus,
)
from tenants import services as tenants_services
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import item_make

pytestmark = pytest.mark.django_db

S = TransferStatus
LEGAL = {
    (S.DRAFT, "request"): S.REQUESTED,
    (S.REQUESTED, "approve"): S.APPROVED,
    (S.REQUESTED, "reject"): S.REJECTED,
    (S.APPROVED, "ship"): S.IN_TRANSIT,
    (S.IN_TRANSIT, "receive"): S.RECEIVED,
    (S.DRAFT, "cancel"): S.CANCELLED,
    (S.REQUESTED, "cancel"): S.CANCELLED,
    (S.APPROVED, "cancel"): S.CANCELLED,
}


def receive(s, item, quantity, branch=None) -> None:
    with tenant_context(s.tenant):
        services.stock_move(tenant=s.tenant, actor=s.owner, item=item, branch=branch or s.main,
                            kind="purchase_receipt", quantity=quantity, reference="PO-T")


def qty(s, item, branch) -> int:
    with tenant_context(s.tenant):
        level = StockLevel.objects.filter(item=item, branch=branch).first()
        return level.quantity if level else 0


def make(s, lines, source=None, destination=None):
    with tenant_context(s.tenant):
        return transfers.transfer_create(tenant=s.tenant, actor=s.owner,
                                         source=source or s.main,
                                         destination=destination or s.branch, lines=lines)


def act(s, transfer, action, actor=None, **kw):
    return transfers.transfer_transition(tenant=s.tenant, actor=actor or s.owner,
                                         transfer=transfer, action=action, **kw)


def test_every_state_and_action_pair(shop_a) -> None:
    lot = item_make(shop_a, tracking="lot")
    receive(shop_a, lot, 100)
    transfer = make(shop_a, [(lot, 1)])
    checked = 0
    for state in S.values:
        for action in TRANSFER_ACTIONS:
            with tenant_context(shop_a.tenant):
                Transfer.objects.filter(pk=transfer.pk).update(status=state)
                events = TransferEvent.objects.filter(transfer=transfer).count()
            target = LEGAL.get((state, action))
            if target is None:
                with pytest.raises(BusinessRuleError):
                    act(shop_a, transfer, action, note="n")
                with tenant_context(shop_a.tenant):
                    assert Transfer.objects.get(pk=transfer.pk).status == state
                    assert TransferEvent.objects.filter(transfer=transfer).count() == events
            else:
                result = act(shop_a, transfer, action, note="n")
                assert result.status == target
                with tenant_context(shop_a.tenant):
                    event = TransferEvent.objects.filter(transfer=transfer).latest("created_at")
                    assert (event.action, event.from_status, event.to_status, event.actor) == (
                        action, state, target, shop_a.owner)
            checked += 1
    assert checked == len(S.values) * len(TRANSFER_ACTIONS) == 42


def test_approval_needs_a_manager_of_the_source_branch(shop_a) -> None:
    lot = item_make(shop_a, tracking="lot")
    receive(shop_a, lot, 5)
    transfer = make(shop_a, [(lot, 2)])
    act(shop_a, transfer, "request", actor=shop_a.cashier)
    with pytest.raises(BusinessRuleError, match="may not"):
        act(shop_a, transfer, "approve", actor=shop_a.cashier)
    # The manager runs the main branch only (guardian): not the Bazaar's transfers.
    receive(shop_a, lot, 2, branch=shop_a.branch)
    from_bazaar = make(shop_a, [(lot, 1)], source=shop_a.branch, destination=shop_a.main)
    act(shop_a, from_bazaar, "request")
    with pytest.raises(BusinessRuleError, match="may not"):
        act(shop_a, from_bazaar, "approve", actor=shop_a.manager)
    with tenant_context(shop_a.tenant):
        transfer = Transfer.objects.get(pk=transfer.pk)
        assert [a for a, _ in transfers.transfer_actions_for(transfer, shop_a.cashier)] == []
        owner_actions = [a for a, _ in transfers.transfer_actions_for(transfer, shop_a.owner)]
    assert owner_actions == ["approve", "reject", "cancel"]
    assert act(shop_a, transfer, "approve").status == S.APPROVED


def test_staff_without_a_branch_ship_and_receive_anywhere_bound_staff_at_their_own(
        shop_a) -> None:
    """tenants.access.user_works_at: the service refuses what the page shows no button
    for. The shop's cashier has no branch (works in all); Bazaar's is bound to it; the
    manager runs main only."""
    from django.urls import reverse

    from tests.pos.conftest import bazaar_make
    from tests.pos.test_views import client_for

    s, bazaar = shop_a, bazaar_make(shop_a).cashier
    lot = item_make(s, tracking="lot")
    receive(s, lot, 3)
    receive(s, lot, 3, branch=s.branch)

    def approved(source, destination):
        transfer = make(s, [(lot, 1)], source=source, destination=destination)
        act(s, transfer, "request")
        return act(s, transfer, "approve")

    def may(transfer, user) -> list[str]:
        with tenant_context(s.tenant):
            fresh = Transfer.objects.select_related("source", "destination").get(pk=transfer.pk)
            return [a for a, _ in transfers.transfer_actions_for(fresh, user)
                    if a in ("ship", "receive")]

    to_bazaar, to_main = approved(s.main, s.branch), approved(s.branch, s.main)
    # Bound staff ship from their own branch only; the manager of main not from Bazaar.
    for transfer, user in ((to_bazaar, bazaar), (to_main, s.manager)):
        assert may(transfer, user) == []
        with pytest.raises(BusinessRuleError, match="may not"):
            act(s, transfer, "ship", actor=user)
        with tenant_context(s.tenant):
            assert Transfer.objects.get(pk=transfer.pk).status == S.APPROVED
    assert may(to_main, bazaar) == ["ship"]
    # Staff without a branch ship and receive at any branch, and see the buttons.
    detail = reverse("inventory:transfer-detail", args=[to_bazaar.pk])
    assert 'data-action="ship"' in client_for(s.cashier).get(detail).content.decode()
    for transfer in (to_bazaar, to_main):
        assert may(transfer, s.cashier) == ["ship"]
        assert act(s, transfer, "ship", actor=s.cashier).status == S.IN_TRANSIT
    assert (qty(s, lot, s.main), qty(s, lot, s.branch)) == (2, 2)
    assert may(to_main, s.cashier) == may(to_bazaar, bazaar) == ["receive"]
    # Bound staff receive at their own branch only; the manager not at Bazaar.
    for transfer, user in ((to_main, bazaar), (to_bazaar, s.manager)):
        assert may(transfer, user) == []
        with pytest.raises(BusinessRuleError, match="may not"):
            act(s, transfer, "receive", actor=user)
    assert act(s, to_main, "receive", actor=s.cashier).status == S.RECEIVED
    assert act(s, to_bazaar, "receive", actor=bazaar).status == S.RECEIVED
    assert (qty(s, lot, s.main), qty(s, lot, s.branch)) == (3, 3)


def test_below_the_threshold_a_request_is_approved_at_once(shop_a, settings) -> None:
    settings.TRANSFER_APPROVAL_THRESHOLD = Decimal("1000")
    cheap = item_make(shop_a, tracking="lot", cost=Decimal("10.00"))
    receive(shop_a, cheap, 5)
    transfer = act(shop_a, make(shop_a, [(cheap, 3)]), "request", actor=shop_a.cashier)
    assert transfer.status == S.APPROVED
    with tenant_context(shop_a.tenant):
        trail = list(TransferEvent.objects.filter(transfer=transfer).values_list("action",
                                                                                 flat=True))
    assert trail == ["create", "request", "approve"]
    dear = item_make(shop_a, tracking="lot", cost=Decimal("600.00"))
    receive(shop_a, dear, 5)
    assert act(shop_a, make(shop_a, [(dear, 2)]), "request").status == S.REQUESTED


def test_a_serial_piece_in_transit_cannot_be_sold_and_arrives_at_the_destination(shop_a) -> None:
    piece = item_make(shop_a)
    receive(shop_a, piece, 1)
    transfer = make(shop_a, [(piece, 1)])
    for action in ("request", "approve", "ship"):
        transfer = act(shop_a, transfer, action)
    assert qty(shop_a, piece, shop_a.main) == 0 == qty(shop_a, piece, shop_a.branch)
    with tenant_context(shop_a.tenant):
        assert transfers.transfer_in_transit() == {piece.pk: 1}
        for branch in (shop_a.main, shop_a.branch):
            with pytest.raises(BusinessRuleError, match="Not enough stock"):
                services.stock_move(tenant=shop_a.tenant, actor=shop_a.cashier, item=piece,
                                    branch=branch, kind="sale", quantity=-1)
    with tenant_context(shop_a.tenant):  # a cashier who works at the destination
        cashier = tenants_services.staff_invite(
            tenant=shop_a.tenant, actor=shop_a.owner, role="cashier", branch=shop_a.branch,
            email=f"bazaar.{shop_a.tenant.slug}@example.com")
    act(shop_a, transfer, "receive", actor=cashier)
    assert qty(shop_a, piece, shop_a.branch) == 1
    with tenant_context(shop_a.tenant):
        assert transfers.transfer_in_transit() == {}


def test_partial_receipt_records_the_discrepancy(shop_a) -> None:
    lot = item_make(shop_a, tracking="lot", net_weight=Decimal("2.000"))
    receive(shop_a, lot, 10)
    transfer = make(shop_a, [(lot, 4)])
    for action in ("request", "approve", "ship"):
        transfer = act(shop_a, transfer, action)
    with tenant_context(shop_a.tenant):
        line = TransferLine.objects.get(transfer=transfer)
    with pytest.raises(BusinessRuleError, match="between 0 and 4"):
        act(shop_a, transfer, "receive", received={line.pk: (5, None)})
    act(shop_a, transfer, "receive", received={line.pk: (3, Decimal("5.900"))})
    with tenant_context(shop_a.tenant):
        line = TransferLine.objects.get(transfer=transfer)
    assert line.quantity_received == 3 and line.weight_received == Decimal("5.900")
    assert "1 missing" in line.discrepancy and "5.900" in line.discrepancy
    assert qty(shop_a, lot, shop_a.main) == 6 and qty(shop_a, lot, shop_a.branch) == 3


def test_dispatch_without_the_stock_is_refused_and_changes_nothing(shop_a) -> None:
    lot = item_make(shop_a, tracking="lot")
    receive(shop_a, lot, 1)
    transfer = make(shop_a, [(lot, 3)])
    act(shop_a, transfer, "request")
    act(shop_a, transfer, "approve")
    with pytest.raises(BusinessRuleError, match="Not enough stock"):
        act(shop_a, transfer, "ship")
    assert qty(shop_a, lot, shop_a.main) == 1
    with tenant_context(shop_a.tenant):
        assert Transfer.objects.get(pk=transfer.pk).status == S.APPROVED


# --- acceptance 2: stock is conserved -----------------------------------------

step = st.tuples(
    st.integers(0, 1),  # direction: main -> bazaar or back
    st.integers(1, 4),  # pieces of the lot
    st.booleans(),  # include the serial piece
    st.sampled_from(["receive", "receive", "cancel", "reject", "stay"]),  # how it ends
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_stock_is_conserved_across_transfers(shop_a, steps) -> None:
    s = shop_a
    lot = item_make(s, tracking="lot")
    piece = item_make(s)
    receive(s, lot, 6)
    receive(s, lot, 4, branch=s.branch)
    receive(s, piece, 1)
    branches = [s.main, s.branch]

    def total(item) -> int:
        with tenant_context(s.tenant):
            held = StockLevel.objects.filter(item=item).aggregate(t=Sum("quantity"))["t"] or 0
            return held + transfers.transfer_in_transit().get(item.pk, 0)

    for direction, n, with_piece, end in steps:
        source, destination = branches[direction], branches[1 - direction]
        lines = [(lot, n)] + ([(piece, 1)] if with_piece else [])
        try:
            transfer = make(s, lines, source=source, destination=destination)
            act(s, transfer, "request")
            if end == "reject":
                act(s, transfer, "reject", note="no")
            elif end == "cancel":
                act(s, transfer, "cancel")
            else:
                act(s, transfer, "approve")
                act(s, transfer, "ship")
                if end == "receive":
                    act(s, transfer, "receive")
        except BusinessRuleError:
            pass  # not enough stock at the source: refused, nothing moved
        assert total(lot) == 10 and total(piece) == 1
        for item in (lot, piece):
            for branch in branches:
                assert qty(s, item, branch) >= 0


# --- pages ----------------------------------------------------------------------


@pytest.mark.django_db(databases=["default", "platform"])
def test_pages_request_approve_and_isolation(shop_a, shop_b) -> None:
    from django.test import Client
    from django.urls import reverse

    lot = item_make(shop_a, tracking="lot", sku="LOT-T1")
    receive(shop_a, lot, 4)
    client = Client()
    client.force_login(shop_a.owner)
    response = client.post(reverse("inventory:transfer-create"), {
        "source": shop_a.main.pk, "destination": shop_a.branch.pk, "lines": "LOT-T1 2",
        "submit": "request"})
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        transfer = Transfer.objects.get(lines__item=lot)
    assert transfer.status == S.REQUESTED
    body = client.get(response["Location"]).content.decode()
    assert 'data-action="approve"' in body and "LOT-T1" in body
    bad = client.post(reverse("inventory:transfer-create"), {
        "source": shop_a.main.pk, "destination": shop_a.branch.pk, "lines": "NOPE 1"})
    assert bad.status_code == 422 and "No item with SKU or barcode NOPE" in bad.content.decode()
    url = reverse("inventory:transfer-transition", args=[transfer.pk])
    assert client.post(url, {"action": "receive"}).status_code == 422
    assert client.post(url, {"action": "approve"}).status_code == 302
    assert client.get(reverse("inventory:transfer-detail",
                              args=[shop_b.extra["transfer"].pk])).status_code == 404
    body = client.get(reverse("home")).content.decode()
    assert 'id="widget-pending-transfers"' in body


def test_bound_staff_see_and_make_only_their_branchs_transfers(shop_a, shop_b) -> None:
    """A cashier bound to Bazaar lists and opens the transfers leaving or coming to
    Bazaar; one between main and a third branch answers 404 to them, as another shop's
    does to everyone. Owners, managers and staff without a branch see all."""
    from django.urls import reverse

    from tests.pos.conftest import bazaar_make
    from tests.pos.test_views import client_for

    s, bazaar = shop_a, bazaar_make(shop_a).cashier
    with tenant_context(s.tenant):
        north = tenants_services.branch_create(tenant=s.tenant, actor=s.owner, name="North",
                                                code="NTH")
    lot = item_make(s, tracking="lot")
    receive(s, lot, 5)
    theirs = make(s, [(lot, 1)], source=s.main, destination=s.branch)
    other = make(s, [(lot, 1)], source=s.main, destination=north)

    def detail(t) -> str:
        return reverse("inventory:transfer-detail", args=[t.pk])

    c = client_for(bazaar)
    html = c.get(reverse("inventory:transfer-list")).content.decode()
    assert detail(theirs) in html and detail(other) not in html
    assert c.get(detail(theirs)).status_code == 200
    assert c.get(detail(other)).status_code == 404
    response = c.post(reverse("inventory:transfer-transition", args=[other.pk]),
                      {"action": "cancel"})
    assert response.status_code == 404
    for user in (s.owner, s.manager, s.cashier):
        html = client_for(user).get(reverse("inventory:transfer-list")).content.decode()
        assert detail(theirs) in html and detail(other) in html, user.email
    assert client_for(shop_b.owner).get(detail(theirs)).status_code == 404
    # The dashboard's count of pending transfers follows the same scope.
    for transfer in (theirs, other):
        act(s, transfer, "request")
    with tenant_context(s.tenant):
        everyone = transfers.transfer_pending_summary(user=s.owner)["requested"]
        at_bazaar = transfers.transfer_pending_summary(user=bazaar)["requested"]
        assert everyone - at_bazaar == 1 and at_bazaar >= 1
        assert transfers.transfer_pending_summary(user=s.cashier)["requested"] == everyone
    # Making one: it leaves from Bazaar or comes to it.
    with tenant_context(s.tenant):
        with pytest.raises(BusinessRuleError, match="You work at the Bazaar branch"):
            transfers.transfer_create(tenant=s.tenant, actor=bazaar, source=s.main,
                                      destination=north, lines=[(lot, 1)])
        assert Transfer.objects.filter(destination=north).count() == 1
        made = transfers.transfer_create(tenant=s.tenant, actor=bazaar, source=s.main,
                                          destination=s.branch, lines=[(lot, 1)])
    assert made.destination_id == s.branch.pk
