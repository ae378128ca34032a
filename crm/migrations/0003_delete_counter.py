"""Counters moved to tenants.Counter (one mechanism for every human-facing number).

The values are copied first, tenant by tenant inside its RLS scope (RLS is
FORCEd, so even the owner running migrations sees one tenant at a time)."""

from django.db import migrations


def copy_counters(apps, schema_editor):
    from tenants.context import tenant_context

    Tenant = apps.get_model("tenants", "Tenant")
    Old = apps.get_model("crm", "Counter")
    New = apps.get_model("tenants", "Counter")
    for tenant in Tenant.objects.all():
        with tenant_context(tenant, using=schema_editor.connection.alias):
            for old in Old.objects.all():
                New.objects.update_or_create(key=old.key, defaults={"value": old.value})


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_rls"),
        ("tenants", "0007_rls_counter"),
    ]
    operations = [
        migrations.RunPython(copy_counters, migrations.RunPython.noop),
        migrations.DeleteModel(name="Counter"),
    ]
