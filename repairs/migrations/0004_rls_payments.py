from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("repairs", "0003_payments")]
    operations = [EnableRLS("repairpayment")]
