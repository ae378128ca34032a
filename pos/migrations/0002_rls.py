from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("pos", "0001_initial")]
    operations = [
        EnableRLS("counter"),
        EnableRLS("shift"),
        EnableRLS("sale"),
        EnableRLS("saleline"),
        EnableRLS("payment"),
        EnableRLS("saleevent"),
    ]
