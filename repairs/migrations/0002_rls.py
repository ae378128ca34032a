from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("repairs", "0001_initial")]
    operations = [
        EnableRLS("repairorder"),
        EnableRLS("repairevent"),
        EnableRLS("repairphoto"),
    ]
