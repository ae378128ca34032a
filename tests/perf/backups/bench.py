"""Shop export pipeline throughput vs bare `pg_dump -Fc -Z0` on the same data.

Issue 9 acceptance 7: the full export pipeline's throughput is >= 0.7x that of
`pg_dump -Fc -Z0` on the same data, and a 100k-item shop exports in <= 10 s.

A scratch database (migrated with the project's migrations). Shops are made by the
real service (tenants.services.tenant_create: subscription, main branch, owner,
ledger), then filled server-side as the owner with what the inventory services
write for a serial piece received at the main branch (inventory.services.item_create
+ stock_move): the item (priced, in a category, at the branch), its search tokens,
its stock level and its purchase-receipt movement. The measured shop has 100,000
items; two small shops sit beside it.

Measured, alternately, --runs times: the full export pipeline as the application
role under RLS (REPEATABLE READ READ ONLY snapshot, COPY per tenant table, tar, zstd,
AES-256-GCM chunks, SHA-256, written to a file: backups.services.export_file_write),
and `pg_dump -Fc -Z0` of the whole scratch database as the superuser (it holds a
little more than the shop: the other shops and the global tables). Throughput =
uncompressed bytes per second (our tar stream; pg_dump's output). The median run
decides PASS/FAIL.

    .venv/bin/python tests/perf/backups/bench.py              # 100k items, 3 runs
    .venv/bin/python tests/perf/backups/bench.py --profile    # + cProfile of one export
    .venv/bin/python tests/perf/backups/bench.py --smoke      # a few seconds, never fails
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from tests.perf.crm.bench import (  # noqa: E402
    connect,
    db_url,
    load_env,
    recreate_database,
    setup_django,
)

TARGET_RATIO = 0.7
TARGET_EXPORT_S = 10.0
WORDS = ("Ring", "Bangle", "Chain", "Necklace", "Earring", "Pendant", "Anklet", "Brooch")
CATEGORIES = ("Rings", "Bangles", "Chains", "Necklaces", "Earrings", "Pendants")
ITEM_TABLES = ("inventory_item", "inventory_itemsearchtoken", "inventory_stocklevel",
               "inventory_stockmovement", "inventory_category")


def shops_create(n: int) -> list[str]:
    """Shops through the real service (as the application role, like the platform page)."""
    from django.db import connection

    from tenants.models import Plan
    from tenants.services import tenant_create

    plan = Plan.objects.create(name="bench", price=0, max_users=10, max_branches=3,
                               max_items=1_000_000, max_terminals=4)
    ids = [str(tenant_create(name=f"Bench {i}", slug=f"bench-{i}", plan=plan,
                             owner_email=f"owner{i}@bench.example", currency="USD").pk)
           for i in range(n)]
    connection.close()
    return ids


def fill_items(owner_url: str, tenant_id: str, items: int) -> None:
    """`items` serial pieces received at the shop's main branch, as the inventory
    services leave them: item, search tokens, stock level (1), purchase receipt."""
    words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    with connect(owner_url) as conn, conn.transaction():
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", [tenant_id])
        conn.execute("SET LOCAL work_mem = '256MB'")
        main, owner = conn.execute(
            "SELECT b.id, u.id FROM tenants_branch b, tenants_user u "
            "WHERE b.code = 'MAIN' AND u.role = 'owner'").fetchone()
        for name in CATEGORIES:
            conn.execute("INSERT INTO inventory_category (id, name, created_at) "
                         "VALUES (gen_random_uuid(), %s, now())", [name])
        conn.execute(
            f"""
            INSERT INTO inventory_item (id, sku, name, metal, karat, purity, gross_weight,
                net_weight, making_charge_mode, making_charge_value, stone_details,
                stone_value, cost, price_mode, fixed_price, price, priced_at, tracking,
                serial_number, barcode, is_active, low_stock_threshold, created_at,
                updated_at, branch_id, category_id)
            SELECT gen_random_uuid(), 'SKU-' || lpad(g::text, 7, '0'),
                ({words})[1 + g %% {len(WORDS)}] || ' ' || substr(md5(g::text), 1, 6),
                'gold', k.karat, k.purity, w.gross, w.gross - 0.250,
                (ARRAY['per_gram', 'percent', 'fixed'])[1 + g %% 3],
                (ARRAY[8, 12.5, 150])[1 + g %% 3],
                CASE WHEN g %% 5 = 0 THEN '1 diamond 0.05 ct' ELSE '' END,
                CASE WHEN g %% 5 = 0 THEN 120 ELSE 0 END,
                round((w.gross * 55)::numeric, 2),
                CASE WHEN g %% 10 = 0 THEN 'fixed' ELSE 'rate_based' END,
                CASE WHEN g %% 10 = 0 THEN 999 END,
                round((w.gross * 65 + 40)::numeric, 2), now(), 'serial', '',
                'BC' || lpad(g::text, 9, '0'), true, 0,
                now() - (g %% 900) * interval '1 day', now(), %s,
                (SELECT id FROM inventory_category ORDER BY name
                 OFFSET g %% {len(CATEGORIES)} LIMIT 1)
            FROM generate_series(1, %s) g,
            LATERAL (SELECT (ARRAY[18, 21, 22, 24])[1 + g %% 4] AS karat,
                            (ARRAY[750, 875, 916.7, 999.9])[1 + g %% 4] AS purity) k,
            LATERAL (SELECT round((1 + (g %% 400) / 20.0)::numeric, 3) AS gross) w
            ORDER BY random()
            """,
            [main, items],
        )
        # The tokens inventory.search.item_search_tokens() gives these rows (name
        # words, SKU whole, without its hyphen and its parts, barcode, folded; checked
        # against it for a sample below).
        conn.execute(
            """
            INSERT INTO inventory_itemsearchtoken (id, item_id, token)
            SELECT gen_random_uuid(), i.id, t FROM inventory_item i,
            LATERAL (SELECT DISTINCT unnest(string_to_array(lower(i.name), ' ')
                     || ARRAY[lower(i.sku), lower(i.barcode), regexp_replace(lower(i.sku), '[-/.]', '', 'g')]
                     || regexp_split_to_array(lower(i.sku), '[-/.]')) AS t) x
            """
        )
        conn.execute(
            "INSERT INTO inventory_stocklevel (id, item_id, branch_id, quantity, is_serial, "
            "updated_at) SELECT gen_random_uuid(), id, branch_id, 1, true, created_at "
            "FROM inventory_item")
        conn.execute(
            "INSERT INTO inventory_stockmovement (id, item_id, branch_id, kind, quantity, "
            "balance_after, reason, reference, created_at, actor_id) "
            "SELECT gen_random_uuid(), id, branch_id, 'purchase_receipt', 1, 1, '', "
            "'PO-' || substr(sku, 5), created_at, %s FROM inventory_item", [owner])
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred tenant FKs, now


def check_items(tenant_id: str) -> dict[str, int]:
    """The fill wrote what the app would: tokens equal item.search_tokens() for a
    sample; returns the shop's row counts per inventory table (as the app role)."""
    from django.db import connection

    from inventory.models import Item
    from tenants.context import tenant_context
    from tenants.models import Tenant

    with tenant_context(Tenant.objects.get(pk=tenant_id)):
        for item in Item.objects.order_by("?")[:20]:
            stored = set(item.tokens.values_list("token", flat=True))
            if stored != item.search_tokens():
                raise SystemExit(f"bench tokens differ from the app's for {item.sku}: "
                                 f"{sorted(stored ^ item.search_tokens())}")
            if item.stock_levels.get().quantity != 1 or item.movements.count() != 1:
                raise SystemExit(f"bench stock rows wrong for {item.sku}")
        counts = {}
        with connection.cursor() as cursor:
            for table in ITEM_TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cursor.fetchone()[0]
    return counts


