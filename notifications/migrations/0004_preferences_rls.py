from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_preferences")]
    operations = [
        EnableRLS("notificationpreference"),
    ]
