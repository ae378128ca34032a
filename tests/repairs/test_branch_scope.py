"""Branch scope in repairs: a cashier bound to Bazaar sees Bazaar's repair orders, their
photos, tickets and payment receipts only; main's answer 404 as another shop's would,
and the services refuse them (intake for main included). Owners, managers and staff
without a branch see and work on every branch's."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pos import services as pos
from repairs import payments, selectors, services
from repairs.forms import RepairForm
from repairs.models import RepairEvent, RepairOrder, RepairPayment, RepairPhoto
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import TINY_PNG, Shop
from tests.pos.conftest import Bazaar, bazaar_make
from tests.pos.test_views import client_for
from tests.repairs.money import till_at

D = Decimal
pytestmark = pytest.mark.django_db(databases=["default", "platform"])


@dataclass
class Rows:
    order: RepairOrder
    photo: RepairPhoto
    payment: RepairPayment


@dataclass
class Scene:
    s: Shop
    bazaar: Bazaar
    shift: object  # the Bazaar cashier's open shift at the Bazaar till
    main: Rows  # the world's quoted repair at main, its photo and deposit
    here: Rows  # Bazaar's, taken in by its own cashier with a deposit at its till


@pytest.fixture
def scene(shop_a) -> Scene:
    s, bazaar = shop_a, bazaar_make(shop_a)
    with tenant_context(s.tenant):
        shift = pos.shift_open(tenant=s.tenant, actor=bazaar.cashier, terminal=bazaar.terminal,
                               opening_float=D("100.00"))
        order = services.repair_create(
            tenant=s.tenant, actor=bazaar.cashier, customer=s.extra["customer"],
            branch=s.branch, description="Bangle: polish", service="polish",
            labour_estimate=D("20.00"), deposit=D("5.00"), till=till_at(shift),
            photos=[SimpleUploadedFile("bangle.png", TINY_PNG)])
        here = Rows(order, order.photos.get(), order.payments.get())
    assert here.order.branch_id == here.payment.branch_id == s.branch.pk
    main = Rows(s.extra["repair"], s.extra["repair_photo"], s.extra["repair_payment"])
    assert main.order.branch_id == main.payment.branch_id == s.main.pk
    return Scene(s, bazaar, shift, main, here)


def _pages(rows: Rows) -> list[str]:
    """Every GET page of an order: detail, edit, ticket (page and PDF), its photo and
    its payment's receipt (page and PDF)."""
    order, photo, pay = ({"repair_id": rows.order.pk}, {"repair_photo_id": rows.photo.pk},
                         {"repair_payment_id": rows.payment.pk})
    return [reverse(name, kwargs=kwargs) for name, kwargs in (
        ("repairs:order-detail", order), ("repairs:order-edit", order),
        ("repairs:order-ticket", order), ("repairs:order-ticket-pdf", order),
        ("repairs:photo-file", photo),
        ("repairs:payment-receipt", pay), ("repairs:payment-receipt-pdf", pay))]


def _state(s: Shop, order: RepairOrder) -> tuple:
    with tenant_context(s.tenant):
        fresh = RepairOrder.objects.get(pk=order.pk)
        return (fresh.status, fresh.deposit, fresh.description,
                RepairEvent.objects.filter(order=order).count(),
                RepairPhoto.objects.filter(order=order).count(),
                RepairPayment.objects.filter(order=order).count())


def test_a_branch_bound_cashier_lists_and_counts_their_branchs_orders_only(scene) -> None:
    c = client_for(scene.bazaar.cashier)
    here = reverse("repairs:order-detail", args=[scene.here.order.pk])
    main = reverse("repairs:order-detail", args=[scene.main.order.pk])
    for query in ({}, {"status": ""}, {"branch": str(scene.s.main.pk), "status": ""}):
        html = c.get(reverse("repairs:order-list"), query).content.decode()
        assert main not in html, f"main's repair leaked to Bazaar ({query})"
        assert (here in html) == ("branch" not in query), query
    html = c.get(reverse("repairs:order-list")).content.decode()
    assert f'value="{scene.s.branch.pk}"' in html
    assert f'value="{scene.s.main.pk}"' not in html  # the branch filter offers Bazaar only
    with tenant_context(scene.s.tenant):
        assert selectors.repair_pending_summary(user=scene.bazaar.cashier)["open"] == 1
        assert selectors.repair_pending_summary(user=scene.s.owner)["open"] == 2


