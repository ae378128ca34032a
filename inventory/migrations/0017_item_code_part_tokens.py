"""Search tokens for the parts of items' codes ("0008" finds GOL-0008): the tokens
inventory.search.code_tokens adds, written for the items that existed before it.

Only items with a separator (- / .) in a code gain tokens. RLS is FORCEd on the
inventory tables, so the fill walks the tenants and works inside each one's scope,
inserting the tokens an item lacks (as inventory.services.item_tokens_refresh would).
"""

from django.db import migrations
from django.db.models import Q

BATCH = 2000
SEPARATED = r"[-/.]"


def fill(apps, schema_editor):
    from inventory.search import item_search_tokens
    from tenants.context import tenant_context

    Tenant = apps.get_model("tenants", "Tenant")
    Item = apps.get_model("inventory", "Item")
    ItemSearchToken = apps.get_model("inventory", "ItemSearchToken")
    alias = schema_editor.connection.alias
    separated = (Q(sku__regex=SEPARATED) | Q(barcode__regex=SEPARATED)
                 | Q(serial_number__regex=SEPARATED))
    for tenant_id in list(Tenant.objects.using(alias).order_by("pk")
                          .values_list("pk", flat=True)):
        with tenant_context(Tenant(pk=tenant_id), using=alias):
            items = (Item.objects.using(alias).filter(separated).order_by("pk")
                     .values_list("pk", "name", "sku", "barcode", "serial_number"))
            batch = []
            for row in items.iterator(chunk_size=BATCH):
                batch.append(row)
                if len(batch) >= BATCH:
                    _add_missing(ItemSearchToken, alias, batch, item_search_tokens)
                    batch = []
            _add_missing(ItemSearchToken, alias, batch, item_search_tokens)


def _add_missing(model, alias, rows, item_search_tokens):
    if not rows:
        return
    have = set(model.objects.using(alias).filter(item_id__in=[r[0] for r in rows])
               .values_list("item_id", "token"))
    model.objects.using(alias).bulk_create(
        [model(item_id=pk, token=token)
         for pk, name, sku, barcode, serial_number in rows
         for token in sorted(item_search_tokens(name=name, sku=sku, barcode=barcode,
                                                serial_number=serial_number))
         if (pk, token) not in have],
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0016_movement_buy_back_index"), ("tenants", "0001_initial")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
