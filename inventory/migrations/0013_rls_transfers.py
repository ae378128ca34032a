from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("inventory", "0012_transfers")]
    operations = [
        EnableRLS("transfer"),
        EnableRLS("transferline"),
        EnableRLS("transferevent"),
    ]