def test_another_branchs_pages_receipts_and_actions_answer_404(scene) -> None:
    c = client_for(scene.bazaar.cashier)
    for url in _pages(scene.here):
        assert c.get(url).status_code == 200, url
    for url in _pages(scene.main):
        assert c.get(url).status_code == 404, url
    before = _state(scene.s, scene.main.order)
    order = {"repair_id": scene.main.order.pk}
    posts = [
        (reverse("repairs:order-transition", kwargs=order), {"action": "approve"}),
        (reverse("repairs:deposit-take", kwargs=order), {"amount": "5.00", "method": "cash",
                                                          "handed": "5.00"}),
        (reverse("repairs:order-edit", kwargs=order), {"description": "Changed",
                                                       "service": "resize"}),
        (reverse("repairs:photo-add", kwargs=order),
         {"photo": SimpleUploadedFile("x.png", TINY_PNG)}),
        (reverse("repairs:payment-receipt-email",
                 kwargs={"repair_payment_id": scene.main.payment.pk}),
         {"email": "buyer@example.com"}),
    ]
    for url, data in posts:
        assert c.post(url, data).status_code == 404, url
    assert _state(scene.s, scene.main.order) == before
    assert mail.outbox == []


def test_a_payment_taken_at_the_branchs_till_for_another_branchs_order_is_readable(
        scene) -> None:
    """The receipt of money through Bazaar's drawer prints at Bazaar, whoever's order."""
    s = scene.s
    with tenant_context(s.tenant):
        payment = RepairPayment.objects.create(
            number=99, idempotency_key="6d8f1c52-1c2a-4b55-9d6e-2f3a4b5c6d7e",
            order=scene.main.order, kind="deposit", method="card", amount=D("1.00"),
            reference="77", shift=scene.shift, branch=s.branch, cashier=s.cashier)
    c = client_for(scene.bazaar.cashier)
    url = reverse("repairs:payment-receipt", args=[payment.pk])
    assert c.get(url).status_code == 200
    assert c.get(reverse("repairs:order-detail", args=[scene.main.order.pk])).status_code == 404


def test_owners_managers_and_staff_without_a_branch_see_every_branch(scene, shop_b) -> None:
    s = scene.s
    for user in (s.owner, s.manager, s.cashier):
        c = client_for(user)
        html = c.get(reverse("repairs:order-list")).content.decode()
        for rows in (scene.main, scene.here):
            assert reverse("repairs:order-detail", args=[rows.order.pk]) in html, user.email
            for url in _pages(rows):
                assert c.get(url).status_code == 200, (user.email, url)
    c = client_for(shop_b.owner)  # another shop's owner: RLS, the same 404
    for url in _pages(scene.here):
        assert c.get(url).status_code == 404, url


def test_intake_for_another_branch_is_refused_in_the_form_and_the_service(scene) -> None:
    s, cashier = scene.s, scene.bazaar.cashier
    with tenant_context(s.tenant):
        form = RepairForm(tenant=s.tenant, user=cashier)
        assert list(form.fields["branch"].queryset) == [s.branch]
        assert set(RepairForm(tenant=s.tenant, user=s.cashier).fields["branch"].queryset) \
            == {s.main, s.branch}
        count = RepairOrder.objects.count()
        with pytest.raises(BusinessRuleError,
                           match="You work at the Bazaar branch: take the repair in for it"
                           ) as refused:
            services.repair_create(
                tenant=s.tenant, actor=cashier, customer=s.extra["customer"], branch=s.main,
                description="Ring: resize", labour_estimate=D("20.00"), deposit=D("5.00"),
                till=till_at(scene.shift))
        assert refused.value.field == "branch"
        assert RepairOrder.objects.count() == count
        assert RepairPayment.objects.filter(shift=scene.shift).count() == 1  # Bazaar's own
        # Staff without a branch take repairs in for any branch.
        other = services.repair_create(tenant=s.tenant, actor=s.cashier,
                                       customer=s.extra["customer"], branch=s.branch,
                                       description="Chain: clasp")
        assert other.branch_id == s.branch.pk


