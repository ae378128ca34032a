"""Repair money at the register: deposits at intake and later, the balance at delivery,
the deposit paid back on cancellation; the shift's expected cash and Z report; the
idempotency key; refusals without a shift; the receipt pages."""

import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from pos import selectors as pos_selectors
from pos import services as pos
from repairs import payments, services
from repairs.models import RepairOrder, RepairPayment
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import pos_sale_make
from tests.pos.conftest import open_shift, serial_piece
from tests.repairs.money import till_at

pytestmark = pytest.mark.django_db(databases=["default", "platform"])


def intake(shop, till=None, **overrides):
    values = {"customer": shop.extra["customer"], "branch": shop.main,
              "description": "Bracelet: new clasp", "service": "clasp",
              "labour_estimate": Decimal("60.00"), "materials_estimate": Decimal("20.00"),
              "deposit": Decimal("30.00")}
    values.update(overrides)
    with tenant_context(shop.tenant):
        return services.repair_create(tenant=shop.tenant, actor=shop.owner, till=till, **values)


def to_ready(shop, order):
    with tenant_context(shop.tenant):
        RepairOrder.objects.filter(pk=order.pk).update(status="ready")
    return order


def test_shift_math_float_plus_cash_sale_plus_repair_cash_in_expected_and_z_report(
        shop_a) -> None:
    shift = open_shift(shop_a, Decimal("200.00"))
    ring = serial_piece(shop_a)
    sale = pos_sale_make(shop_a, shift=shift, lines=[(ring, 1, Decimal(0))])  # paid in cash
    # Deposit 30 in cash, 50 handed over: 20 change; a card deposit does not touch the drawer.
    order = intake(shop_a, till_at(shift, handed=Decimal("50.00")))
    with tenant_context(shop_a.tenant):
        first = RepairPayment.objects.get(order=order)
    assert (first.kind, first.method, first.amount, first.change_given) == (
        "deposit", "cash", Decimal("30.00"), Decimal("20.00"))
    payments.repair_deposit_take(tenant=shop_a.tenant, actor=shop_a.cashier, order=order,
                                 amount=Decimal("10.00"),
                                 till=till_at(shift, method="card", reference="7781"))
    with tenant_context(shop_a.tenant):
        order.refresh_from_db()
        assert order.deposit == Decimal("40.00") and order.balance_due == Decimal("40.00")
        # 200 float + the cash sale + 30 repair cash (the card deposit is not cash)
        expected = Decimal("200.00") + sale.total + Decimal("30.00")
        assert pos_selectors.shift_expected_cash(shift=shift) == expected
        report = pos_selectors.shift_z_report(shift=shift)
    assert report.expected_cash == expected and report.cash_sales == sale.total
    assert report.other_cash == [("repair-cash", "Repair cash received", Decimal("30.00"))]
    closed = pos.shift_close(tenant=shop_a.tenant, actor=shop_a.cashier, shift=shift,
                             counted_cash=expected)
    assert (closed.expected_cash, closed.over_short) == (expected, Decimal("0.00"))
    # The Z report page shows the repair cash as its own line.
    client = Client()
    client.force_login(shop_a.owner)
    body = client.get(reverse("pos:shift-report", args=[shift.pk])).content.decode()
    assert 'id="z-repair-cash">$30.00<' in body and "Repair cash received" in body


def test_delivery_collects_exactly_the_balance_and_cancellation_pays_the_deposit_back(
        shop_a) -> None:
    shift = open_shift(shop_a, Decimal("100.00"))
    order = to_ready(shop_a, intake(shop_a, till_at(shift)))
    order = services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                       action="deliver", till=till_at(shift, handed=Decimal(60)))
    assert order.status == "delivered" and order.deposit == Decimal("80.00")
    assert order.balance_due == 0
    with tenant_context(shop_a.tenant):
        balance = RepairPayment.objects.get(order=order, kind="balance")
        assert (balance.amount, balance.change_given) == (Decimal("50.00"), Decimal("10.00"))
        assert pos_selectors.shift_expected_cash(shift=shift) == Decimal("180.00")

    other = intake(shop_a, till_at(shift), deposit=Decimal("25.00"))
    # A manager cancels; the 25 goes back in cash out of the drawer.
    other = services.repair_transition(tenant=shop_a.tenant, actor=shop_a.manager, order=other,
                                       action="cancel", note="customer changed their mind",
                                       till=till_at(shift))
    assert other.status == "cancelled" and other.deposit == 0
    with tenant_context(shop_a.tenant):
        refund = RepairPayment.objects.get(order=other, kind="refund")
        assert refund.amount == Decimal("25.00") and refund.signed_amount == Decimal("-25.00")
        assert pos_selectors.shift_expected_cash(shift=shift) == Decimal("180.00")
        assert payments.held(other) == 0


