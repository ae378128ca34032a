"""django-ledger's tables under tenant isolation (see accounting/ledger_schema.py).

The statements are computed from the catalog of the pinned django-ledger (0.8.5,
migration 0030); tests/accounting/test_ledger_schema.py checks the result.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounting.ledger_schema import LEDGER_TABLES, ledger_table_statements

    with schema_editor.connection.cursor() as cursor:
        statements = ledger_table_statements(cursor, LEDGER_TABLES)
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0008_pos_pin"),
        ("django_ledger", "0030_alter_accountmodel_role"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
