"""Inventory at size: item search and items_reprice for a big shop among many.

Issue acceptance: with one shop of 100,000 items among 1,000 shops (the other 999
have --others items each), the item list's search (SKU, barcode, part of the name)
answers in p95 <= 50 ms of server time, and items_reprice() of the big shop takes
<= 10 s.

    python tests/perf/inventory/bench.py [--items N] [--tenants N] [--others N]
                                         [--repeat N] [--smoke] [--keep] [--db NAME]

Like tests/perf/rls_overhead/bench.py it builds its own scratch database (owned by
zargar_owner, migrated with the project's migrations), fills it server-side, then
measures the real code as the application role under RLS: the selector
(inventory.selectors.item_list, whose exact SKU/barcode lookup runs at once, + its
paginator, i.e. the count and the first page: the SQL the page runs) timed around
the calls ("server"), and the EXPLAIN ANALYZE planning + execution time of every
SELECT they ran, summed ("SQL exec"). Items get their search tokens
(inventory_itemsearchtoken) as the services would write them (checked for a sample).
Prints a Markdown table and drops the database. Exit status 1 if a target is missed
(never with --smoke).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SEARCH_P95_MS = 50.0
REPRICE_S = 10.0
WORDS = ("Ring", "Bangle", "Chain", "Necklace", "Earring", "Pendant", "Anklet", "Brooch")
TABLES = ("inventory_item", "inventory_itemsearchtoken", "inventory_rateboard")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def scratch_urls(db: str) -> dict[str, str]:
    def with_db(url: str) -> str:
        # postgres://USER:PASSWORD@host:port/name -> same with /db (django-environ style URLs).
        base, _, _name = url.rpartition("/")
        return f"{base}/{db}"

    env = os.environ
    return {"admin": env["DATABASE_ADMIN_URL"], "owner": with_db(env["DATABASE_OWNER_URL"]),
            "app": with_db(env["DATABASE_URL"]),
            "platform": with_db(env.get("PLATFORM_DATABASE_URL", env["DATABASE_URL"]))}


def load_env() -> None:
    """The project's .env, as settings read it (the process environment wins)."""
    import environ

    environ.Env.read_env(ROOT / ".env", overwrite=False)


def create_database(urls: dict[str, str], db: str) -> None:
    """`db` again, migrated: a copy of the template (tests/dbtemplate.py)."""
    from tests.dbtemplate import database_clone

    database_clone(db, admin_url=urls["admin"], owner_url=urls["owner"])


def drop_database(admin_url: str, db: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))


