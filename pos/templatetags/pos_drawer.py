"""{% drawer_lines shift %}: the cash a shift's drawer should hold, line by line (float,
cash sales, cash refunds, payouts, each other module's cash such as repair payments,
expected), shown above the count when the shift is closed."""

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("pos/_drawer_lines.html")
def drawer_lines(shift: Any) -> dict[str, Any]:
    from pos import selectors
    from pos.drawer import shift_other_cash

    other = shift_other_cash(shift=shift)
    return {
        "opening_float": shift.opening_float,
        "cash_sales": selectors.shift_cash_sales(shift=shift),
        "cash_refunds": selectors.shift_cash_refunds(shift=shift),
        "payouts": selectors.shift_payouts(shift=shift),
        "other_cash": other,
        "expected": selectors.shift_expected_cash(shift=shift),
    }
