from django.db import migrations

from tenants.db import EnableRLS


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]
    operations = [
        EnableRLS("counter"),
        EnableRLS("loyaltysettings"),
        EnableRLS("loyaltytier"),
        EnableRLS("customer"),
        EnableRLS("customersearchtoken"),
        EnableRLS("pointstransaction"),
        EnableRLS("storecreditaccount"),
        EnableRLS("storecredittransaction"),
        EnableRLS("giftcard"),
        EnableRLS("giftcardtransaction"),
    ]