def fill(owner_url: str, *, tenants: int, items: int, others: int, log) -> str:
    """Tenants, and items for each, written as the owner with FORCE lifted for the load."""
    import psycopg

    from tenants.roles import database_grants_sql

    t0 = time.perf_counter()
    with psycopg.connect(owner_url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute("INSERT INTO tenants_plan (id, name, price, currency, billing_cycle, "
                         "max_users, max_branches, max_items, max_terminals, is_archived, "
                         "created_at) VALUES (gen_random_uuid(), 'bench', 0, 'USD', 'monthly', "
                         "5, 1, 1000000, 1, false, now())")
            conn.execute(
                "INSERT INTO tenants_tenant (id, name, slug, status, plan_id, currency, "
                "require_mfa, created_at, updated_at) SELECT gen_random_uuid(), 'shop ' || g, "
                "'bench-' || g, 'active', (SELECT id FROM tenants_plan), 'USD', false, now(), "
                "now() FROM generate_series(1, %s) g", [tenants])
            big = conn.execute("SELECT id FROM tenants_tenant WHERE slug = 'bench-1'").fetchone()[0]
            for table in TABLES:
                conn.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            conn.execute("SET LOCAL work_mem = '256MB'")
            words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
            conn.execute(
                f"""INSERT INTO inventory_item (id, tenant_id, sku, name, metal, karat, purity,
                    gross_weight, net_weight, making_charge_mode, making_charge_value,
                    stone_details, stone_value, cost, price_mode, fixed_price, price,
                    tracking, serial_number, barcode, is_active, low_stock_threshold,
                    created_at, updated_at)
                SELECT gen_random_uuid(), t.id, 'SKU-' || lpad(g::text, 7, '0'),
                    ({words})[1 + g %% {len(WORDS)}] || ' ' || substr(md5(g::text), 1, 6),
                    'gold', (ARRAY[18, 21, 22, 24])[1 + g %% 4], 750, 5.250, 5.000,
                    (ARRAY['per_gram', 'percent', 'fixed'])[1 + g %% 3], 8, '', 0, 100,
                    CASE WHEN g %% 10 = 0 THEN 'fixed' ELSE 'rate_based' END,
                    CASE WHEN g %% 10 = 0 THEN 999 END, 0, 'serial', '',
                    'BC' || lpad(g::text, 9, '0'), g %% 50 <> 0, 0, now(), now()
                FROM tenants_tenant t
                CROSS JOIN LATERAL generate_series(1, CASE WHEN t.id = %s THEN %s ELSE %s END) g
                ORDER BY random()""",
                [big, items, others])
            conn.execute(
                "INSERT INTO inventory_rateboard (id, tenant_id, code, mode, buy_margin_percent, "
                "sell_margin_percent, buy_rate, sell_rate, updated_at) "
                "SELECT gen_random_uuid(), t.id, c, 'manual', 0, 0, 60, 65.1234, now() "
                "FROM tenants_tenant t, unnest(ARRAY['gold24','gold22','gold21','gold18']) c")
            # The search tokens inventory.search.item_search_tokens() gives these rows
            # (name words, SKU whole, without its hyphen and its parts, barcode; folded
            # to lower case), checked against it for a sample in check_tokens().
            conn.execute(
                """INSERT INTO inventory_itemsearchtoken (id, tenant_id, item_id, token)
                SELECT gen_random_uuid(), i.tenant_id, i.id, t FROM inventory_item i,
                LATERAL (SELECT DISTINCT unnest(
                    string_to_array(lower(i.name), ' ')
                    || ARRAY[lower(i.sku), lower(i.barcode), regexp_replace(lower(i.sku), '[-/.]', '', 'g')]
                    || regexp_split_to_array(lower(i.sku), '[-/.]')) AS t) x"""
            )
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the deferred tenant FKs now
            for table in TABLES:
                conn.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            for statement in database_grants_sql():
                conn.execute(statement)
        for table in TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")
        tokens = conn.execute("SELECT count(*) FROM pg_class WHERE relname = "
                              "'inventory_itemsearchtoken'").fetchone()[0]
        assert tokens == 1
        count = conn.execute("SELECT count(*) FROM pg_class WHERE relname = 'inventory_item'"
                             ).fetchone()[0]
        assert count == 1
    log(f"built {tenants:,} shops: one of {items:,} items, the others {others:,} each, "
        f"in {time.perf_counter() - t0:.1f} s")
    return str(big)


def check_tokens(tenant) -> None:
    """The tokens the fill wrote are the ones the services would write."""
    from inventory.models import Item
    from tenants.context import tenant_context

    with tenant_context(tenant):
        for item in Item.objects.order_by("?")[:20]:
            stored = set(item.tokens.values_list("token", flat=True))
            if stored != item.search_tokens():
                raise SystemExit(f"bench tokens differ from the app's for {item.sku}: "
                                 f"{sorted(stored ^ item.search_tokens())}")


def measure(big: str, *, items: int, repeat: int, rng: random.Random) -> dict:
    import hashlib

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory import selectors, services
    from tenants.context import tenant_context
    from tenants.models import Tenant

    tenant = Tenant.objects.get(pk=big)
    check_tokens(tenant)

    def name_fragment() -> str:
        return hashlib.md5(str(rng.randint(1, items)).encode()).hexdigest()[:5]

    def two_words() -> str:
        # The fill names item g "<WORDS[g % 8]> <md5(g)[:6]>": a clerk types the start
        # of both words.
        g = rng.randint(1, items)
        return f"{WORDS[g % len(WORDS)][:3]} {hashlib.md5(str(g).encode()).hexdigest()[:4]}"

    cases = {
        "sku": lambda: f"SKU-{rng.randint(1, items):07d}",
        "barcode": lambda: f"BC{rng.randint(1, items):09d}",
        "name_part": name_fragment,
        "name_word": lambda: rng.choice(WORDS).lower(),
        "name_prefix": lambda: rng.choice(WORDS)[:rng.randint(2, 4)].lower(),
        "two_words": two_words,
        # The list page's default filter (active items) on top of a broad word.
        "name_word_active": lambda: rng.choice(WORDS).lower(),
    }
    extra = {"name_word_active": {"status": "active"}}
    results: dict = {}
    for name, make in cases.items():
        server_ms, exec_ms, found, matches = [], [], 0, []
        for i in range(repeat + 3):
            q = make()
            with tenant_context(tenant):
                # What the list view runs: item_list (its exact-code lookup runs here),
                # then the paginator's count and first page.
                with CaptureQueriesContext(connection) as captured:
                    t0 = time.perf_counter()
                    qs = selectors.item_list(
                        filters=selectors.ItemFilters(search=q, **extra.get(name, {})))
                    page = selectors.item_page(qs, 1)
                    rows = list(page.object_list)
                    count = page.paginator.count
                    elapsed = (time.perf_counter() - t0) * 1000
                sql_ms = 0.0
                with connection.cursor() as cursor:
                    for query in captured.captured_queries:
                        if not query["sql"].lstrip().upper().startswith("SELECT"):
                            continue
                        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query['sql']}")
                        plan = cursor.fetchone()[0]
                        plan = plan[0] if isinstance(plan, list) else plan
                        sql_ms += float(plan["Planning Time"]) + float(plan["Execution Time"])
            if i < 3:
                continue  # warm-up
            server_ms.append(elapsed)
            exec_ms.append(sql_ms)
            matches.append(count)
            found += bool(rows) and count > 0
        results[name] = (server_ms, exec_ms, found, matches)
    plans = []
    for label, q in (("name_part", name_fragment()), ("name_word", WORDS[0].lower())):
        with tenant_context(tenant):
            items_qs = selectors.item_list(filters=selectors.ItemFilters(search=q))
            # The statements the paginator runs (count, then the page), as run.
            with CaptureQueriesContext(connection) as captured:
                list(selectors.item_page(items_qs, 1).object_list)
            statements = [c["sql"] for c in captured.captured_queries
                          if c["sql"].lstrip().upper().startswith("SELECT")]
            with connection.cursor() as cursor:
                for what, sql in zip(("count", "page"), statements, strict=True):
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    plans.append(f"-- {label} {q!r}, {what}:")
                    plans.extend(r[0] for r in cursor.fetchall())
    results["_plan"] = "\n".join(plans)
    with tenant_context(tenant):
        t0 = time.perf_counter()
        changed = services.items_reprice(tenant=tenant, actor=None)
        results["_reprice"] = (time.perf_counter() - t0, changed)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=None, help="big shop, default 100000")
    parser.add_argument("--tenants", type=int, default=None, help="default 1000")
    parser.add_argument("--others", type=int, default=None, help="items per other shop, 100")
    parser.add_argument("--repeat", type=int, default=None, help="searches per kind, 200")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; never fails")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--db", default=None)
    parser.add_argument("--seed", type=int, default=20240601)
    opts = parser.parse_args(argv)
    small = opts.smoke
    items = opts.items or (2000 if small else 100_000)
    tenants = opts.tenants or (20 if small else 1000)
    others = opts.others if opts.others is not None else (20 if small else 100)
    repeat = opts.repeat or (10 if small else 200)
    db = opts.db or (f"zargar_bench_inv_smoke_{os.getpid()}" if small else "zargar_bench_inv")

    def log(message: str) -> None:
        print(f"# {message}", flush=True)

    load_env()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    urls = scratch_urls(db)
    t0 = time.perf_counter()
    create_database(urls, db)
    try:
        log(f"made {db} (migrated) in {time.perf_counter() - t0:.1f} s")
        big = fill(urls["owner"], tenants=tenants, items=items, others=others, log=log)
        # Now the measured side: the application role, as the web process runs.
        os.environ["DATABASE_URL"] = urls["app"]
        os.environ["PLATFORM_DATABASE_URL"] = urls["platform"]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        import django

        django.setup()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, version()")
            user, version = cursor.fetchone()
        log(f"measuring as {user}; {version.split(',')[0]}; nproc {os.cpu_count()}")
        results = measure(big, items=items, repeat=repeat, rng=random.Random(opts.seed))
        connection.close()
    finally:
        if opts.keep:
            log(f"kept database {db}")
        else:
            drop_database(urls["admin"], db)

    print()
    print("| search | server p50 ms | server p95 ms | SQL exec p50 ms | SQL exec p95 ms | found "
          "| matches p50 |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    worst = 0.0
    for name, value in results.items():
        if name.startswith("_"):
            continue
        server, execution, found, matches = value
        p95 = percentile(server, 95)
        worst = max(worst, p95)
        print(f"| {name} | {percentile(server, 50):.2f} | {p95:.2f} | "
              f"{percentile(execution, 50):.2f} | {percentile(execution, 95):.2f} | "
              f"{found}/{len(server)} | {percentile(matches, 50):,.0f} |")
    seconds, changed = results["_reprice"]
    print()
    print(f"| items_reprice | {items:,} items | {seconds:.2f} s | {changed:,} prices changed |")
    print()
    print("EXPLAIN (ANALYZE, BUFFERS) of the name search (count and page) under RLS:")
    print(results["_plan"])
    print()
    if small:
        print(f"smoke run ({tenants} shops, {items} items): targets not checked")
        return 0
    failed = []
    if worst > SEARCH_P95_MS:
        failed.append(f"search p95 {worst:.1f} ms > {SEARCH_P95_MS} ms")
    if seconds > REPRICE_S:
        failed.append(f"items_reprice {seconds:.1f} s > {REPRICE_S} s")
    print("FAIL: " + "; ".join(failed) if failed else "PASS: search p95 <= 50 ms, reprice <= 10 s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
