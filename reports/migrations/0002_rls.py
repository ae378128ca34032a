from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [EnableRLS("reportschedule")]
