"""Generic or custom: the plans of the register's prepared statements on the bench's data.

A server-side prepared statement (tenants.prepared: `Prepared(..., reuse_plan=True)`,
`prepared_cursor()`) may be run with a generic plan, made once without the arguments'
values, after its first five runs. That is only safe where the generic plan is the
custom one: a read whose generic plan scans the shop's 100,000 stock levels instead of
one item's would cost 20 ms per scan. This check runs one real sale in this process
(Django's test client: sign in, open a shift, scan a serial piece and a lot, complete,
open the receipt) while it records every statement run prepared and its arguments.
Then, for each statement, in a transaction rolled back, as the application role under
the shop's scope: EXPLAIN EXECUTE with plan_cache_mode force_custom_plan and then
force_generic_plan, and the two plans compared (node types, relations, indexes and
conditions with the arguments masked; not the estimates), each timed (EXPLAIN ANALYZE).
The register's reads not marked reuse_plan are prepared for this one sale and shown
too, marked "(not reuse_plan)": their plans may differ (that is why they are not).

bench.py calls `plans_check()` after its load (Django set up for the bench's database);
run alone: `python tests/perf/pos/plans.py [--db zargar_bench_pos]`.
"""

from __future__ import annotations

import re
import sys
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The modules that declare the register's prepared reads (their names in the report).
MODULES = ("tenants.auth_backends", "inventory.selectors", "inventory.services",
           "pos.selectors", "pos.carts", "pos.services", "pos.receipts")
UNMARKED = "(not reuse_plan)"  # shown, not required to keep its plan
_MEASURES = re.compile(r"\s*\((?:cost|actual)[^)]*\)")
# An argument: a literal in the custom plan ('...'::uuid), $n in the generic one.
_ARGUMENT = re.compile(r"'(?:[^']|'')*'::[\w ]+(?:\[\])?|\$\d+")
_ARGUMENTS = re.compile(r"ARRAY\[\?(?:, \?)*\]")  # IN (a, b): an array of ? when generic
_NOISE = ("Planning Time", "Execution Time", "Planning:", "Buffers:", "Trigger ")


@dataclass
class Statement:
    name: str
    sql: str
    params: list
    tenant_id: str | None  # None: a platform read (the signed-in user and their shop)


@dataclass
class Plan:
    name: str
    same: bool
    custom_ms: float | None
    generic_ms: float | None
    custom: str
    generic: str


def _declared() -> dict[int, str]:
    import importlib

    from tenants.prepared import Prepared

    names = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if isinstance(value, Prepared):
                names[id(value)] = f"{module_name}.{name}" + ("" if value.reuse_plan else
                                                              f" {UNMARKED}")
    return names


def _record_sale(cashier_email: str, terminal_id: str, pieces: list) -> list[Statement]:
    """One sale through the register's views in this process, recording what runs as a
    server-side prepared statement (the reads by their declared name)."""
    import uuid
    from decimal import Decimal

    from django.test import Client

    from tenants import prepared
    from tenants.context import current_tenant
    from tenants.models import User
    from tests.perf.pos.bench import cash_for

    names = _declared()
    recorded: list[Statement] = []
    reading: list[str] = []
    original_rows, original_execute = prepared.Prepared._rows, prepared._PreparingCursor.execute

    def rows(self, args):
        # the reads without reuse_plan are prepared for this one sale, to be shown too
        reading.append(names.get(id(self), "an undeclared read"))
        marked, self.reuse_plan = self.reuse_plan, True
        try:
            return original_rows(self, args)
        finally:
            reading.pop()
            self.reuse_plan = marked

    def execute(self, query, params=None, **kwargs):
        tenant = current_tenant()
        name = reading[-1] if reading else _raw_name(query)
        recorded.append(Statement(name, query, list(params or []),
                                  str(tenant.pk) if tenant is not None else None))
        return original_execute(self, query, params, **kwargs)

    prepared.Prepared._rows, prepared._PreparingCursor.execute = rows, execute
    try:
        client = Client(HTTP_HOST="localhost")  # ALLOWED_HOSTS, outside the test runner
        client.force_login(User.objects.get(email=cashier_email))
        htmx = {"HX-Request": "true"}
        response = client.post("/pos/shift/open/", {"terminal": terminal_id,
                                                    "opening_float": "100"})
        assert response.status_code == 302, response.content[:300]
        assert client.get("/pos/").status_code == 200
        for piece in pieces:
            response = client.post("/pos/scan/", {"code": piece.barcode}, headers=htmx)
            assert response.status_code == 200, response.content[:300]
        total = sum((Decimal(piece.price) for piece in pieces), Decimal(0))
        response = client.post("/pos/complete/", {
            "idempotency_key": str(uuid.uuid4()), "cash": str(cash_for(total)), "card": "",
            "card_reference": ""}, headers=htmx)
        location = response.headers.get("HX-Redirect", "")
        assert response.status_code == 200 and "/pos/sales/" in location, \
            response.content[:300]
        assert client.get(location).status_code == 200
    finally:
        prepared.Prepared._rows, prepared._PreparingCursor.execute = original_rows, \
            original_execute
    return recorded


def _raw_name(query: str) -> str:
    words = " ".join(str(query).split())
    table = re.search(r'(?:INTO|UPDATE|FROM)\s+"?(\w+)"?', words)
    verb = re.match(r"\W*(\w+)", words)
    return f"raw {verb.group(1).upper() if verb else ''} {table.group(1) if table else ''}"


