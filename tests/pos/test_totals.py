"""pos.totals: the cart arithmetic, including the property test of acceptance 4."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from pos import totals
from tenants.errors import BusinessRuleError

D = Decimal


def test_cart_discount_is_split_exactly_and_tax_is_the_included_share() -> None:
    lines = [totals.LineInput(D("100.00"), 1, D("0"), D("0.1")),
             totals.LineInput(D("50.00"), 2, D("10.00"), D("0")),
             totals.LineInput(D("33.33"), 1, D("0"), D("0.09"))]
    cart = totals.cart_totals(lines, cart_discount=D("10.00"), currency="USD")
    assert cart.subtotal == D("233.33")
    assert sum(line.cart_discount for line in cart.lines) == D("10.00")
    assert cart.total == D("213.33") == cart.subtotal - cart.discount_total
    assert cart.discount_total == D("20.00")
    first = cart.lines[0]
    assert first.tax == (first.total * D("0.1")).quantize(D("0.01"), ROUND_HALF_UP)
    assert cart.lines[1].tax == 0


def test_irr_has_no_minor_unit() -> None:
    cart = totals.cart_totals([totals.LineInput(D("1000001"), 3, D("1"), D("0.09"))],
                              cart_discount=D("2"), currency="IRR")
    assert cart.total == D("3000000") and cart.tax_total == D("270000")
    with pytest.raises(BusinessRuleError) as err:
        totals.cart_totals([totals.LineInput(D("10.5"), 1)], currency="IRR")
    assert str(err.value) == "Amounts in IRR are whole numbers, without decimals."
    # In Persian the message names the currency as the shop says it.
    with translation.override("fa"), pytest.raises(BusinessRuleError) as err:
        totals.cart_totals([totals.LineInput(D("10.5"), 1)], currency="IRR")
    assert "ریال" in str(err.value) and "IRR" not in str(err.value)
    with translation.override("fa"), pytest.raises(BusinessRuleError) as err:
        totals.cart_totals([totals.LineInput(D("10.555"), 1)], currency="USD")
    assert "۲" in str(err.value) and "2" not in str(err.value)


@pytest.mark.parametrize("lines, discount", [
    ([], D(0)),
    ([totals.LineInput(D("10"), 0)], D(0)),
    ([totals.LineInput(D("10"), 1, D("10.01"))], D(0)),
    ([totals.LineInput(D("10"), 1, D("5"))], D("5.01")),
    ([totals.LineInput(D("10"), 1, D("-1"))], D(0)),
    ([totals.LineInput(D("10.001"), 1)], D(0)),
])
def test_carts_that_cannot_be_sold_are_refused(lines, discount) -> None:
    with pytest.raises(BusinessRuleError):
        totals.cart_totals(lines, cart_discount=discount, currency="USD")


def test_change_comes_from_cash_only() -> None:
    assert totals.change_split(D("90"), [("card", D("40")), ("cash", D("60"))],
                               currency="USD") == [D(0), D("10")]
    with pytest.raises(BusinessRuleError, match="still due"):
        totals.change_split(D("90"), [("card", D("40")), ("cash", D("49.99"))], currency="USD")
    with pytest.raises(BusinessRuleError, match="only cash gives change"):
        totals.change_split(D("90"), [("card", D("90.01"))], currency="USD")
    with pytest.raises(BusinessRuleError, match="not needed"):
        totals.change_split(D("90"), [("card", D("90")), ("cash", D("5"))], currency="USD")
    with pytest.raises(BusinessRuleError):
        totals.change_split(D("90"), [("cash", D("0")), ("card", D("90"))], currency="USD")


money = st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2)
line = st.tuples(money, st.integers(1, 5), st.floats(0, 1), st.sampled_from(
    [D(0), D("0.0826"), D("0.0123"), D("0.2")]))
methods = st.lists(st.sampled_from(["cash", "card", "store_credit", "gift_card", "points"]),
                   min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(line, min_size=1, max_size=6), cart_fraction=st.floats(0, 1),
       methods=methods, weights=st.lists(st.integers(1, 100), min_size=4, max_size=4),
       cash_extra=st.decimals(min_value=D(0), max_value=D("500"), places=2),
       currency=st.sampled_from(["USD", "IRR"]),
       member_percent=st.sampled_from([D(0), D("5"), D("12.5"), D("100")]))
def test_property_payments_balance_to_the_cent_and_tax_follows_the_rule(
        lines, cart_fraction, methods, weights, cash_extra, currency, member_percent) -> None:
    """Acceptance 4: any cart, discounts (a loyalty tier's member % included) and split
    of tenders settle the total exactly."""
    unit = D(1) if currency == "IRR" else D("0.01")

    def q(x: Decimal) -> Decimal:
        return x.quantize(unit, rounding="ROUND_DOWN")

    inputs = []
    for price, qty, disc_fraction, share in lines:
        price = q(price)
        gross = price * qty
        inputs.append(totals.LineInput(price, qty, q(gross * D(str(disc_fraction)))
                                       if gross else D(0), share))
    after = sum((i.unit_price * i.quantity - i.line_discount for i in inputs), D(0))
    member = (after * member_percent / 100).quantize(unit, rounding=ROUND_HALF_UP)
    cart_discount = q((after - member) * D(str(cart_fraction)))
    cart = totals.cart_totals(inputs, cart_discount=cart_discount, currency=currency,
                              member_percent=member_percent)

    # Totals add up, nothing negative, and every line's tax is its included share.
    assert cart.total == cart.subtotal - cart.discount_total
    assert cart.total == sum((ln.total for ln in cart.lines), D(0))
    assert sum((ln.cart_discount for ln in cart.lines), D(0)) == cart_discount
    assert sum((ln.member_discount for ln in cart.lines), D(0)) == cart.member_discount == member
    for i, ln in zip(inputs, cart.lines, strict=True):  # no line gives more than it has
        assert ln.member_discount <= i.unit_price * i.quantity - i.line_discount
    for i, ln in zip(inputs, cart.lines, strict=True):
        assert ln.total >= 0 and 0 <= ln.tax <= ln.total
        assert ln.tax == (ln.total * i.tax_share).quantize(unit, rounding=ROUND_HALF_UP)
        assert ln.total == q(ln.total)
    assert cart.tax_total == sum((ln.tax for ln in cart.lines), D(0))

    if cart.total == 0:
        return
    # Split the total over the methods by weight (exactly), then let cash overpay.
    parts = totals.allocate(cart.total, [D(w) for w in weights[:len(methods)]], currency)
    tenders = [(m, p) for m, p in zip(methods, parts, strict=False) if p > 0]
    if cash_extra and any(m == "cash" for m, _p in tenders):
        i = max(k for k, (m, _p) in enumerate(tenders) if m == "cash")
        tenders[i] = ("cash", tenders[i][1] + q(cash_extra))
    changes = totals.change_split(cart.total, tenders, currency=currency)
    assert sum((a - c for (_m, a), c in zip(tenders, changes, strict=True)), D(0)) == cart.total
    assert all(c == 0 for (m, _a), c in zip(tenders, changes, strict=True) if m != "cash")
