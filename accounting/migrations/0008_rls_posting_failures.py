from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("accounting", "0007_posting_failures")]
    operations = [EnableRLS("postingfailure")]
