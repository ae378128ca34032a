"""Acceptance 5 under concurrency: parallel returns of one sale never give back more than
was sold (the sale row is locked; each thread has its own connection)."""

from decimal import Decimal

import pytest

from inventory.models import StockLevel, StockMovement
from pos import returns
from pos.models import Refund, Sale, SaleReturnLine
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tests.factories import pos_sale_make
from tests.pos.conftest import lot, open_shift
from tests.pos.test_concurrency import run_parallel

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_parallel_returns_of_a_three_piece_line(shop_a) -> None:
    s = shop_a
    shift = open_shift(s)
    chain = lot(s, 5)
    sale = pos_sale_make(s, shift=shift, lines=[(chain, 3, D(0))])
    with tenant_context(s.tenant):
        line = Sale.objects.get(pk=sale.pk).lines.get()

    def work(i: int):
        with tenant_context(s.tenant):
            # The owner: after the first, the sale's refunds pass the approval limit.
            return returns.sale_return_create(tenant=s.tenant, actor=s.owner, shift=shift,
                                              sale=sale, lines=[(line.pk, 1)],
                                              reason=f"parallel {i}").pk

    results, errors = run_parallel(10, work)
    assert len(results) == 3 and len(errors) == 7
    assert all(isinstance(e, BusinessRuleError) and "can still come back" in e.message
               for e in errors), errors
    with tenant_context(s.tenant):
        assert sum(SaleReturnLine.objects.filter(sale_line=line)
                   .values_list("quantity", flat=True)) == 3
        assert sum(Refund.objects.filter(sale_return__sale=sale)
                   .values_list("amount", flat=True)) == line.total
        assert StockMovement.objects.filter(item=chain, kind="return").count() == 3
        assert StockLevel.objects.get(item=chain, branch=s.main).quantity == 5
        assert Sale.objects.get(pk=sale.pk).status == Sale.Status.RETURNED
