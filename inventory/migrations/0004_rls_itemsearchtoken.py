from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_item_search_token")]
    operations = [
        EnableRLS("itemsearchtoken"),
    ]
