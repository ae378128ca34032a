from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]
    operations = [
        EnableRLS("category"),
        EnableRLS("item"),
        EnableRLS("stocklevel"),
        EnableRLS("stockmovement"),
        EnableRLS("rateboard"),
        EnableRLS("pricingrule"),
        EnableRLS("inventorysettings"),
    ]
