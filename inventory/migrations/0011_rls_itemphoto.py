from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("inventory", "0010_itemphoto")]
    operations = [
        EnableRLS("itemphoto"),
    ]
