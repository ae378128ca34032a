"""The sales and shifts pages (pos.views.history) on the bench's big shop: each page
rendered in this process (Django's test client, as the shop's owner and as a cashier
bound to its branch), wall and CPU time per request after warm-up runs.

bench.py calls `history_check()` after its load (Django set up for the bench's
database); `--no-history` skips it. Nothing here is an acceptance target: the figures
show that a list over a million sales stays an index scan of one page."""

from __future__ import annotations

import datetime
import statistics
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PageTiming:
    label: str
    n: int
    wall_p50: float
    wall_max: float
    cpu_p50: float
    rows: int  # sales or shifts on the page


def _timed(client: Any, label: str, path: str, params: dict, *, repeat: int,
           warmup: int = 2) -> PageTiming:
    walls, cpus, body = [], [], ""
    for i in range(warmup + repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path, params)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if response.status_code != 200:
            raise AssertionError(f"{label}: {path} {params} answered {response.status_code}")
        body = response.content.decode()
        if i >= warmup:
            walls.append(wall * 1000)
            cpus.append(cpu * 1000)
    if path.endswith(".csv"):
        rows = body.count("\n") - 1  # the header's line
    else:
        rows = body.count("<tr>") - 1  # the head's row; an empty list's row has a class
    return PageTiming(label, repeat, statistics.median(walls), max(walls),
                      statistics.median(cpus), rows)


def history_check(*, owner_email: str, cashier_email: str, terminal_id: str,
                  repeat: int = 15, log=print) -> list[PageTiming]:
    from django.test import Client
    from django.utils import timezone

    from pos.models import Sale
    from tenants.context import tenant_context
    from tenants.models import User

    owner = User.objects.get(email=owner_email)
    cashier = User.objects.get(email=cashier_email)
    with tenant_context(owner.tenant):
        total = Sale.objects.count()
        middle = Sale.objects.order_by("-created_at", "-id")[total // 2]
    deep = f"{middle.created_at.isoformat()}~{middle.pk}"
    today = timezone.localdate()
    clients = {}
    for user in (owner, cashier):
        clients[user.pk] = Client(HTTP_HOST="localhost")
        clients[user.pk].force_login(user)
    o, c = clients[owner.pk], clients[cashier.pk]
    plan = [
        (o, "sales, newest (owner)", "/pos/sales/", {}),
        (o, f"sales, a page {total // 2:,} sales back (owner)", "/pos/sales/", {"older": deep}),
        (o, "sales, today, with totals (owner)", "/pos/sales/",
         {"start": today.isoformat(), "end": today.isoformat()}),
        (o, "sales, last 31 days, with totals (owner)", "/pos/sales/",
         {"start": (today - datetime.timedelta(days=30)).isoformat()}),
        (o, "sales, by number (owner)", "/pos/sales/", {"q": f"S-{total // 2}"}),
        (o, "sales, one terminal (owner)", "/pos/sales/", {"terminal": terminal_id}),
        (o, "sales, returned (owner)", "/pos/sales/", {"status": "returned"}),
        (c, "sales, newest (bound cashier)", "/pos/sales/", {}),
        (o, "shifts, newest (owner)", "/pos/shifts/", {}),
        (o, "shifts, page 100 (owner)", "/pos/shifts/", {"page": "100"}),
    ]
    log(f"history pages: {len(plan)} pages x {repeat} requests in process")
    timings = [_timed(client, label, path, params, repeat=repeat)
               for client, label, path, params in plan]
    # The export of a month of sales (CSV): a few runs, it is a file of thousands of rows.
    log("history pages: the CSV export of the last 31 days")
    timings.append(_timed(o, "export, last 31 days, CSV (owner)", "/pos/sales/export.csv",
                          {"start": (today - datetime.timedelta(days=30)).isoformat()},
                          repeat=max(1, repeat // 5), warmup=1))
    return timings


def main() -> int:
    """Alone, on the kept bench database: python tests/perf/pos/history.py [--db NAME]"""
    import argparse
    import os
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from tests.perf.pos import bench, seed

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="zargar_bench_pos")
    parser.add_argument("--repeat", type=int, default=15)
    opts = parser.parse_args()
    bench.load_env()
    urls = bench.scratch_urls(opts.db)
    bench.migrate(urls)
    os.environ["DATABASE_URL"] = urls["app"]
    os.environ["PLATFORM_DATABASE_URL"] = urls["platform"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    _tenant, cashiers, _serials, _lots = seed.big_shop(urls["owner"], terminals=10)
    timings = history_check(owner_email=f"owner@{seed.big_slug()}.example",
                            cashier_email=cashiers[0].email,
                            terminal_id=cashiers[1].terminal_id, repeat=opts.repeat)
    print("| history page | n | rows | wall p50 ms | wall max ms | CPU p50 ms |")
    print("|---|--:|--:|--:|--:|--:|")
    for t in timings:
        print(f"| {t.label} | {t.n} | {t.rows} | {t.wall_p50:.1f} | {t.wall_max:.1f} | "
              f"{t.cpu_p50:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
