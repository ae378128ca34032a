"""A buy-back keeps its own currency (BuyBack.currency).

Before, a buy-back paid at the counter kept none and showed in the shop's *current*
currency, wrong once the shop changed it. New rows get the shop's currency when they
are made (a buy-back credited to a sale: the sale's, the same at that moment).

The column comes with a blank database default (so the previous release's processes
can still insert during a deploy), then the existing rows are filled here. RLS is
FORCEd and migrations run as the owner, so a plain UPDATE would see no rows: each
shop's rows are updated inside its own scope (tenant_context, as crm/0004 does). What
each row gets:

- credited to a sale: the sale's currency (Sale.currency, recorded at completion:
  exact);
- paid in cash or as trade-in credit: the shop's currency at the row's created_at,
  read from the shop's audit trail (django-auditlog records every save of a Tenant,
  and tenants.platform_services.tenant_update, the only code that changes a shop's
  currency, saves it; the registration is older than buy-backs): the "from" value of
  the first currency change after the row was made, else the shop's currency now.

Rows written by the previous release during the deploy stay blank; the pages and
receipts show a blank currency in the shop's currency (the money filters' default),
which is what they showed before. Reversing drops the column.
"""

import json

from django.db import migrations, models


def _currency_changes(apps, alias, tenant):
    """[(when, currency before)] of the shop's recorded currency changes, oldest first."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("auditlog", "LogEntry")
    kind = ContentType.objects.using(alias).filter(app_label="tenants", model="tenant").first()
    if kind is None:
        return []
    found = []
    entries = (
        LogEntry.objects.using(alias)
        .filter(content_type=kind, object_pk=str(tenant.pk), action=1)
        .order_by("timestamp", "pk")
        .values_list("timestamp", "changes")
    )
    for when, changes in entries:
        if isinstance(changes, str):  # entries written before auditlog stored JSON
            try:
                changes = json.loads(changes)
            except ValueError:
                continue
        pair = (changes or {}).get("currency") if isinstance(changes, dict) else None
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            continue
        before = str(pair[0] or "").strip().upper()
        if len(before) == 3:  # (a missing value is written "None")
            found.append((when, before))
    return found


def currency_fill(apps, schema_editor):
    from django.db.models import OuterRef, Subquery

    from tenants.context import tenant_context

    Tenant = apps.get_model("tenants", "Tenant")
    BuyBack = apps.get_model("pos", "BuyBack")
    Sale = apps.get_model("pos", "Sale")
    alias = schema_editor.connection.alias
    for tenant in list(Tenant.objects.using(alias).order_by("pk")):
        changes = _currency_changes(apps, alias, tenant)
        with tenant_context(tenant, using=alias):
            rows = BuyBack.objects.using(alias).filter(currency="")
            rows.filter(sale__isnull=False).update(
                currency=Subquery(
                    Sale.objects.using(alias).filter(pk=OuterRef("sale_id")).values("currency")[:1]
                )
            )
            # Oldest change first: each takes the rows made before it not taken yet.
            for when, before in changes:
                rows.filter(created_at__lt=when).update(currency=before)
            rows.update(currency=tenant.currency.upper()[:3])


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("pos", "0013_receipt_tax_id_logo"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="buyback",
            name="currency",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=3, verbose_name="currency"
            ),
        ),
        migrations.RunPython(currency_fill, migrations.RunPython.noop),
    ]
