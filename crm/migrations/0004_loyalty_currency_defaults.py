"""A programme's defaults follow the shop's currency (crm.models.loyalty_defaults).

Before, every shop started with a point worth 0.01, which a Rial shop cannot pay, so
its owner could not save the loyalty settings unchanged. Rows of such shops are set
to their currency's defaults here only when the programme never ran: the value is the
untouched default pair (1 point per unit, a fraction of the minor unit per point) and
no customer holds or ever held points. Where points exist, changing a point's value
would change what customers hold: the settings page asks the owner to choose instead.
A value that fits the currency is never touched. RLS is FORCEd, so the rows are read
tenant by tenant inside each one's scope.
"""

from decimal import ROUND_DOWN, Decimal

import crm.models
from django.db import migrations, models

# The values of crm.models.loyalty_defaults when this migration was written.
DEFAULTS = {"IRR": (Decimal("0.000001"), Decimal("10000")),
            "IRT": (Decimal("0.00001"), Decimal("1000"))}


def _defaults(currency):
    from tenants.money import currency_places

    if currency.upper() in DEFAULTS:
        return DEFAULTS[currency.upper()]
    places = currency_places(currency)
    return Decimal(1).scaleb(places - 2), Decimal(1).scaleb(-places)


def defaults_apply(apps, schema_editor):
    from tenants.context import tenant_context
    from tenants.money import currency_places

    Tenant = apps.get_model("tenants", "Tenant")
    LoyaltySettings = apps.get_model("crm", "LoyaltySettings")
    PointsTransaction = apps.get_model("crm", "PointsTransaction")
    alias = schema_editor.connection.alias
    for tenant in list(Tenant.objects.using(alias).order_by("pk")):
        unit = Decimal(1).scaleb(-currency_places(tenant.currency))
        with tenant_context(tenant, using=alias):
            row = LoyaltySettings.objects.using(alias).select_for_update().first()
            if row is None or row.point_value == row.point_value.quantize(unit, ROUND_DOWN):
                continue
            if row.points_per_unit != 1 or PointsTransaction.objects.using(alias).exists():
                continue
            row.points_per_unit, row.point_value = _defaults(tenant.currency)
            row.save(update_fields=["points_per_unit", "point_value"])


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0003_delete_counter'),
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='loyaltysettings',
            name='point_value',
            field=models.DecimalField(decimal_places=4, default=crm.models.point_value_default, help_text='How much money one point is worth when redeemed.', max_digits=10, verbose_name='value of one point'),
        ),
        migrations.AlterField(
            model_name='loyaltysettings',
            name='points_per_unit',
            field=models.DecimalField(decimal_places=6, default=crm.models.points_per_unit_default, help_text='Points a customer earns for each unit of money spent, before the tier multiplier.', max_digits=12, verbose_name='points per currency unit'),
        ),
        migrations.RunPython(defaults_apply, migrations.RunPython.noop),
    ]
