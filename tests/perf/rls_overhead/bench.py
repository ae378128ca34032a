"""RLS overhead: the hot tenant queries under row-level security vs an explicit filter.

Issue acceptance: with 1,000 tenants x 1,000 rows, each hot query run under RLS
(as the application role, `app.tenant_id` set, no tenant filter in the SQL)
costs at most 1.2x the same query with an explicit `WHERE tenant_id = ...` run
by a role RLS does not filter. Both sides are measured in one run, paired
(same random tenant and arguments) and interleaved (the side that goes first
alternates every iteration), so drift and cache warming hit both equally.
By default both sides share one session and switch with SET LOCAL ROLE, and run
identical statement sequences: on a small VM two separate connections can differ
by tens of µs per round trip for reasons unrelated to RLS (the control row,
`SELECT 1`, shows it; see docs/performance.md).

    python tests/perf/rls_overhead/bench.py [--tenants N] [--rows N] [--repeat N]
                                            [--smoke] [--keep] [--db NAME]

The script builds its own scratch database (owned by zargar_owner), fills it
server-side, measures, prints a Markdown table and the EXPLAIN of the RLS
queries, and drops the database. Exit status 1 if any p50 ratio exceeds 1.2
(except with --smoke, whose tiny sizes only prove the script still works).
docs/performance.md records the figures.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
TARGET = 1.2
TABLE = "bench_sale"
SIDES = ("rls", "explicit")
# tenants.roles, spelled out so --help works before Django is set up.
APP, BACKUP = "zargar_app", "zargar_backup"


@dataclass(frozen=True)
class Query:
    name: str
    rls_sql: str  # no tenant filter: the policy adds it
    explicit_sql: str  # the same query with the tenant filter written out
    control: bool = False  # touches no table: measures the harness, not RLS

    def args(self, tenant: str, rng: random.Random, ctx: Context) -> tuple[list, list]:
        """(arguments of the RLS query, arguments of the explicit query)."""
        if self.control:
            return [], []
        if self.name == "lookup_by_code":
            code = f"S-{rng.randint(1, ctx.rows):06d}"
            return [code], [tenant, code]
        if self.name == "aggregate_90d":
            return [ctx.since, ctx.until], [tenant, ctx.since, ctx.until]
        return [], [tenant]


QUERIES = (
    Query(
        "list_latest",
        f"SELECT id, number, code, total, created_at FROM {TABLE} "
        "ORDER BY created_at DESC LIMIT 50",
        f"SELECT id, number, code, total, created_at FROM {TABLE} "
        "WHERE tenant_id = %s ORDER BY created_at DESC LIMIT 50",
    ),
    Query(
        "lookup_by_code",
        f"SELECT id, number, code, total, created_at FROM {TABLE} WHERE code = %s",
        f"SELECT id, number, code, total, created_at FROM {TABLE} "
        "WHERE tenant_id = %s AND code = %s",
    ),
    Query(
        "aggregate_90d",
        f"SELECT count(*), sum(total) FROM {TABLE} WHERE created_at >= %s AND created_at < %s",
        f"SELECT count(*), sum(total) FROM {TABLE} "
        "WHERE tenant_id = %s AND created_at >= %s AND created_at < %s",
    ),
    # The control: the same round trip with no table, so no RLS. Its ratio should
    # be 1.0; if it is not, the two sides differ in something other than RLS
    # (e.g. the two backends of --mode separate-logins on differently busy vCPUs).
    Query("control_select_1", "SELECT 1", "SELECT 1", control=True),
)


@dataclass
class Context:
    rows: int
    since: datetime
    until: datetime
    tenants: list[str] = field(default_factory=list)


def setup_django() -> None:
    """Import the project the way scripts/bench.sh runs it; this also reads .env."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from tenants import roles

    assert (APP, BACKUP) == (roles.APP, roles.BACKUP)


def urls(db: str) -> dict[str, str]:
    from psycopg.conninfo import make_conninfo

    env = os.environ
    common = {"dbname": db, "application_name": "zargar_bench_rls"}
    return {
        "admin": env["DATABASE_ADMIN_URL"],
        # same-backend mode: one session that switches roles per transaction.
        "switch": make_conninfo(env["DATABASE_ADMIN_URL"], **common),
        "owner": make_conninfo(env["DATABASE_OWNER_URL"], **common),
        "app": make_conninfo(env["DATABASE_URL"], **common),
        # BYPASSRLS: the only role whose reads RLS does not filter. "As owner"
        # is impossible: the table is FORCEd, so the owner is filtered too.
        "explicit": make_conninfo(
            env["DATABASE_URL"],
            user=BACKUP,
            password=env["ZARGAR_DB_BACKUP_PASSWORD"],
            **common,
        ),
    }


def connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def drop_database(admin_url: str, db: str) -> None:
    from psycopg import sql

    with connect(admin_url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))


def create_database(admin_url: str, db: str) -> None:
    from psycopg import sql

    from tenants.roles import OWNER

    drop_database(admin_url, db)
    with connect(admin_url) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(
                sql.Identifier(db), sql.Identifier(OWNER)
            )
        )


def build(owner_url: str, tenants: int, rows: int, log: Any) -> Context:
    """Schema, data, indexes, RLS and grants, all as the (non-superuser) owner."""
    from tenants.db import rls_enable_sql
    from tenants.roles import database_grants_sql

    now = datetime.now().astimezone().replace(microsecond=0)
    ctx = Context(rows=rows, since=now - timedelta(days=90), until=now)
    with connect(owner_url) as conn:
        t0 = time.perf_counter()
        with conn.transaction():
            conn.execute("CREATE TABLE bench_tenant (id uuid PRIMARY KEY, name text NOT NULL)")
            conn.execute(
                f"""CREATE TABLE {TABLE} (
                    id uuid PRIMARY KEY,
                    tenant_id uuid NOT NULL,
                    number integer NOT NULL,
                    code text NOT NULL,
                    total numeric(14, 2) NOT NULL,
                    created_at timestamptz NOT NULL
                )"""
            )
            conn.execute(
                "INSERT INTO bench_tenant SELECT gen_random_uuid(), 'tenant ' || g "
                "FROM generate_series(1, %s) g",
                [tenants],
            )
            # Filled before RLS is enabled (the FORCEd owner could not write
            # without a tenant). Rows are shuffled so each tenant's rows are
            # spread over the heap, as years of interleaved writes leave them.
            conn.execute("SET LOCAL work_mem = '256MB'")
            conn.execute(
                f"""INSERT INTO {TABLE} (id, tenant_id, number, code, total, created_at)
                SELECT gen_random_uuid(), t.id, g, 'S-' || lpad(g::text, 6, '0'),
                       round((random() * 5000)::numeric, 2),
                       %s::timestamptz - random() * interval '365 days'
                FROM bench_tenant t CROSS JOIN generate_series(1, %s) g
                ORDER BY random()""",
                [now, rows],
            )
            # The shape of a real tenant table (tenants.db.TenantScopedModel).
            conn.execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_tenant_id_key UNIQUE (tenant_id, id)"
            )
            conn.execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_tenant_code_key "
                "UNIQUE (tenant_id, code)"
            )
            conn.execute(
                f"CREATE INDEX {TABLE}_tenant_created_idx ON {TABLE} (tenant_id, created_at DESC)"
            )
            conn.execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_tenant_fk "
                "FOREIGN KEY (tenant_id) REFERENCES bench_tenant (id)"
            )
            for statement in rls_enable_sql(TABLE):
                conn.execute(statement)
            for statement in database_grants_sql():
                conn.execute(statement)
        conn.execute(f"VACUUM ANALYZE {TABLE}")
        conn.execute("VACUUM ANALYZE bench_tenant")
        ctx.tenants = [str(r[0]) for r in conn.execute("SELECT id FROM bench_tenant ORDER BY id")]
        size = conn.execute(f"SELECT pg_size_pretty(pg_total_relation_size('{TABLE}'))").fetchone()[
            0
        ]
        log(
            f"built {tenants:,} tenants x {rows:,} rows = {tenants * rows:,} rows "
            f"({size} with indexes) in {time.perf_counter() - t0:.1f} s"
        )
    return ctx


@dataclass
class Side:
    """A connection and how a transaction of this side starts on it."""

    conn: Any
    role: str | None = None  # SET LOCAL ROLE, in same-backend mode

    def begin(self) -> None:
        self.conn.execute("BEGIN")
        if self.role:
            self.conn.execute(f"SET LOCAL ROLE {self.role}")

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self.conn.execute(*args, **kwargs)


def run_rls(conn: Side, query: Query, tenant: str, args: list) -> tuple[int, list]:
    """One request's worth: BEGIN, set the tenant (transaction-local), the query, COMMIT."""
    conn.begin()
    conn.execute("SELECT set_config('app.tenant_id', %s, true)", [tenant], prepare=True)
    t0 = time.perf_counter_ns()
    rows = conn.execute(query.rls_sql, args, prepare=True).fetchall()
    elapsed = time.perf_counter_ns() - t0
    conn.execute("COMMIT")
    return elapsed, rows