def pg_dump_seconds(url: str, out: Path) -> tuple[float, int]:
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))[-1]
    t0 = time.perf_counter()
    subprocess.run([str(bindir), "-Fc", "-Z0", "-f", str(out), "-d", url], check=True)
    seconds = time.perf_counter() - t0
    size = out.stat().st_size
    out.unlink()
    return seconds, size


def export_seconds(tenant, out_path: Path, *, profile: bool = False) -> tuple[float, dict]:
    from backups.services import export_file_write

    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        t0 = time.perf_counter()
        with out_path.open("wb") as out:
            written = profiler.runcall(export_file_write, tenant=tenant, out=out)
        seconds = time.perf_counter() - t0
        print("\ncProfile of one export (Python 3.12's cProfile records every thread: "
              "the COPY thread and the writer thread's zstd, AES-GCM and SHA-256):\n```")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(18)
        print("```")
    else:
        t0 = time.perf_counter()
        with out_path.open("wb") as out:
            written = export_file_write(tenant=tenant, out=out)
        seconds = time.perf_counter() - t0
    out_path.unlink()
    return seconds, written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=None, help="default 100000 (smoke 2000)")
    parser.add_argument("--other-items", type=int, default=2000,
                        help="items in each of the 2 other shops (smoke 50)")
    parser.add_argument("--runs", type=int, default=None, help="default 3 (smoke 1)")
    parser.add_argument("--profile", action="store_true", help="cProfile one more export")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; never fails on time")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database a --keep run left (no migrate, no fill)")
    parser.add_argument("--db", default="zargar_bench_backups")
    args = parser.parse_args(argv)
    items = args.items or (2000 if args.smoke else 100_000)
    other_items = 50 if args.smoke else args.other_items
    runs = args.runs or (1 if args.smoke else 3)

    load_env()
    env = os.environ
    if not env.get("BACKUP_ENCRYPTION_KEY"):
        env["BACKUP_ENCRYPTION_KEY"] = "bench:" + base64.b64encode(secrets.token_bytes(32)).decode()
    owner_url = db_url(env["DATABASE_OWNER_URL"], args.db)
    app_url = db_url(env["DATABASE_URL"], args.db)
    admin_url = env["DATABASE_ADMIN_URL"]
    setup_django(app_url)
    if not args.reuse:
        recreate_database(admin_url, args.db)
    rows = []
    try:
        t0 = time.perf_counter()
        if args.reuse:
            from tenants.models import Tenant as _Tenant

            shops = [str(_Tenant.objects.get(slug="bench-0").pk)]
        else:
            t0 = time.perf_counter()
            from tenants.roles import database_grants_sql

            with connect(owner_url) as conn:
                for statement in database_grants_sql():
                    conn.execute(statement)
            shops = shops_create(3)
            for i, shop in enumerate(shops):
                fill_items(owner_url, shop, items if i == 0 else other_items)
            with connect(owner_url) as conn:
                for table in ITEM_TABLES:  # as a shop's tables are between autovacuums
                    conn.execute(f"VACUUM ANALYZE {table}")
        fill_s = time.perf_counter() - t0
        counts = check_items(shops[0])
        items = counts["inventory_item"]

        from django.conf import settings

        from tenants.models import Tenant

        tenant = Tenant.objects.get(pk=shops[0])
        with tempfile.TemporaryDirectory() as tmp:
            settings.BACKUP_SCRATCH_DIR = Path(tmp) / "scratch"
            for run in range(1, runs + 1):
                load = os.getloadavg()[0]
                ours_s, written = export_seconds(tenant, Path(tmp) / "export.zgrx")
                # As the superuser: pg_dump refuses tables under RLS for other roles.
                dump_s, dump_bytes = pg_dump_seconds(db_url(admin_url, args.db),
                                                     Path(tmp) / "dump.fc")
                rows.append((run, ours_s, dump_s, written, dump_bytes, load))
            if args.profile:
                export_seconds(tenant, Path(tmp) / "export.zgrx", profile=True)
    finally:
        from django.db import connections

        connections.close_all()
        if not (args.keep or args.reuse):
            recreate_database(admin_url, args.db, drop_only=True)

    print(f"# backups export bench ({'smoke' if args.smoke else 'full'})\n")
    print(f"{items:,} items in the measured shop ("
          + ", ".join(f"{t} {n:,}" for t, n in counts.items())
          + f"), 2 shops of {other_items:,} items beside it; shops + fill {fill_s:.1f} s; "
          f"zstd level {settings.BACKUP_ZSTD_LEVEL}\n")
    print("| run | export s | pg_dump s | ratio | export MB (tar) | export MB (file) "
          "| pg_dump MB | load 1 min |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    ratios = []
    for run, ours_s, dump_s, written, dump_bytes, load in rows:
        ratio = (written["raw_bytes"] / ours_s) / (dump_bytes / dump_s)
        ratios.append(ratio)
        print(f"| {run} | {ours_s:.2f} | {dump_s:.2f} | {ratio:.2f} | "
              f"{written['raw_bytes'] / 1e6:.1f} | {written['size_bytes'] / 1e6:.1f} | "
              f"{dump_bytes / 1e6:.1f} | {load:.1f} |")
    median_ratio = statistics.median(ratios)
    median_s = statistics.median(r[1] for r in rows)
    last = rows[-1][3]
    print("\n| pipeline | seconds (median) | MB/s (uncompressed) |\n| --- | --- | --- |")
    print(f"| export (snapshot+COPY+tar+zstd+AES-GCM) | {median_s:.2f} | "
          f"{last['raw_bytes'] / median_s / 1e6:.1f} |")
    dump_median = statistics.median(r[2] for r in rows)
    print(f"| pg_dump -Fc -Z0 (whole db) | {dump_median:.2f} | "
          f"{rows[-1][4] / dump_median / 1e6:.1f} |")
    print(f"\nthroughput ratio export / pg_dump: {median_ratio:.2f} median of {len(rows)} "
          f"(target >= {TARGET_RATIO}); export of the {items:,}-item shop {median_s:.2f} s "
          f"median (target <= {TARGET_EXPORT_S:.0f} s); compression "
          f"x{last['raw_bytes'] / last['size_bytes']:.1f}")
    if not args.smoke and (median_ratio < TARGET_RATIO or median_s > TARGET_EXPORT_S):
        print("\nFAIL: below target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
