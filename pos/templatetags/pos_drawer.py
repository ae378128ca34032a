"""{% drawer_lines shift %}: the cash a shift's drawer should hold, line by line (float,
cash sales, cash refunds, payouts, each other module's cash such as repair payments,
expected), shown above the count when the shift is closed."""

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("pos/_drawer_lines.html")
def drawer_lines(shift: Any, oob: bool = False) -> dict[str, Any]:
    """`oob`: drawn into an HTMX answer that moved cash (pos.views.exchange), to replace
    the register's lines out of band."""
    from pos import selectors
    from pos.drawer import shift_other_cash

    other = shift_other_cash(shift=shift)
    lines = {
        "opening_float": shift.opening_float,
        "cash_sales": selectors.shift_cash_sales(shift=shift),
        "cash_refunds": selectors.shift_cash_refunds(shift=shift),
        "payouts": selectors.shift_payouts(shift=shift),
        "other_cash": other,
        "oob": oob,
    }
    # shift_expected_cash's sum, from the lines already read (no second round of queries)
    lines["expected"] = (lines["opening_float"] + lines["cash_sales"] - lines["cash_refunds"]
                         - lines["payouts"] + sum((cash for _k, _l, cash in other), ZERO))
    return lines


ZERO = Decimal("0")