def run_explicit(conn: Side, query: Query, tenant: str, args: list) -> tuple[int, list]:
    """The same statements as run_rls, so the sides differ only in role and filter.

    The setting is inert here (BYPASSRLS, explicit filter) but keeps the round
    trips of both sides identical.
    """
    conn.begin()
    conn.execute("SELECT set_config('app.tenant_id', %s, true)", [tenant], prepare=True)
    t0 = time.perf_counter_ns()
    rows = conn.execute(query.explicit_sql, args, prepare=True).fetchall()
    elapsed = time.perf_counter_ns() - t0
    conn.execute("COMMIT")
    return elapsed, rows


def time_set_config(conn: Side, tenant: str) -> int:
    conn.begin()
    t0 = time.perf_counter_ns()
    conn.execute("SELECT set_config('app.tenant_id', %s, true)", [tenant], prepare=True)
    elapsed = time.perf_counter_ns() - t0
    conn.execute("COMMIT")
    return elapsed


def sanity_checks(app: Side, explicit: Side, ctx: Context, rng: random.Random) -> None:
    """The RLS side really is filtered, fails closed, and returns what the explicit side does."""
    for side, role, expected in ((app, APP, 0), (explicit, BACKUP, ctx.rows * len(ctx.tenants))):
        side.begin()
        user, count = side.execute(f"SELECT current_user, count(*) FROM {TABLE}").fetchone()
        side.execute("COMMIT")
        if (user, count) != (role, expected):
            raise SystemExit(
                f"role check: {user} sees {count} rows without a tenant; "
                f"expected {role} to see {expected}"
            )
    for tenant in rng.sample(ctx.tenants, min(3, len(ctx.tenants))):
        for query in QUERIES:
            rls_args, explicit_args = query.args(tenant, rng, ctx)
            _, a = run_rls(app, query, tenant, rls_args)
            _, b = run_explicit(explicit, query, tenant, explicit_args)
            if a != b:
                raise SystemExit(f"{query.name}: RLS and explicit results differ for {tenant}")
            if query.name in ("list_latest", "lookup_by_code") and not a:
                raise SystemExit(f"{query.name}: no rows for {tenant}")


def measure(
    app: Side, explicit: Side, ctx: Context, repeat: int, warmup: int, rng: random.Random
) -> tuple[dict[tuple[str, str], list[int]], dict[str, list[float]], list[int]]:
    samples: dict[tuple[str, str], list[int]] = {(q.name, s): [] for q in QUERIES for s in SIDES}
    pair_ratios: dict[str, list[float]] = {q.name: [] for q in QUERIES}
    set_config_ns: list[int] = []
    gc.collect()
    gc.disable()
    try:
        for i in range(warmup + repeat):
            tenant = rng.choice(ctx.tenants)
            record = i >= warmup
            for query in QUERIES:
                rls_args, explicit_args = query.args(tenant, rng, ctx)
                # Alternate which side goes first: the second one finds the
                # tenant's pages already cached; alternating shares that luck.
                if i % 2 == 0:
                    a, _ = run_rls(app, query, tenant, rls_args)
                    b, _ = run_explicit(explicit, query, tenant, explicit_args)
                else:
                    b, _ = run_explicit(explicit, query, tenant, explicit_args)
                    a, _ = run_rls(app, query, tenant, rls_args)
                if record:
                    samples[(query.name, "rls")].append(a)
                    samples[(query.name, "explicit")].append(b)
                    pair_ratios[query.name].append(a / b)
            ns = time_set_config(app, tenant)
            if record:
                set_config_ns.append(ns)
    finally:
        gc.enable()
    return samples, pair_ratios, set_config_ns


