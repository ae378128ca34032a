"""Acceptance 1 and 2: a balance is the sum of its transactions, and parallel
redemptions against one balance never overdraw it (real threads, row locks)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm import selectors, services
from crm.models import Customer, GiftCardTransaction, StoreCreditTransaction
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import customer_make

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
operations = st.lists(
    st.tuples(st.sampled_from(["issue", "redeem", "adjust_up", "adjust_down", "expire"]), amounts),
    min_size=1, max_size=12,
)


def _apply_store_credit(shop, customer, op: str, amount: Decimal) -> None:  # noqa: ANN001
    t, manager = shop.tenant, shop.manager
    if op == "issue":
        services.store_credit_issue(tenant=t, actor=manager, customer=customer, amount=amount)
    elif op == "redeem":
        services.store_credit_redeem(tenant=t, actor=manager, customer=customer, amount=amount)
    elif op == "adjust_up":
        services.store_credit_adjust(tenant=t, actor=manager, customer=customer, amount=amount,
                                     reason="count")
    elif op == "adjust_down":
        services.store_credit_adjust(tenant=t, actor=manager, customer=customer, amount=-amount,
                                     reason="count")
    else:
        services.store_credit_expire(tenant=t, actor=manager, customer=customer)


def _apply_gift_card(shop, card, op: str, amount: Decimal) -> None:  # noqa: ANN001
    t, manager = shop.tenant, shop.manager
    if op == "issue":  # a top-up: a positive adjustment
        services.gift_card_adjust(tenant=t, actor=manager, card=card, amount=amount, reason="top-up")
    elif op == "redeem":
        services.gift_card_redeem(tenant=t, actor=manager, code=card.code, amount=amount)
    elif op == "adjust_up":
        services.gift_card_adjust(tenant=t, actor=manager, card=card, amount=amount, reason="count")
    elif op == "adjust_down":
        services.gift_card_adjust(tenant=t, actor=manager, card=card, amount=-amount,
                                  reason="count")
    else:
        services.gift_card_expire(tenant=t, actor=manager, card=card)


def _expected(balance: Decimal, op: str, amount: Decimal) -> Decimal:
    """The rules as a model: what the balance becomes, or unchanged when refused."""
    if op in ("issue", "adjust_up"):
        return balance + amount
    if op in ("redeem", "adjust_down"):
        return balance - amount if amount <= balance else balance
    return Decimal("0.00")


@pytest.mark.django_db
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_store_credit_balance_is_the_sum_of_its_transactions(shop_a, ops) -> None:  # noqa: ANN001
    customer = customer_make(shop_a, last_name="Prop")
    model = Decimal("0.00")
    with tenant_context(shop_a.tenant):
        for op, amount in ops:
            try:
                _apply_store_credit(shop_a, customer, op, amount)
            except BusinessRuleError:
                pass
            model = _expected(model, op, amount)
            total = StoreCreditTransaction.objects.filter(account__customer=customer).aggregate(
                s=Sum("amount"))["s"] or Decimal("0.00")
            assert selectors.store_credit_balance(customer=customer) == total == model
            assert total >= 0


@pytest.mark.django_db
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=amounts, ops=operations)
def test_gift_card_balance_is_the_sum_of_its_transactions(shop_a, first, ops) -> None:  # noqa: ANN001
    t = shop_a.tenant
    with tenant_context(t):
        card = services.gift_card_issue(tenant=t, actor=shop_a.owner, amount=first)
        model = first
        for op, amount in ops:
            try:
                _apply_gift_card(shop_a, card, op, amount)
            except BusinessRuleError:
                pass
            model = _expected(model, op, amount)
            total = GiftCardTransaction.objects.filter(card=card).aggregate(s=Sum("amount"))["s"]
            assert selectors.gift_card_balance_of(card=card) == total == model
            assert total >= 0


@pytest.mark.django_db
def test_the_gift_card_list_balance_is_the_ledger_sum(shop_a) -> None:  # noqa: ANN001
    with tenant_context(shop_a.tenant):
        cards = list(selectors.gift_card_list())
        assert cards and all(c.balance == selectors.gift_card_balance_of(card=c) for c in cards)


# --- acceptance 2: 20 parallel redemptions -----------------------------------------------

THREADS = 20


def _race(shop, redeem) -> list[str]:  # noqa: ANN001
    """Run `redeem()` in THREADS threads released together; each has its own connection."""
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            with tenant_context(shop.tenant):
                redeem()
            outcome = "ok"
        except BusinessRuleError:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_store_credit_redemptions_never_overdraw(shop_a) -> None:
    t, customer = shop_a.tenant, shop_a.extra["customer"]  # 50.00 of store credit
    with tenant_context(t):
        services.store_credit_issue(tenant=t, actor=shop_a.owner, customer=customer,
                                    amount=Decimal("50.00"))  # 100.00
    results = _race(shop_a, lambda: services.store_credit_redeem(
        tenant=t, actor=shop_a.cashier, customer=customer, amount=Decimal("7.00")))
    assert sorted(results) == ["ok"] * 14 + ["refused"] * 6
    with tenant_context(t):
        assert selectors.store_credit_balance(customer=customer) == Decimal("2.00")


@pytest.mark.django_db(transaction=True)
def test_parallel_gift_card_redemptions_never_overdraw(shop_a) -> None:
    t = shop_a.tenant
    with tenant_context(t):
        card = services.gift_card_issue(tenant=t, actor=shop_a.owner, amount=Decimal("100.00"))
    results = _race(shop_a, lambda: services.gift_card_redeem(
        tenant=t, actor=shop_a.cashier, code=card.code, amount=Decimal("9.00")))
    assert sorted(results) == ["ok"] * 11 + ["refused"] * 9
    with tenant_context(t):
        assert selectors.gift_card_balance_of(card=card) == Decimal("1.00")


@pytest.mark.django_db(transaction=True)
def test_parallel_points_redemptions_never_overdraw(shop_a) -> None:
    t, customer = shop_a.tenant, shop_a.extra["customer"]  # 170 points
    results = _race(shop_a, lambda: services.points_redeem(
        tenant=t, actor=shop_a.cashier, customer=customer, points=30))
    assert sorted(results) == ["ok"] * 5 + ["refused"] * 15
    with tenant_context(t):
        assert selectors.points_balance(customer=customer) == 20
        assert selectors.points_available(customer=customer) == 20


@pytest.mark.django_db(transaction=True)
def test_parallel_customer_creation_gives_distinct_numbers_and_one_per_phone(shop_a) -> None:
    t = shop_a.tenant
    made = _race(shop_a, lambda: services.customer_find_or_create(
        tenant=t, actor=shop_a.cashier, phone="09350000000", last_name="Rush"))
    assert made == ["ok"] * THREADS
    counter = iter(range(THREADS))
    lock = threading.Lock()

    def create() -> None:
        with lock:
            n = next(counter)
        customer_make(shop_a, last_name=f"P{n}")

    assert _race(shop_a, create) == ["ok"] * THREADS
    with tenant_context(t):
        assert Customer.objects.filter(phone="09350000000").count() == 1
        numbers = list(Customer.objects.values_list("number", flat=True))
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
