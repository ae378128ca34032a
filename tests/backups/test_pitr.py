"""Point-in-time recovery drill with pgBackRest (acceptance 1): write data, note T,
change and delete, restore the whole cluster to T on a side data directory, and the
shop's per-table fingerprints there equal those taken at T. The restore is the monthly
drill's own function (backups/drills.py): RTO and RPO are recorded on its run, printed
and checked against generous bounds. Then one shop is brought back to T on the live
database from that side instance (backups/pitr.py), the other shop untouched."""

from pathlib import Path

import psycopg
import pytest
from django.db import connection

from backups.drills import backup_drill_run
from backups.fingerprints import fingerprint_tables, tenant_fingerprint
from backups.models import BackupRun
from backups.pgbackrest import cluster_backup
from backups.pitr import tenant_pitr_apply
from backups.services import backup_run_start
from crm.models import Customer
from tenants.context import tenant_context
from tenants.exports import tenant_tables_in_dependency_order
from tests.factories import customer_make, shop


@pytest.mark.django_db(transaction=True)
def test_point_in_time_restore_brings_back_the_data_as_it_was_at_T() -> None:
    a = shop("Drill shop")
    b = shop("Other shop")
    backup = cluster_backup("incr")  # the first incr of a stanza becomes a full
    assert backup["type"] in ("full", "diff", "incr") and not backup["error"]

    kept = customer_make(a, first_name="Kept", last_name="AtT", phone="09121111111")
    with tenant_context(a.tenant):
        tables = tenant_tables_in_dependency_order()
        at_t = tenant_fingerprint()
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        t = cursor.fetchone()[0]

    # After T: change one row, delete another, add a third.
    with tenant_context(a.tenant):
        Customer.objects.filter(pk=kept.pk).update(first_name="Changed")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM crm_customersearchtoken WHERE customer_id = %s",
                           [a.extra["referrer"].pk])
    customer_make(a, first_name="After", last_name="T", phone="09122222222")
    with tenant_context(a.tenant):
        assert tenant_fingerprint() != at_t

    # The drill service does the rest: archive the latest WAL (RPO), restore to T on
    # a side directory and start it (RTO), let us read it, stop it, record the run.
    # Name the set: pgBackRest picks one by whole-second stop times, and on a fast
    # machine the backup can end within T's second.
    seen: dict = {}

    def inspect(side) -> None:  # noqa: ANN001
        dbname = connection.settings_dict["NAME"]
        with psycopg.connect(side.conninfo(dbname), autocommit=True) as conn:
            cur = conn.cursor()
            # Read as the application role with the shop's scope, as the app would.
            cur.execute("SET ROLE zargar_app")
            cur.execute("SELECT set_config('app.tenant_id', %s, false)", [str(a.tenant.pk)])
            seen["restored"] = fingerprint_tables(cur, tables)
            cur.execute("SELECT first_name FROM crm_customer WHERE id = %s", [kept.pk])
            seen["kept"] = cur.fetchone()[0]
        # One shop to T on the live database; the other shop changed after T too.
        customer_make(b, first_name="Other", last_name="AfterT", phone="09123333333")
        with tenant_context(b.tenant):
            seen["b_now"] = tenant_fingerprint()
        result = tenant_pitr_apply(tenant=a.tenant, side=side, mode="replace")
        assert result["export_rows"] > 0 and result["inserted"]

    run = backup_drill_run(run=backup_run_start(kind=BackupRun.Kind.DRILL, reason="test"),
                           target_time=t, backup_set=backup["label"], inspect=inspect)
    assert run.state == BackupRun.State.COMPLETED, run.error
    rto, rpo = run.details["rto_s"], run.details["rpo_s"]
    assert run.details["probe"]["shops"] >= 2 and run.details["probe"]["tables"] > 10
    assert run.details["side_dir"] and not Path(run.details["side_dir"]).exists()  # removed
    assert seen["kept"] == "Kept"
    with tenant_context(a.tenant):
        assert tenant_fingerprint() == at_t
        assert Customer.objects.get(pk=kept.pk).first_name == "Kept"
    with tenant_context(b.tenant):
        assert tenant_fingerprint() == seen["b_now"]
    print(f"PITR drill: RTO {rto:.1f} s (restore + replay + promote), "
          f"RPO bound {rpo:.1f} s (time to archive the last WAL)")
    assert seen["restored"] == at_t
    assert rto < 120 and rpo < 60
