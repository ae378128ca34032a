"""The scrap-lot check on every register scan (pos.services.scrap_lot_exists: has the item
a "buy_back" movement?) read all of a busy lot's movements: 127 heap rows, 6 ms cold, on
the bench shop's lot. This partial index holds only the buy-back movements."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without blocking the shop's stock movements (CREATE INDEX CONCURRENTLY on a
    # table that may hold millions of rows); that cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("inventory", "0015_pricing_rule_tier_name"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="stockmovement",
            index=models.Index(condition=models.Q(("kind", "buy_back")), fields=["tenant", "item"],
                               name="tenant_movement_buy_back"),
        ),
    ]
