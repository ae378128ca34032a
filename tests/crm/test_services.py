"""Customers, duplicates, find-or-create, store credit, gift cards and referrals,
created through the services inside each shop's scope."""

from decimal import Decimal

import pytest

from crm import selectors, services
from crm.models import Customer, GiftCard, StoreCreditTransaction
from crm.normalize import phone_normalize
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import customer_make

pytestmark = pytest.mark.django_db


def test_numbers_are_counted_per_shop(shop_a, shop_b) -> None:
    # shop_world already made two customers in each shop.
    a = customer_make(shop_a, last_name="Alavi")
    b = customer_make(shop_b, last_name="Bahrami")
    assert a.number == 3 and b.number == 3
    with tenant_context(shop_a.tenant):
        assert not Customer.objects.filter(last_name="Bahrami").exists()
        assert sorted(Customer.objects.values_list("number", flat=True)) == [1, 2, 3]


def test_phone_and_email_are_normalized() -> None:
    assert phone_normalize("۰۹۱۲ ۱۲۳-۴۵۶۷") == "09121234567"
    assert phone_normalize("+98 (912) 123 4567") == "+989121234567"
    assert phone_normalize("0098 912 1234567") == "+989121234567"


def test_text_that_is_not_a_phone_is_refused_not_stored_as_no_phone(shop_a) -> None:
    for typed in ("abc", "0912 abc", "0912-555-12x2"):
        with pytest.raises(BusinessRuleError) as err:
            customer_make(shop_a, last_name="Unread", phone=typed)
        assert err.value.field == "phone"
        with pytest.raises(BusinessRuleError), tenant_context(shop_a.tenant):
            services.customer_find_or_create(tenant=shop_a.tenant, actor=None, phone=typed)
    with tenant_context(shop_a.tenant):
        assert not Customer.objects.filter(last_name="Unread").exists()
    assert customer_make(shop_a, last_name="Read", phone="(0912) 555.1212").phone == "09125551212"


def test_create_normalizes_and_keeps_fields(shop_a) -> None:
    c = customer_make(shop_a, first_name=" Mina ", last_name="Rahimi", phone="۰۹۱۲ ۵۵۵ ۱۲۱۲",
                      email=" Mina@Example.COM ", tags="VIP, wedding، VIP",
                      sms_opt_in=True)
    assert (c.phone, c.email, c.tags, c.sms_opt_in, c.email_opt_in) == (
        "09125551212", "mina@example.com", ["VIP", "wedding"], True, False)
    assert len(c.referral_code) == 8


def test_duplicate_phone_or_email_is_reported_with_the_existing_customer(shop_a, shop_b) -> None:
    first = shop_a.extra["customer"]
    with pytest.raises(services.DuplicateCustomer) as err:
        customer_make(shop_a, last_name="Other", phone="0912 000 0002")
    assert err.value.existing == first and err.value.field == "phone"
    with pytest.raises(services.DuplicateCustomer) as err:
        customer_make(shop_a, last_name="Other", email=first.email.upper())
    assert err.value.existing == first and err.value.field == "email"
    # Another shop's customers are not duplicates.
    only_a = customer_make(shop_a, last_name="OnlyA", phone="09127778888", email="x@example.com")
    customer_make(shop_b, last_name="Other", phone=only_a.phone, email=only_a.email)
    # The clerk may confirm a real second person with the same phone.
    twin = customer_make(shop_a, last_name="Twin", phone="09120000002", allow_duplicate=True)
    assert twin.phone == first.phone


def test_find_or_create_returns_the_existing_customer_or_one_new(shop_a) -> None:
    t = shop_a.tenant
    with tenant_context(t):
        found, created = services.customer_find_or_create(tenant=t, actor=shop_a.cashier,
                                                          phone="۰۹۱۲۰۰۰۰۰۰۲")
        assert (found, created) == (shop_a.extra["customer"], False)
        new, created = services.customer_find_or_create(tenant=t, actor=shop_a.cashier,
                                                        phone="0935 111 2222", last_name="Walk-in")
        assert created and new.last_name == "Walk-in"
        again, created = services.customer_find_or_create(tenant=t, actor=shop_a.cashier,
                                                          phone="09351112222")
        assert (again, created) == (new, False)


def test_search_by_name_phone_number_and_persian_spelling(shop_a, shop_b) -> None:
    customer_make(shop_a, first_name="علي", last_name="كريمي", phone="09127770000")
    customer_make(shop_b, first_name="Sara", last_name="Sarabi", phone="09129990000")
    with tenant_context(shop_a.tenant):
        names = lambda q: sorted(c.last_name for c in selectors.customer_list(search=q))  # noqa: E731
        assert names("sara") == ["Ahmadi"]  # shop B's Sara is not there
        assert names("کریمی") == ["كريمي"]  # Persian kaf/yeh find the Arabic spelling
        assert names("۰۹۱۲۷۷۷") == ["كريمي"]
        assert names("2") == ["Karimi"]  # a short number is the customer number
        assert names("reza.") == ["Karimi"]


