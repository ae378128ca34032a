from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("accounting", "0004_fiscal_years")]

    operations = [
        EnableRLS("fiscalyear"),
        # Fiscal years of a shop never overlap (the service checks too, with a message).
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS btree_gist",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "ALTER TABLE accounting_fiscalyear ADD CONSTRAINT accounting_fiscalyear_no_overlap "
            "EXCLUDE USING gist (tenant_id WITH =, daterange(start, \"end\", '[]') WITH &&)",
            "ALTER TABLE accounting_fiscalyear DROP CONSTRAINT accounting_fiscalyear_no_overlap",
        ),
    ]
