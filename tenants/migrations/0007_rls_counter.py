from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("tenants", "0006_counter")]
    operations = [EnableRLS("counter")]
