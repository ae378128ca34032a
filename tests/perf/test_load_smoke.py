"""The Locust scenario (tests/perf/load/locustfile.py) runs against deployments; here a
tiny run of it (3 users, a few seconds, no think time) against a live server of the
test database with the demo data, so the scenario and seed_load_test cannot rot."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from inventory.models import Item, StockLevel
from pos.models import Sale
from tenants.context import tenant_context
from tenants.models import Tenant, Terminal, User

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "load-test-demo-pw"

pytestmark = pytest.mark.django_db(transaction=True)


def _demo_data(cashiers: int) -> str:
    call_command("seed_demo", "--password", PASSWORD, stdout=io.StringIO())
    call_command("seed_demo_shop", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_load_test", "--password", PASSWORD, "--cashiers", str(cashiers),
                 "--stock", "500", stdout=out)
    return out.getvalue()


def test_seed_load_test_adds_lots_cashiers_and_terminals_idempotently() -> None:
    printed = _demo_data(cashiers=2)
    call_command("seed_load_test", "--password", PASSWORD, "--cashiers", "2",
                 "--stock", "500", stdout=io.StringIO())
    assert "cashier-load-2@zarin.example\tLOAD-2" in printed
    for tenant in Tenant.objects.filter(slug__in=["golden-crown", "zarin"]):
        with tenant_context(tenant):
            cashier = User.objects.get(tenant=tenant, email__startswith="cashier@")
            for sku in ("LOAD-COIN", "LOAD-BAR"):
                item = Item.objects.get(sku=sku)
                assert item.tracking == "lot" and item.price > 0
                assert StockLevel.objects.get(item=item).quantity == 500
                assert StockLevel.objects.get(item=item).branch_id == cashier.branch_id
            extra = User.objects.filter(tenant=tenant, email__startswith="cashier-load-")
            assert extra.count() == 2
            assert all(u.check_password(PASSWORD) and u.branch_id == cashier.branch_id
                       for u in extra)
            assert Terminal.objects.filter(name__startswith="LOAD-").count() == 2


def test_locust_scenario_runs_headless_without_failures(live_server) -> None:
    _demo_data(cashiers=0)
    sales_before = _sales()
    env = {**os.environ, "ZARGAR_LOAD_PASSWORD": PASSWORD}
    result = subprocess.run(
        [str(BIN / "locust"), "-f", str(ROOT / "tests/perf/load/locustfile.py"),
         "--host", live_server.url, "--headless", "--users", "3", "--spawn-rate", "3",
         "--run-time", "6s", "--stop-timeout", "5", "--think-time", "0",
         "--json", "--skip-log"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    stats = json.loads(result.stdout)
    by_name = {entry["name"]: entry for entry in stats}
    print({name: (e["num_requests"], e["num_failures"]) for name, e in by_name.items()})
    failures = {name: e["num_failures"] for name, e in by_name.items() if e["num_failures"]}
    assert failures == {}, result.stderr[-2000:]
    assert result.returncode == 0, result.stderr[-2000:]
    # Both demo cashiers sold and the owner looked around.
    for name in ("/pos/scan/", "/pos/complete/", "/pos/sales/[id]/", "/ (dashboard)",
                 "/inventory/"):
        assert by_name.get(name, {}).get("num_requests", 0) > 0, (name, sorted(by_name))
    completed = by_name["/pos/complete/"]["num_requests"]
    assert _sales() - sales_before == completed


def _sales() -> int:
    total = 0
    for tenant in Tenant.objects.filter(slug__in=["golden-crown", "zarin"]):
        with tenant_context(tenant):
            total += Sale.objects.count()
    return total
