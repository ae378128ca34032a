from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]
    operations = [
        EnableRLS("subscription"),
        EnableRLS("branch"),
        EnableRLS("terminal"),
    ]