def test_store_credit_issue_redeem_adjust_expire(shop_a) -> None:
    t, c = shop_a.tenant, shop_a.extra["customer"]
    with tenant_context(t):
        assert selectors.store_credit_balance(customer=c) == Decimal("50.00")
        services.store_credit_redeem(tenant=t, actor=shop_a.cashier, customer=c,
                                     amount=Decimal("20"))
        with pytest.raises(BusinessRuleError, match="store credit is left") as err:
            services.store_credit_redeem(tenant=t, actor=shop_a.cashier, customer=c,
                                         amount=Decimal("30.01"))
        assert err.value.field == "amount"
        with pytest.raises(BusinessRuleError):
            services.store_credit_adjust(tenant=t, actor=shop_a.cashier, customer=c,
                                         amount=Decimal("5"), reason="x")
        with pytest.raises(BusinessRuleError, match="reason"):
            services.store_credit_adjust(tenant=t, actor=shop_a.manager, customer=c,
                                         amount=Decimal("5"), reason=" ")
        services.store_credit_adjust(tenant=t, actor=shop_a.manager, customer=c,
                                     amount=Decimal("-10"), reason="Typo")
        assert selectors.store_credit_balance(customer=c) == Decimal("20.00")
        services.store_credit_expire(tenant=t, actor=shop_a.manager, customer=c)
        assert selectors.store_credit_balance(customer=c) == 0
        kinds = list(StoreCreditTransaction.objects.order_by("created_at")
                     .values_list("kind", "amount"))
        assert kinds == [("issue", Decimal("50.00")), ("redeem", Decimal("-20.00")),
                         ("adjust", Decimal("-10.00")), ("expire", Decimal("-20.00"))]


def test_gift_card_codes_and_redemption(shop_a, shop_b) -> None:
    t = shop_a.tenant
    card = shop_a.extra["gift_card"]
    assert len(card.code) == 16 and set(card.code) <= set(services.CODE_ALPHABET)
    with tenant_context(t):
        assert selectors.gift_card_balance_of(card=card) == Decimal("90.00")
        typed = card.display_code.lower().replace("-", " ")
        services.gift_card_redeem(tenant=t, actor=shop_a.cashier, code=typed, amount=Decimal("90"))
        with pytest.raises(BusinessRuleError, match="left on this gift card"):
            services.gift_card_redeem(tenant=t, actor=shop_a.cashier, code=card.code,
                                      amount=Decimal("0.01"))
        # Shop B's card does not exist here.
        with pytest.raises(BusinessRuleError, match="No gift card"):
            services.gift_card_redeem(tenant=t, actor=shop_a.cashier,
                                      code=shop_b.extra["gift_card"].code, amount=Decimal("1"))
        assert selectors.gift_card_by_code(code=shop_b.extra["gift_card"].code) is None
        codes = {services.gift_card_issue(tenant=t, actor=shop_a.owner, amount=Decimal("1")).code
                 for _ in range(20)}
        assert len(codes) == 20
        assert GiftCard.objects.count() == 21


def test_amounts_must_be_positive(shop_a) -> None:
    t, c = shop_a.tenant, shop_a.extra["customer"]
    with tenant_context(t):
        for bad in ("0", "-1", "abc"):
            with pytest.raises(BusinessRuleError) as err:
                services.store_credit_issue(tenant=t, actor=shop_a.owner, customer=c, amount=bad)
            assert err.value.field == "amount"


def test_referral_rewards_both_sides_once(shop_a) -> None:
    t = shop_a.tenant
    referrer, referred = shop_a.extra["referrer"], shop_a.extra["customer"]
    with tenant_context(t):
        assert referred.referred_by == referrer
        assert selectors.points_balance(customer=referrer) == 100
        assert selectors.points_balance(customer=referred) == 50 + 120
        with pytest.raises(BusinessRuleError, match="already"):
            services.referral_apply(tenant=t, actor=shop_a.owner, customer=referred,
                                    code=referrer.referral_code)
        solo = customer_make(shop_a, last_name="Solo")
        with pytest.raises(BusinessRuleError, match="themselves"):
            services.referral_apply(tenant=t, actor=shop_a.owner, customer=solo,
                                    code=solo.referral_code)
        with pytest.raises(BusinessRuleError, match="No customer"):
            services.referral_apply(tenant=t, actor=shop_a.owner, customer=solo, code="NOPE")
        assert selectors.points_balance(customer=referrer) == 100