def percentile(values: list[int] | list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def report(
    samples: dict[tuple[str, str], list[int]],
    pair_ratios: dict[str, list[float]],
    set_config_ns: list[int],
) -> list[tuple[str, float]]:
    def us(ns: float) -> str:
        return f"{ns / 1000:,.0f}"

    print(
        "| query | RLS p50 µs | RLS p95 µs | RLS mean µs | explicit p50 µs | explicit p95 µs "
        "| explicit mean µs | ratio p50 | ratio mean | paired ratio p50 |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    ratios = []
    for query in QUERIES:
        a, b = samples[(query.name, "rls")], samples[(query.name, "explicit")]
        a50, b50 = percentile(a, 50), percentile(b, 50)
        am, bm = statistics.fmean(a), statistics.fmean(b)
        ratio50 = a50 / b50
        if not query.control:
            ratios.append((query.name, ratio50))
        print(
            f"| {query.name} | {us(a50)} | {us(percentile(a, 95))} | {us(am)} "
            f"| {us(b50)} | {us(percentile(b, 95))} | {us(bm)} "
            f"| {ratio50:.3f} | {am / bm:.3f} | {percentile(pair_ratios[query.name], 50):.3f} |"
        )
    control = next(q.name for q in QUERIES if q.control)
    drift = percentile(samples[(control, "rls")], 50) / percentile(
        samples[(control, "explicit")], 50
    )
    if abs(drift - 1) > 0.1:
        print(
            f"\nWARNING: the control ratio is {drift:.3f}, not 1.0: the two sides differ "
            "in more than RLS in this run; read the ratios against the control"
        )
    print()
    print(
        f"set_config('app.tenant_id', ..., true), once per transaction, not in the ratios: "
        f"p50 {us(percentile(set_config_ns, 50))} µs, "
        f"p95 {us(percentile(set_config_ns, 95))} µs"
    )
    return ratios


def explain(app: Side, explicit: Side, ctx: Context, rng: random.Random) -> None:
    tenant = rng.choice(ctx.tenants)
    for query in QUERIES:
        if query.control:
            continue
        rls_args, _ = query.args(tenant, rng, ctx)
        app.begin()
        app.execute("SELECT set_config('app.tenant_id', %s, true)", [tenant])
        plan = app.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query.rls_sql}", rls_args).fetchall()
        app.execute("COMMIT")
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) under RLS, {query.name}:")
        print("\n".join(row[0] for row in plan))
    query = QUERIES[0]
    _, explicit_args = query.args(tenant, rng, ctx)
    explicit.begin()
    plan = explicit.execute(
        f"EXPLAIN (ANALYZE, BUFFERS) {query.explicit_sql}", explicit_args
    ).fetchall()
    explicit.execute("COMMIT")
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) with the explicit filter (BYPASSRLS), {query.name}:")
    print("\n".join(row[0] for row in plan))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=None, help="default 1000 (smoke: 20)")
    parser.add_argument("--rows", type=int, default=None, help="rows per tenant, default 1000")
    parser.add_argument("--repeat", type=int, default=None, help="pairs per query, default 1000")
    parser.add_argument("--warmup", type=int, default=None, help="unrecorded pairs, default 50")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; never fails on ratios")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--db", default=None, help="scratch database name")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument(
        "--mode",
        choices=("same-backend", "separate-logins"),
        default="same-backend",
        help=f"same-backend (default): both sides on one session, SET LOCAL ROLE {APP} or "
        f"{BACKUP} per transaction, so they share the backend process and socket; "
        "separate-logins: one connection per role (exposed to per-connection scheduling)",
    )
    opts = parser.parse_args(argv)
    setup_django()
    small = opts.smoke
    tenants = opts.tenants or (20 if small else 1000)
    rows = opts.rows or (50 if small else 1000)
    repeat = opts.repeat or (20 if small else 1000)
    warmup = opts.warmup if opts.warmup is not None else (5 if small else 50)
    db = opts.db or (f"zargar_bench_rls_smoke_{os.getpid()}" if small else "zargar_bench_rls")

    def log(message: str) -> None:
        print(f"# {message}", flush=True)

    rng = random.Random(opts.seed)
    conninfo = urls(db)
    create_database(conninfo["admin"], db)
    try:
        ctx = build(conninfo["owner"], tenants, rows, log)
        with connect(conninfo["switch"]) as admin:
            # Write the freshly built pages out now, not during the measurement.
            admin.execute("CHECKPOINT")
        with ExitStack() as stack:
            if opts.mode == "same-backend":
                conn = stack.enter_context(connect(conninfo["switch"]))
                app, explicit = Side(conn, APP), Side(conn, BACKUP)
            else:
                app = Side(stack.enter_context(connect(conninfo["app"])))
                explicit = Side(stack.enter_context(connect(conninfo["explicit"])))
            server = app.execute("SHOW server_version").fetchone()[0]
            log(
                f"PostgreSQL {server}; client {platform.python_implementation()} "
                f"{platform.python_version()}; nproc {os.cpu_count()}"
            )
            sanity_checks(app, explicit, ctx, rng)
            log(
                f"{repeat} pairs per query ({warmup} warm-up pairs not recorded), "
                f"interleaved; mode {opts.mode}"
            )
            samples, pair_ratios, set_config_ns = measure(app, explicit, ctx, repeat, warmup, rng)
            print()
            ratios = report(samples, pair_ratios, set_config_ns)
            if not opts.no_explain:
                explain(app, explicit, ctx, rng)
    finally:
        if opts.keep:
            log(f"kept database {db}")
        else:
            drop_database(conninfo["admin"], db)

    over = [(name, r) for name, r in ratios if r > TARGET]
    print()
    if small:
        print(f"smoke run ({tenants} x {rows}): ratios not checked against {TARGET}")
        return 0
    if over:
        print(f"FAIL: p50 ratio above {TARGET}: " + ", ".join(f"{n} {r:.3f}" for n, r in over))
        return 1
    print(f"PASS: every p50 ratio <= {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