def _plan_text(rows: list[tuple]) -> str:
    lines = [row[0] for row in rows]
    return "\n".join(_ARGUMENTS.sub("?", _ARGUMENT.sub("?", _MEASURES.sub("", line)))
                     for line in lines
                     if not line.strip().startswith(_NOISE))


def _ms(rows: list[tuple]) -> float | None:
    for (line,) in rows:
        if line.startswith("Execution Time:"):
            return float(line.split(":")[1].split()[0])
    return None


def plans_compare(statements: list[Statement]) -> list[Plan]:
    """Each distinct statement's custom and generic plans (first arguments seen)."""
    from django.db import connection, transaction
    from psycopg import sql as psql

    from tenants.context import tenant_context
    from tenants.models import Tenant

    seen: dict[str, Statement] = {}
    for statement in statements:
        seen.setdefault(statement.sql, statement)
    plans = []
    for statement in seen.values():
        if statement.sql.lstrip().upper().startswith("INSERT"):
            continue  # one plan whatever the values: a Result node into the table
        count = 0

        def numbered(_match):
            nonlocal count
            count += 1
            return f"${count}"

        text = re.sub(r"%s", numbered, statement.sql).replace("%%", "%")
        scope = tenant_context(Tenant.objects.get(pk=statement.tenant_id)) \
            if statement.tenant_id else nullcontext()
        with transaction.atomic():  # rolled back: EXPLAIN ANALYZE runs the statement
            with scope:
                raw = connection.connection
                literals = ", ".join(psql.Literal(value).as_string(raw)
                                     for value in statement.params)
                run = f"EXECUTE zargar_plan_check({literals})" if literals else \
                    "EXECUTE zargar_plan_check"
                options = "ANALYZE, COSTS OFF, TIMING OFF"
                found = {}
                with connection.cursor() as cursor:
                    cursor.execute(f"PREPARE zargar_plan_check AS {text}")
                    for mode in ("force_custom_plan", "force_generic_plan"):
                        cursor.execute(f"SET LOCAL plan_cache_mode = {mode}")
                        cursor.execute(f"EXPLAIN ({options}) {run}")
                        found[mode] = cursor.fetchall()
                    cursor.execute("DEALLOCATE zargar_plan_check")
            transaction.set_rollback(True)
        custom, generic = (_plan_text(found[m]) for m in ("force_custom_plan",
                                                          "force_generic_plan"))
        plans.append(Plan(statement.name, custom == generic,
                          _ms(found["force_custom_plan"]), _ms(found["force_generic_plan"]),
                          custom, generic))
    return plans


def plans_check(*, cashier_email: str, terminal_id: str, pieces: list, log=print) -> tuple[list[Plan], list[str]]:
    """Record one sale, compare the plans, print a table; returns the plans and the
    declared reuse_plan reads the sale did not run."""
    statements = _record_sale(cashier_email, terminal_id, pieces)
    plans = plans_compare(statements)
    declared = {name for name in _declared().values() if UNMARKED not in name}
    unrun = sorted(declared - {s.name for s in statements})
    print()
    print("Prepared statements of one sale, custom vs generic plan (tests/perf/pos/plans.py):")
    print()
    print("| statement | custom plan ms | generic plan ms | same plan |")
    print("|---|--:|--:|---|")
    for plan in sorted(plans, key=lambda p: p.name):
        def shown(ms):
            return f"{ms:.2f}" if ms is not None else "-"
        print(f"| {plan.name} | {shown(plan.custom_ms)} | {shown(plan.generic_ms)} | "
              f"{'yes' if plan.same else 'NO'} |")
    print()
    for plan in plans:
        if not plan.same and UNMARKED not in plan.name:
            print(f"{plan.name}: custom plan\n{plan.custom}\ngeneric plan\n{plan.generic}\n")
    if unrun:
        print(f"declared reuse_plan but not run by this sale: {', '.join(unrun)}")
        print()
    marked = [p for p in plans if UNMARKED not in p.name]
    log(f"{sum(p.same for p in marked)}/{len(marked)} prepared statements with the same "
        f"plan (and {sum(p.same for p in plans) - sum(p.same for p in marked)}/"
        f"{len(plans) - len(marked)} of the reads not marked reuse_plan)")
    return plans, unrun


def main() -> int:
    import argparse
    import os

    from tests.perf.pos import bench, seed

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="zargar_bench_pos")
    opts = parser.parse_args()
    bench.load_env()
    urls = bench.scratch_urls(opts.db)
    os.environ["DATABASE_URL"] = urls["app"]
    os.environ["PLATFORM_DATABASE_URL"] = urls["platform"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    tenant_id, cashiers, serials, lots = seed.big_shop(urls["owner"], terminals=1)
    seed.shifts_close_open(urls["owner"], tenant_id)
    try:
        plans, _unrun = plans_check(cashier_email=cashiers[0].email,
                                    terminal_id=cashiers[0].terminal_id,
                                    pieces=[serials[0], lots[0]])
    finally:
        seed.shifts_close_open(urls["owner"], tenant_id)
    return 0 if all(p.same for p in plans if UNMARKED not in p.name) else 1


if __name__ == "__main__":
    sys.exit(main())
