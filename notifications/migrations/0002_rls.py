from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [
        EnableRLS("customermessage"),
        EnableRLS("notification"),
    ]
