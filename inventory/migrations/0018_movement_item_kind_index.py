"""The scrap-lot check (pos.services.scrap_lot_exists: has the item a "buy_back"
movement?) runs in prepared statements whose generic plan sees the kind as a
parameter, where 0016's partial index (WHERE kind = 'buy_back') cannot be used: the
generic plan read all of a busy lot's movements (1.4 ms instead of 0.05 ms a sale,
tests/perf/pos/plans.py). The item foreign key's index (tenant_id, item_id), which
tenant_movement_item (tenant_id, item_id, created_at) already covers as a prefix,
becomes (tenant_id, item_id, kind) and serves both plans; the partial index goes.
Built CONCURRENTLY under a temporary name, then swapped (movements go on being
written)."""

from django.contrib.postgres.operations import RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE/DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("inventory", "0017_item_code_part_tokens"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [
                        "CREATE INDEX CONCURRENTLY IF NOT EXISTS stockmovemen_item_t_idx_new "
                        "ON inventory_stockmovement (tenant_id, item_id, kind)",
                        "DROP INDEX CONCURRENTLY IF EXISTS stockmovemen_item_t_idx",
                        "ALTER INDEX stockmovemen_item_t_idx_new RENAME TO stockmovemen_item_t_idx",
                    ],
                    [
                        "CREATE INDEX CONCURRENTLY IF NOT EXISTS stockmovemen_item_t_idx_old "
                        "ON inventory_stockmovement (tenant_id, item_id)",
                        "DROP INDEX CONCURRENTLY IF EXISTS stockmovemen_item_t_idx",
                        "ALTER INDEX stockmovemen_item_t_idx_old RENAME TO stockmovemen_item_t_idx",
                    ],
                ),
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="stockmovement", name="stockmovemen_item_t_idx"),
                migrations.AddIndex(
                    model_name="stockmovement",
                    index=models.Index(fields=["tenant", "item", "kind"],
                                       name="stockmovemen_item_t_idx"),
                ),
            ],
        ),
        RemoveIndexConcurrently(model_name="stockmovement", name="tenant_movement_buy_back"),
    ]
