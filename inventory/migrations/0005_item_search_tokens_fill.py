"""Search tokens for the items that existed before ItemSearchToken.

RLS is FORCEd on inventory tables, so even the owner running migrations sees one
tenant at a time: the fill walks the tenants and works inside each one's scope.
The tokens are the ones the services write (inventory.search.item_search_tokens).
"""

from django.db import migrations

BATCH = 2000


def fill(apps, schema_editor):
    from inventory.search import item_search_tokens
    from tenants.context import tenant_context

    Tenant = apps.get_model("tenants", "Tenant")
    Item = apps.get_model("inventory", "Item")
    ItemSearchToken = apps.get_model("inventory", "ItemSearchToken")
    alias = schema_editor.connection.alias
    for tenant in list(Tenant.objects.using(alias).order_by("pk")):
        with tenant_context(tenant, using=alias):
            items = (Item.objects.using(alias).order_by("pk")
                     .values_list("pk", "name", "sku", "barcode", "serial_number"))
            rows = []
            for pk, name, sku, barcode, serial_number in items.iterator(chunk_size=BATCH):
                rows.extend(
                    ItemSearchToken(item_id=pk, token=token)
                    for token in sorted(item_search_tokens(
                        name=name, sku=sku, barcode=barcode, serial_number=serial_number))
                )
                if len(rows) >= BATCH:
                    _insert(ItemSearchToken, alias, rows)
                    rows = []
            _insert(ItemSearchToken, alias, rows)


def _insert(model, alias, rows):
    model.objects.using(alias).bulk_create(rows, batch_size=BATCH)


def empty(apps, schema_editor):
    pass  # the table is dropped by reversing 0003


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_rls_itemsearchtoken"), ("tenants", "0001_initial")]
    operations = [migrations.RunPython(fill, empty)]
