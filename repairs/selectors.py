"""Reads of repairs. RLS scopes every query to the current shop; another shop's id is
a 404, like a missing one."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import OPEN_STATES, RepairEvent, RepairOrder, RepairPayment, RepairPhoto

PAGE_SIZE = 25


def repair_get(*, order_id: object) -> RepairOrder:
    try:
        return RepairOrder.objects.select_related("customer", "branch", "craftsman").get(
            pk=order_id)
    except (RepairOrder.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def repair_list(*, status: str = "", branch_id: str = "", craftsman_id: str = "",
                search: str = "", overdue: bool = False) -> QuerySet[RepairOrder]:
    """Orders newest first, filtered by status ("open" = any open state), branch,
    craftsman, number or customer name, and overdue (promised before today, still open)."""
    orders = RepairOrder.objects.select_related("customer", "branch", "craftsman")
    if status == "open":
        orders = orders.filter(status__in=OPEN_STATES)
    elif status:
        orders = orders.filter(status=status)
    if branch_id:
        orders = orders.filter(branch_id=branch_id)
    if craftsman_id:
        orders = orders.filter(craftsman_id=craftsman_id)
    if search:
        digits = search.lstrip("Rr-").strip()
        if digits.isdigit():
            orders = orders.filter(number=int(digits))
        else:
            orders = orders.filter(Q(customer__last_name__istartswith=search)
                                   | Q(customer__first_name__istartswith=search))
    if overdue:
        orders = orders.filter(status__in=OPEN_STATES, promised_on__lt=timezone.localdate())
    return orders.order_by("-number")


def repair_page(orders: QuerySet[RepairOrder], page: Any) -> Page:
    return Paginator(orders, PAGE_SIZE).get_page(page)


def repair_events(*, order: RepairOrder) -> QuerySet[RepairEvent]:
    return RepairEvent.objects.filter(order=order).select_related("actor").order_by(
        "created_at")


def repair_photos(*, order: RepairOrder) -> QuerySet[RepairPhoto]:
    return RepairPhoto.objects.filter(order=order).order_by("created_at")


def repair_photo_get(*, photo_id: object) -> RepairPhoto:
    try:
        return RepairPhoto.objects.get(pk=photo_id)
    except (RepairPhoto.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def repair_pending_summary() -> dict[str, Any]:
    """Open orders, of which overdue and ready for pickup (the dashboard widget)."""
    today = timezone.localdate()
    return RepairOrder.objects.filter(status__in=OPEN_STATES).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(promised_on__lt=today)),
        ready=Count("id", filter=Q(status="ready")),
    )


def repair_overdue(*, today: Any = None) -> QuerySet[RepairOrder]:
    """Open orders past their promised date not yet reminded today."""
    today = today or timezone.localdate()
    return (RepairOrder.objects.filter(status__in=OPEN_STATES, promised_on__lt=today)
            .exclude(reminded_on=today).select_related("customer", "branch"))


def repair_payments(*, order: RepairOrder) -> QuerySet[RepairPayment]:
    return RepairPayment.objects.filter(order=order).select_related("cashier").order_by(
        "created_at")


def repair_payment_get(*, payment_id: object) -> RepairPayment:
    payment = (RepairPayment.objects.filter(pk=payment_id)
               .select_related("order__customer", "branch", "cashier").first())
    if payment is None:
        raise Http404
    return payment
