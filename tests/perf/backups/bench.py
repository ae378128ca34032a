"""Shop export pipeline throughput vs bare `pg_dump -Fc -Z0` on the same data.

A scratch database (migrated), one measured shop with N customers and their search
tokens (tests/perf/crm/bench.py's fill) and a few small shops. Measured: the full
export pipeline (REPEATABLE READ snapshot, COPY per table, tar, zstd, AES-256-GCM
chunks, SHA-256, written to a file) as the application role under RLS, against
`pg_dump -Fc -Z0` of the whole scratch database (which holds a little more: the other
shops). Throughput = uncompressed bytes per second (our tar size; pg_dump's output).

    .venv/bin/python tests/perf/backups/bench.py            # 100k customers
    .venv/bin/python tests/perf/backups/bench.py --smoke    # a few seconds
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from tests.perf.crm.bench import (  # noqa: E402
    db_url,
    fill,
    load_env,
    migrate,
    recreate_database,
    setup_django,
)

TARGET_RATIO = 0.7
TARGET_EXPORT_S = 10.0


def pg_dump_seconds(owner_url: str, out: Path) -> tuple[float, int]:
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))[-1]
    t0 = time.perf_counter()
    subprocess.run([str(bindir), "-Fc", "-Z0", "-f", str(out), "-d", owner_url], check=True)
    return time.perf_counter() - t0, out.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=None, help="default 100000 (smoke 2000)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; never fails on time")
    parser.add_argument("--db", default="zargar_bench_backups")
    args = parser.parse_args(argv)
    customers = args.customers or (2000 if args.smoke else 100_000)

    load_env()
    env = os.environ
    if not env.get("BACKUP_ENCRYPTION_KEY"):
        env["BACKUP_ENCRYPTION_KEY"] = "bench:" + base64.b64encode(secrets.token_bytes(32)).decode()
    owner_url = db_url(env["DATABASE_OWNER_URL"], args.db)
    app_url = db_url(env["DATABASE_URL"], args.db)
    admin_url = env["DATABASE_ADMIN_URL"]
    setup_django(app_url)
    recreate_database(admin_url, args.db)
    try:
        migrate(owner_url)
        tenant_id, fill_s = fill(owner_url, customers=customers, others=2, other_customers=200,
                                 seed=20261206)
        from django.conf import settings

        from backups.services import export_file_write
        from tenants.models import Tenant

        tenant = Tenant.objects.get(pk=tenant_id)
        with tempfile.TemporaryDirectory() as tmp:
            settings.BACKUP_SCRATCH_DIR = Path(tmp) / "scratch"
            out_path = Path(tmp) / "export.zgrx"
            t0 = time.perf_counter()
            with out_path.open("wb") as out:
                written = export_file_write(tenant=tenant, out=out)
            ours_s = time.perf_counter() - t0
            # As the superuser: pg_dump refuses tables under RLS for other roles.
            dump_s, dump_bytes = pg_dump_seconds(db_url(admin_url, args.db),
                                                 Path(tmp) / "dump.fc")
        ours_tp = written["raw_bytes"] / ours_s / 1e6
        dump_tp = dump_bytes / dump_s / 1e6
        ratio = ours_tp / dump_tp
        print(f"# backups export bench ({'smoke' if args.smoke else 'full'})\n")
        print(f"{customers:,} customers (+ search tokens) in the measured shop, 2 small "
              f"shops beside it; fill {fill_s:.1f} s\n")
        print("| pipeline | seconds | uncompressed MB | output MB | MB/s (uncompressed) |")
        print("| --- | --- | --- | --- | --- |")
        print(f"| export (snapshot+COPY+tar+zstd+AES-GCM) | {ours_s:.2f} | "
              f"{written['raw_bytes'] / 1e6:.1f} | {written['size_bytes'] / 1e6:.1f} | "
              f"{ours_tp:.1f} |")
        print(f"| pg_dump -Fc -Z0 (whole db) | {dump_s:.2f} | {dump_bytes / 1e6:.1f} | "
              f"{dump_bytes / 1e6:.1f} | {dump_tp:.1f} |")
        print(f"\nthroughput ratio export / pg_dump: {ratio:.2f} (target >= {TARGET_RATIO}); "
              f"compression x{written['raw_bytes'] / written['size_bytes']:.1f}")
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(admin_url, args.db, drop_only=True)
    if not args.smoke and (ratio < TARGET_RATIO or ours_s > TARGET_EXPORT_S):
        print("\nFAIL: below target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