def test_refusals_save_nothing(shop_a) -> None:
    shift = open_shift(shop_a, Decimal("0.00"))
    with tenant_context(shop_a.tenant):
        orders, rows = RepairOrder.objects.count(), RepairPayment.objects.count()
    # No shift: nothing is taken in.
    with pytest.raises(BusinessRuleError, match="Open a shift at the register to take the "
                                                "deposit"):
        intake(shop_a, None)
    with pytest.raises(BusinessRuleError, match="Open a shift"):
        intake(shop_a, till_at(None))
    # Card pays exactly; cash must cover the deposit.
    with pytest.raises(BusinessRuleError, match="card pays exactly"):
        intake(shop_a, till_at(shift, method="card", handed=Decimal("40.00")))
    with pytest.raises(BusinessRuleError, match="still due"):
        intake(shop_a, till_at(shift, handed=Decimal("20.00")))
    with pytest.raises(BusinessRuleError, match="cash or card"):
        intake(shop_a, till_at(shift, method="gift_card"))
    with tenant_context(shop_a.tenant):
        assert (RepairOrder.objects.count(), RepairPayment.objects.count()) == (orders, rows)
    # Deliver without a shift, or with the balance unpaid: refused, still ready.
    order = to_ready(shop_a, intake(shop_a, till_at(shift)))
    with pytest.raises(BusinessRuleError, match="collect the balance of 50.00"):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                   action="deliver")
    # Paying the deposit back through a closed shift is refused.
    pos.shift_close(tenant=shop_a.tenant, actor=shop_a.cashier, shift=shift,
                    counted_cash=Decimal("30.00"))
    with pytest.raises(BusinessRuleError, match="closed"):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                   action="cancel", note="no", till=till_at(shift))
    with tenant_context(shop_a.tenant):
        order.refresh_from_db()
        assert order.status == "ready" and order.deposit == Decimal("30.00")
        assert RepairPayment.objects.filter(order=order).count() == 1


def test_a_cash_refund_needs_the_cash_in_the_drawer(shop_a) -> None:
    shift = open_shift(shop_a, Decimal("0.00"))
    order = intake(shop_a, till_at(shift, method="card"))
    with pytest.raises(BusinessRuleError, match=r"drawer holds only \$0\.00 in cash"):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                   action="cancel", note="no", till=till_at(shift))
    order = services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                       action="cancel", note="no",
                                       till=till_at(shift, method="card", reference="9911"))
    assert order.status == "cancelled"


def test_the_same_key_gives_the_same_order_and_payment(shop_a) -> None:
    shift = open_shift(shop_a)
    key = uuid.uuid4()
    first = intake(shop_a, till_at(shift, key=key))
    again = intake(shop_a, till_at(shift, key=key))
    assert again.pk == first.pk
    key2 = uuid.uuid4()
    p1 = payments.repair_deposit_take(tenant=shop_a.tenant, actor=shop_a.owner, order=first,
                                      amount=Decimal("5.00"), till=till_at(shift, key=key2))
    p2 = payments.repair_deposit_take(tenant=shop_a.tenant, actor=shop_a.owner, order=first,
                                      amount=Decimal("5.00"), till=till_at(shift, key=key2))
    assert p1.pk == p2.pk
    to_ready(shop_a, first)
    key3 = uuid.uuid4()
    for _ in range(2):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=first,
                                   action="deliver", till=till_at(shift, key=key3))
    with tenant_context(shop_a.tenant):
        rows = list(RepairPayment.objects.filter(order=first).order_by("created_at")
                    .values_list("kind", "amount"))
        assert rows == [("deposit", Decimal("30.00")), ("deposit", Decimal("5.00")),
                        ("balance", Decimal("45.00"))]
        assert RepairOrder.objects.filter(description="Bracelet: new clasp").count() == 1
        assert pos_selectors.shift_expected_cash(shift=shift) == Decimal("280.00")


def test_earlier_orders_get_their_typed_deposit_recorded_once(shop_a) -> None:
    """Orders from before (a typed deposit, no payments): the open one and a delivered
    one get payments without a shift; a cancelled one is left alone."""
    open_order = intake(shop_a, deposit=None)
    done = intake(shop_a, deposit=None)
    cancelled = intake(shop_a, deposit=None)
    with tenant_context(shop_a.tenant):
        RepairOrder.objects.filter(pk=open_order.pk).update(deposit=Decimal("15.00"))
        RepairOrder.objects.filter(pk=done.pk).update(deposit=Decimal("20.00"),
                                                      status="delivered")
        RepairOrder.objects.filter(pk=cancelled.pk).update(deposit=Decimal("5.00"),
                                                           status="cancelled")
    assert payments.repair_payments_legacy_record(tenant=shop_a.tenant) == 3
    assert payments.repair_payments_legacy_record(tenant=shop_a.tenant) == 0
    with tenant_context(shop_a.tenant):
        got = {(p.order_id, p.kind, p.amount, p.shift_id) for p in
               RepairPayment.objects.filter(order__in=[open_order, done, cancelled])}
    assert got == {(open_order.pk, "deposit", Decimal("15.00"), None),
                   (done.pk, "deposit", Decimal("20.00"), None),
                   (done.pk, "balance", Decimal("60.00"), None)}


# --- pages -------------------------------------------------------------------------


