from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("inventory", "0008_ratealert")]
    operations = [
        EnableRLS("ratealert"),
    ]
