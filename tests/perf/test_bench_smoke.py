"""The benchmarks run at full size only with `make bench`; here each runs with
--smoke (tiny data, a few seconds) so the scripts cannot rot."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_rls_overhead_bench_smoke() -> None:
    # Parallel workers and parallel checkouts on the same cluster: a database of its own.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    db = f"zargar_bench_rls_smoke_{worker}_{os.getpid()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "tests/perf/rls_overhead/bench.py", "--smoke", "--db", db],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| query | RLS p50 µs |" in result.stdout
    for name in ("list_latest", "lookup_by_code", "aggregate_90d", "control_select_1"):
        assert f"| {name} |" in result.stdout
    assert "InitPlan" in result.stdout  # the EXPLAIN of the RLS queries


def test_crm_search_bench_smoke() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    db = f"zargar_bench_crm_smoke_{worker}_{os.getpid()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "tests/perf/crm/bench.py", "--smoke", "--db", db],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| search | n | matches p50 | server p50 ms |" in result.stdout
    for name in ("name", "name_prefix", "full_name", "phone", "number", "all"):
        assert f"| {name} |" in result.stdout
    assert "Execution Time" in result.stdout


def test_inventory_bench_smoke() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    db = f"zargar_bench_inv_smoke_{worker}_{os.getpid()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "tests/perf/inventory/bench.py", "--smoke", "--db", db],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| search | server p50 ms |" in result.stdout
    for name in ("sku", "barcode", "name_part", "name_word"):
        assert f"| {name} |" in result.stdout
    assert "| items_reprice |" in result.stdout
    assert "EXPLAIN (ANALYZE, BUFFERS)" in result.stdout


def test_pos_bench_smoke() -> None:
    # Its own database, and a free port for its gunicorn (never the developer's).
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    db = f"zargar_bench_pos_smoke_{worker}_{os.getpid()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "tests/perf/pos/bench.py", "--smoke", "--db", db, "--port", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| measure | n | p50 ms | p95 ms |" in result.stdout
    for name in ("scan → cart fragment", "sale completion"):
        assert f"| {name} |" in result.stdout
    assert "| completed sales/s | pgbench TPC-B tps |" in result.stdout
    # The sales and shifts pages (history.py), each answered with its rows.
    assert "| history page | n | rows |" in result.stdout
    assert "| sales, newest (owner) | 3 | 50 |" in result.stdout
    assert "errors: 0" in result.stdout
    assert "KB per completed sale" in result.stdout  # the WAL of the window
    assert "tps = " in result.stdout  # pgbench's own report
    # plans.py: one recorded sale's prepared statements, custom vs generic plan
    assert "| statement | custom plan ms | generic plan ms | same plan |" in result.stdout
    for name in ("pos.carts._LINES", "pos.selectors._SALE_BY_KEY", "inventory.selectors."
                 "_ITEM_BY_CODE", "tenants.auth_backends.USER_WITH_SHOP"):
        assert f"| {name} |" in result.stdout
    assert "declared reuse_plan but not run" not in result.stdout


def test_backups_bench_smoke() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    db = f"zargar_bench_backups_smoke_{worker}_{os.getpid()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "tests/perf/backups/bench.py", "--smoke", "--db", db],
        # Mostly `migrate` of a scratch database: 40 s of CPU, over 170 s measured on
        # the shared 2-core machine at load 15.
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| export (snapshot+COPY+tar+zstd+AES-GCM) |" in result.stdout
    assert "| pg_dump -Fc -Z0 (whole db) |" in result.stdout
    assert "throughput ratio export / pg_dump:" in result.stdout


def test_dashboard_bench_smoke() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    db = f"zargar_bench_dash_smoke_{worker}_{os.getpid()}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "tests/perf/dashboard/bench.py", "--smoke", "--db", db],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| measure | n | p50 ms | p95 ms |" in result.stdout
    assert "| dashboard |" in result.stdout