def test_the_services_refuse_another_branchs_order(scene) -> None:
    s, cashier, order = scene.s, scene.bazaar.cashier, scene.main.order
    before = _state(s, order)
    calls = [
        lambda: services.repair_transition(tenant=s.tenant, actor=cashier, order=order,
                                           action="approve"),
        lambda: services.repair_update(tenant=s.tenant, actor=cashier, order=order,
                                       description="Changed"),
        lambda: services.repair_photo_add(tenant=s.tenant, actor=cashier, order=order,
                                          upload=SimpleUploadedFile("x.png", TINY_PNG)),
        lambda: payments.repair_deposit_take(tenant=s.tenant, actor=cashier, order=order,
                                             amount="5.00", till=till_at(scene.shift)),
    ]
    for call in calls:
        with tenant_context(s.tenant), pytest.raises(
                BusinessRuleError, match=f"R-{order.number} belongs to another branch"):
            call()
    assert _state(s, order) == before
    # Its own branch's order moves as before.
    with tenant_context(s.tenant):
        moved = services.repair_transition(tenant=s.tenant, actor=cashier,
                                           order=scene.here.order, action="quote")
    assert moved.status == "quoted"


def test_a_retried_key_of_another_branchs_order_is_refused(scene) -> None:
    """A deliver or cancel sent again with its idempotency key returns the order it
    settled, without doing anything twice; a cashier of another branch who sends that
    key gets the branch refusal, not main's order."""
    s, cashier, order = scene.s, scene.bazaar.cashier, scene.main.order
    key = uuid.uuid4()
    with tenant_context(s.tenant):
        main_shift = pos.shift_open(tenant=s.tenant, actor=s.owner, terminal=s.terminal,
                                    opening_float=D("50.00"))
        cancelled = services.repair_transition(
            tenant=s.tenant, actor=s.owner, order=order, action="cancel", note="Customer left",
            till=till_at(main_shift, key=key))
        assert cancelled.status == "cancelled"
        # The owner's retry returns the same order; nothing happens twice.
        again = services.repair_transition(
            tenant=s.tenant, actor=s.owner, order=order, action="cancel", note="Customer left",
            till=till_at(main_shift, key=key))
        assert again.pk == order.pk
        before = _state(s, order)
        with pytest.raises(BusinessRuleError, match=f"R-{order.number} belongs to another branch"):
            services.repair_transition(
                tenant=s.tenant, actor=cashier, order=order, action="cancel",
                note="Customer left", till=till_at(scene.shift, key=key))
        # The same for a deposit's key and for an intake's.
        deposit_key = scene.main.payment.idempotency_key
        with pytest.raises(BusinessRuleError, match=f"R-{order.number} belongs to another branch"):
            payments.repair_deposit_take(tenant=s.tenant, actor=cashier, order=order,
                                         amount="5.00", till=till_at(scene.shift, key=deposit_key))
        with pytest.raises(BusinessRuleError, match=f"R-{order.number} belongs to another branch"):
            services.repair_create(
                tenant=s.tenant, actor=cashier, customer=s.extra["customer"], branch=s.branch,
                description="Ring: resize", service="polish", labour_estimate=D("20.00"),
                deposit=D("5.00"), till=till_at(scene.shift, key=deposit_key))
    assert _state(s, order) == before
