"""Reads of repairs. RLS scopes every query to the current shop; another shop's id is
a 404, like a missing one.

Branch scope (tenants.access.branch_scope): a salesperson or cashier bound to a branch
sees that branch's orders only (their photos, payments and receipts with them);
owners, managers and staff without a branch see every branch's. Another branch's
order is missing for them: its pages answer 404, as for another shop's id."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tenants.access import branch_scope
from tenants.models import User

from .models import OPEN_STATES, RepairEvent, RepairOrder, RepairPayment, RepairPhoto

PAGE_SIZE = 25


def repair_get(*, order_id: object, user: User) -> RepairOrder:
    """An order of this shop that `user` may see (their branch's if they are bound to
    one), or 404."""
    try:
        return branch_scope(RepairOrder.objects.all(), user).select_related(
            "customer", "branch", "craftsman").get(pk=order_id)
    except (RepairOrder.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def repair_list(*, user: User, status: str = "", branch_id: str = "", craftsman_id: str = "",
                search: str = "", overdue: bool = False) -> QuerySet[RepairOrder]:
    """Orders `user` may see, newest first, filtered by status ("open" = any open state),
    branch, craftsman, number or customer name, and overdue (promised before today,
    still open)."""
    orders = branch_scope(RepairOrder.objects.all(), user).select_related(
        "customer", "branch", "craftsman")
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


def repair_photo_get(*, photo_id: object, user: User) -> RepairPhoto:
    """A photo of an order `user` may see, or 404."""
    try:
        return branch_scope(RepairPhoto.objects.all(), user, field="order__branch").get(
            pk=photo_id)
    except (RepairPhoto.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def repair_pending_summary(*, user: User) -> dict[str, Any]:
    """Open orders `user` may see, of which overdue and ready for pickup (the dashboard
    widget)."""
    today = timezone.localdate()
    orders = branch_scope(RepairOrder.objects.all(), user)
    return orders.filter(status__in=OPEN_STATES).aggregate(
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


def repair_payment_get(*, payment_id: object, user: User) -> RepairPayment:
    """A payment `user` may see (its receipt), or 404: one of an order of their branch,
    or one taken at their branch's till (it is in that drawer)."""
    payments = RepairPayment.objects.filter(pk=payment_id)
    payment = ((branch_scope(payments, user, field="order__branch")
                | branch_scope(payments, user))
               .select_related("order__customer", "branch", "cashier").first())
    if payment is None:
        raise Http404
    return payment