def _register_client(shop, user):  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_intake_page_takes_the_deposit_at_the_open_shift_and_the_receipt_prints(shop_a) -> None:
    with tenant_context(shop_a.tenant):
        shift = pos.shift_open(tenant=shop_a.tenant, actor=shop_a.manager,
                               terminal=shop_a.terminal, opening_float=Decimal("50.00"))
    client = _register_client(shop_a, shop_a.manager)
    key = str(uuid.uuid4())
    data = {"customer": shop_a.extra["customer"].pk, "branch": shop_a.main.pk,
            "kind": "repair", "service": "resize", "description": "Ring, resize to 52",
            "labour_estimate": "40.00", "deposit": "15.00", "method": "cash",
            "handed": "20.00", "reference": "", "idempotency_key": key}
    response = client.post(reverse("repairs:order-create"), data)
    assert response.status_code == 302
    assert client.post(reverse("repairs:order-create"), data).status_code == 302  # resent
    with tenant_context(shop_a.tenant):
        order = RepairOrder.objects.get(description="Ring, resize to 52")
        payment = RepairPayment.objects.get(order=order)
        assert payment.shift_id == shift.pk and payment.change_given == Decimal("5.00")
    body = client.get(reverse("repairs:order-detail", args=[order.pk])).content.decode()
    assert payment.display_number in body and 'id="deposit-form"' in body
    receipt = client.get(reverse("repairs:payment-receipt", args=[payment.pk])).content.decode()
    assert payment.display_number in receipt and f"R-{order.number}" in receipt
    assert 'id="sale-change">$5.00<' in receipt
    pdf = client.get(reverse("repairs:payment-receipt-pdf", args=[payment.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The register's close panel shows the repair cash as its own line.
    register = client.get(reverse("pos:register")).content.decode()
    assert 'id="drawer-repair-cash">$15.00<' in register
    assert 'id="drawer-expected">$65.00<' in register


def test_without_a_shift_the_intake_is_refused_with_a_translated_message(shop_a) -> None:
    client = _register_client(shop_a, shop_a.cashier)
    data = {"customer": shop_a.extra["customer"].pk, "branch": shop_a.main.pk,
            "kind": "repair", "service": "resize", "description": "Ring, no shift",
            "labour_estimate": "40.00", "deposit": "15.00", "method": "cash",
            "idempotency_key": str(uuid.uuid4())}
    response = client.post(reverse("repairs:order-create"), data)
    assert response.status_code == 422
    assert "Open a shift at the register to take the deposit." in response.content.decode()
    shop_a.cashier.language = "fa"
    shop_a.cashier.save(update_fields=["language"])
    response = client.post(reverse("repairs:order-create"), data)
    assert response.status_code == 422
    assert "برای گرفتن بیعانه، در صندوق یک شیفت باز کنید." in response.content.decode()
    with tenant_context(shop_a.tenant):
        assert not RepairOrder.objects.filter(description="Ring, no shift").exists()


def test_deposit_form_and_delivery_on_the_detail_page(shop_a) -> None:
    with tenant_context(shop_a.tenant):
        pos.shift_open(tenant=shop_a.tenant, actor=shop_a.owner, terminal=shop_a.terminal,
                       opening_float=Decimal("0.00"))
    order = intake(shop_a, deposit=None)
    client = _register_client(shop_a, shop_a.owner)
    url = reverse("repairs:deposit-take", args=[order.pk])
    response = client.post(url, {"amount": "100.00", "method": "cash",
                                 "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 422
    assert "cannot be more than the estimate" in response.content.decode()
    response = client.post(url, {"amount": "30.00", "method": "card", "reference": "5521",
                                 "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 302
    to_ready(shop_a, order)
    body = client.get(reverse("repairs:order-detail", args=[order.pk])).content.decode()
    assert "Delivery collects the balance of $50.00" in body
    response = client.post(reverse("repairs:order-transition", args=[order.pk]),
                           {"action": "deliver", "method": "cash", "handed": "50.00",
                            "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 302
    with tenant_context(shop_a.tenant):
        order.refresh_from_db()
        assert order.status == "delivered" and order.deposit == Decimal("80.00")


def test_another_shops_payment_receipt_is_a_404(shop_a, shop_b) -> None:
    client = _register_client(shop_a, shop_a.owner)
    theirs = shop_b.extra["repair_payment"]
    assert client.get(reverse("repairs:payment-receipt", args=[theirs.pk])).status_code == 404
    ours = shop_a.extra["repair_payment"]
    assert client.get(reverse("repairs:payment-receipt", args=[ours.pk])).status_code == 200


def test_the_payment_receipt_is_emailed_with_its_pdf(shop_a, mailoutbox) -> None:
    payment = shop_a.extra["repair_payment"]
    client = _register_client(shop_a, shop_a.owner)
    response = client.post(reverse("repairs:payment-receipt-email", args=[payment.pk]),
                           {"email": "customer@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["customer@example.com"]
    assert payment.display_number in mailoutbox[0].subject + mailoutbox[0].body
    assert mailoutbox[0].attachments[0][2] == "application/pdf"
