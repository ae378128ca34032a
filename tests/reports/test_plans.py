"""The reports' date range is an index range under RLS: with a shop holding thousands of
sales and returns over months, a two-day report reaches them through the
(tenant_id, created_at) indexes, not by scanning the shop's rows."""

import os

import environ
import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pos.models import Sale, SaleReturn
from reports import selectors
from reports.selectors import ReportFilter
from tenants.context import tenant_context
from tests.reports.conftest import DAY2, scenario_make

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "platform"])


def _copies(model, source_id, n: int, start: int) -> None:
    """n copies of one row an hour apart going back in time (new id, number, key)."""
    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.column == "tenant_id":
            continue  # the database default: the scope's tenant
        columns.append(f.column)
        values.append({"id": "gen_random_uuid()", "number": f"{start} + g",
                       "idempotency_key": "gen_random_uuid()",
                       "created_at": "created_at - g * interval '1 hour'"}.get(f.column, f.column))
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) "
                       f"SELECT {', '.join(values)} FROM {table}, generate_series(1, %s) g "
                       f"WHERE id = %s", [n, source_id])


def test_a_two_day_report_walks_the_created_at_indexes(shop_a, shop_b) -> None:
    scenario = scenario_make(shop_a)
    with tenant_context(shop_a.tenant):
        _copies(Sale, scenario.sales["S1"].pk, 6000, 10_000)
        _copies(SaleReturn, scenario.sale_return.pk, 3000, 10_000)
    owner = environ.Env.db_url_config(os.environ["DATABASE_OWNER_URL"])
    with psycopg.connect(host=owner["HOST"], port=owner["PORT"], user=owner["USER"],
                         password=owner["PASSWORD"], dbname=connection.settings_dict["NAME"],
                         autocommit=True) as admin:
        admin.execute("ANALYZE pos_sale, pos_salereturn, pos_saleline, pos_salereturnline")
    plans = []
    with tenant_context(shop_a.tenant):
        for key in ("day", "branch", "employee"):
            with CaptureQueriesContext(connection) as queries:
                selectors.report_build(key=key, filters=ReportFilter(start=DAY2, end=DAY2))
            for q in queries.captured_queries:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN " + q["sql"])
                    plans.append("\n".join(r[0] for r in cursor.fetchall()))
    text = "\n\n".join(plans)
    assert text.count("tenant_pos_sale_created") == 3, text
    assert text.count("tenant_pos_return_created") == 3, text
    assert "Seq Scan on pos_sale " not in text and "Seq Scan on pos_salereturn " not in text, text
