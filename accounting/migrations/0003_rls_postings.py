from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("accounting", "0002_postings")]

    operations = [
        EnableRLS("posting"),
        EnableRLS("salesday"),
        # A posting points at a journal entry of the same tenant.
        migrations.RunSQL(
            "ALTER TABLE accounting_posting ADD CONSTRAINT accounting_posting_je_tenant_fk "
            "FOREIGN KEY (tenant_id, journal_entry_id) REFERENCES "
            "django_ledger_journalentrymodel (tenant_id, uuid) DEFERRABLE INITIALLY DEFERRED",
            "ALTER TABLE accounting_posting DROP CONSTRAINT accounting_posting_je_tenant_fk",
        ),
        # One ledger entity per shop.
        migrations.RunSQL(
            "CREATE UNIQUE INDEX accounting_one_entity_per_tenant "
            "ON django_ledger_entitymodel (tenant_id)",
            "DROP INDEX accounting_one_entity_per_tenant",
        ),
    ]
