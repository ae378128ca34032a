"""Repair deposits kept on cancellation: the posting source "repairs.forfeit" and the
chart's new account 4040 "Forfeited deposits" for every shop that has books.

The account is added the way `manage.py accounting_entities` adds what the chart gained
(accounting.services.entity_create is idempotent and creates only missing accounts),
tenant by tenant: RLS is FORCEd, even for the owner running migrations. Shops without
books are left to accounting_entities, as before.
"""

from django.db import migrations, models


def chart_accounts_add(apps, schema_editor):
    from django_ledger.models import EntityModel

    from accounting.services import entity_create
    from tenants.context import tenant_context

    Tenant = apps.get_model("tenants", "Tenant")
    alias = schema_editor.connection.alias
    for tenant in list(Tenant.objects.using(alias).order_by("pk")):
        with tenant_context(tenant, using=alias):
            has_books = EntityModel.objects.using(alias).exists()
        if has_books:
            entity_create(tenant=tenant)


class Migration(migrations.Migration):

    dependencies = [
        ('accounting', '0008_rls_posting_failures'),
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='posting',
            name='source',
            field=models.CharField(choices=[('pos.saleevent', 'Sale event'), ('inventory.stockmovement', 'Stock movement'), ('crm.storecredittransaction', 'Store credit'), ('crm.giftcardtransaction', 'Gift card'), ('repairs.repairpayment', 'Repair payment'), ('repairs.delivery', 'Repair delivered'), ('repairs.forfeit', 'Repair deposit kept'), ('accounting.closing', 'Year-end closing')], max_length=40, verbose_name='source'),
        ),
        migrations.AlterField(
            model_name='postingfailure',
            name='source',
            field=models.CharField(choices=[('pos.saleevent', 'Sale event'), ('inventory.stockmovement', 'Stock movement'), ('crm.storecredittransaction', 'Store credit'), ('crm.giftcardtransaction', 'Gift card'), ('repairs.repairpayment', 'Repair payment'), ('repairs.delivery', 'Repair delivered'), ('repairs.forfeit', 'Repair deposit kept'), ('accounting.closing', 'Year-end closing')], max_length=40, verbose_name='source'),
        ),
        migrations.RunPython(chart_accounts_add, migrations.RunPython.noop),
    ]
