"""Repairs: the state machine (every state x every action), the audit trail, the
rules of intake, and photo checks."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from repairs import services
from repairs.models import ACTIONS, RepairEvent, RepairOrder, RepairPhoto, Status
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import TINY_PNG
from tests.pos.conftest import open_shift
from tests.repairs.money import till_at

pytestmark = pytest.mark.django_db

S = Status
# The workflow as the product describes it, written out independently of the model:
# (from, action) -> to. Everything else must be refused.
LEGAL = {
    (S.RECEIVED, "quote"): S.QUOTED,
    (S.QUOTED, "approve"): S.APPROVED,
    (S.APPROVED, "start"): S.IN_PROGRESS,
    (S.IN_PROGRESS, "send_to_check"): S.QUALITY_CHECK,
    (S.QUALITY_CHECK, "rework"): S.IN_PROGRESS,
    (S.QUALITY_CHECK, "pass_check"): S.READY,
    (S.READY, "deliver"): S.DELIVERED,
    **{(state, "cancel"): S.CANCELLED for state in (
        S.RECEIVED, S.QUOTED, S.APPROVED, S.IN_PROGRESS, S.QUALITY_CHECK, S.READY)},
}


def repair_make(shop, **overrides):
    values = {"customer": shop.extra["customer"], "branch": shop.main,
              "description": "Chain: solder the clasp", "service": "solder",
              "labour_estimate": Decimal("30.00"), "materials_estimate": Decimal("5.50"),
              "weight_in": Decimal("7.250")}
    values.update(overrides)
    with tenant_context(shop.tenant):
        return services.repair_create(tenant=shop.tenant, actor=shop.owner, **values)


def force_status(shop, order, status):
    with tenant_context(shop.tenant):
        RepairOrder.objects.filter(pk=order.pk).update(status=status)


def test_every_state_and_action_pair_legal_ones_move_and_are_audited(shop_a) -> None:
    order = repair_make(shop_a)
    shift = open_shift(shop_a)
    checked = 0
    for state in Status.values:
        for action in ACTIONS:
            force_status(shop_a, order, state)
            with tenant_context(shop_a.tenant):
                before = RepairEvent.objects.filter(order=order).count()
            target = LEGAL.get((state, action))
            call = dict(tenant=shop_a.tenant, actor=shop_a.owner, order=order, action=action,
                        note="because", weight_out=Decimal("7.200"), till=till_at(shift))
            if target is None:
                with pytest.raises(BusinessRuleError):
                    services.repair_transition(**call)
                with tenant_context(shop_a.tenant):
                    assert RepairOrder.objects.get(pk=order.pk).status == state, (state, action)
                    assert RepairEvent.objects.filter(order=order).count() == before
            else:
                result = services.repair_transition(**call)
                assert result.status == target
                with tenant_context(shop_a.tenant):
                    assert RepairOrder.objects.get(pk=order.pk).status == target
                    event = RepairEvent.objects.filter(order=order).latest("created_at")
                    assert RepairEvent.objects.filter(order=order).count() == before + 1
                assert (event.action, event.from_status, event.to_status) == (action, state,
                                                                              target)
                assert event.actor == shop_a.owner and event.created_at is not None
            checked += 1
    assert checked == len(Status.values) * len(ACTIONS) == 64


def test_the_whole_way_from_intake_to_delivery(shop_a) -> None:
    shift = open_shift(shop_a)
    order = repair_make(shop_a, deposit=Decimal("10.00"), till=till_at(shift))
    assert order.status == S.RECEIVED and order.number >= 1
    for action in ("quote", "approve", "start", "send_to_check", "rework", "send_to_check",
                   "pass_check", "deliver"):
        order = services.repair_transition(tenant=shop_a.tenant, actor=shop_a.manager,
                                           order=order, action=action,
                                           weight_out=Decimal("7.240"), till=till_at(shift))
    assert order.status == S.DELIVERED and order.closed_at is not None
    assert order.weight_out == Decimal("7.240")
    with tenant_context(shop_a.tenant):
        trail = list(RepairEvent.objects.filter(order=order).order_by("created_at")
                     .values_list("from_status", "to_status"))
    assert trail[0] == (S.RECEIVED, S.RECEIVED)  # the intake itself
    assert trail[-1] == (S.READY, S.DELIVERED)
    assert len(trail) == 9


def test_the_protected_state_cannot_be_set_by_hand(shop_a) -> None:
    order = repair_make(shop_a)
    with pytest.raises(AttributeError):
        order.status = S.DELIVERED


def test_cashier_may_not_cancel_or_pass_check_and_sees_no_such_button(shop_a) -> None:
    order = repair_make(shop_a)
    with tenant_context(shop_a.tenant):
        assert [a for a, _ in services.repair_actions_for(order, shop_a.cashier)] == ["quote"]
        assert [a for a, _ in services.repair_actions_for(order, shop_a.owner)] == [
            "quote", "cancel"]
    with pytest.raises(BusinessRuleError, match="owner or a manager"):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.cashier, order=order,
                                   action="cancel", note="changed mind")
    force_status(shop_a, order, S.QUALITY_CHECK)
    with pytest.raises(BusinessRuleError):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.cashier, order=order,
                                   action="pass_check", weight_out=Decimal("1"))


def test_rules_quote_needs_estimate_ready_needs_weight_cancel_needs_reason(shop_a) -> None:
    order = repair_make(shop_a, labour_estimate=None, materials_estimate=None)
    with pytest.raises(BusinessRuleError, match="estimate"):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                   action="quote")
    with pytest.raises(BusinessRuleError, match="why"):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                   action="cancel")
    force_status(shop_a, order, S.QUALITY_CHECK)
    with pytest.raises(BusinessRuleError, match="weight out"):
        services.repair_transition(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                   action="pass_check")
    with tenant_context(shop_a.tenant):
        assert RepairOrder.objects.get(pk=order.pk).status == S.QUALITY_CHECK


def test_intake_rules_refuse_bad_input_and_save_nothing(shop_a) -> None:
    with tenant_context(shop_a.tenant):
        count = RepairOrder.objects.count()
    for bad, field in (({"description": "  "}, "description"),
                       ({"deposit": Decimal("100")}, "deposit"),
                       ({"labour_estimate": Decimal("-1")}, "labour_estimate"),
                       ({"weight_in": Decimal("-0.5")}, "weight_in")):
        with pytest.raises(BusinessRuleError) as exc:
            repair_make(shop_a, **bad)
        assert exc.value.field == field
    with tenant_context(shop_a.tenant):
        assert RepairOrder.objects.count() == count


def test_numbers_are_counted_per_shop(shop_a, shop_b) -> None:
    a1, a2 = repair_make(shop_a), repair_make(shop_a)
    b1 = repair_make(shop_b)
    assert a2.number == a1.number + 1
    assert b1.number == a1.number  # each shop counts its own (both worlds made one before)


def _jpeg(size=(8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 160, 40)).save(buf, "JPEG")
    return buf.getvalue()


def test_photo_a_real_image_is_stored(shop_a) -> None:
    order = repair_make(shop_a)
    photo = services.repair_photo_add(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                      upload=SimpleUploadedFile("x.jpg", _jpeg()))
    assert photo.content_type == "image/jpeg" and photo.image.name.endswith(".jpg")
    assert photo.image.storage.exists(photo.image.name)


def test_photo_a_non_image_renamed_to_jpg_is_refused(shop_a) -> None:
    order = repair_make(shop_a)
    fake = SimpleUploadedFile("ring.jpg", b"%PDF-1.4 not an image at all" * 10,
                              content_type="image/jpeg")
    with pytest.raises(BusinessRuleError, match="not an image"):
        services.repair_photo_add(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                  upload=fake)
    with pytest.raises(BusinessRuleError, match="not an image"):
        repair_make(shop_a, photos=[SimpleUploadedFile("ring.jpg", b"GIF89a-but-broken")])
    with tenant_context(shop_a.tenant):
        assert not RepairPhoto.objects.filter(order=order).exists()


def test_photo_over_the_size_limit_is_refused(shop_a, settings) -> None:
    settings.REPAIR_PHOTO_MAX_BYTES = 2048
    order = repair_make(shop_a)
    big = _jpeg((400, 400))
    assert len(big) > 2048
    with pytest.raises(BusinessRuleError, match="at most 2.0"):
        services.repair_photo_add(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                                  upload=SimpleUploadedFile("big.jpg", big))
    # Accepted under the limit (the tiny PNG is 69 bytes).
    services.repair_photo_add(tenant=shop_a.tenant, actor=shop_a.owner, order=order,
                              upload=SimpleUploadedFile("ok.png", TINY_PNG))
    with tenant_context(shop_a.tenant):
        assert RepairPhoto.objects.filter(order=order).count() == 1
