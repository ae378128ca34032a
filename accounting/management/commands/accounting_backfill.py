from django.core.management.base import BaseCommand

from accounting import services
from repairs.payments import repair_payments_legacy_record
from tenants.models import Tenant


class Command(BaseCommand):
    help = ("Post every event recorded before accounting existed (or still waiting), shop by "
            "shop; creates missing ledger entities first. Safe to run again.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="only this shop (slug)")

    def handle(self, *args, **options) -> None:
        tenants = Tenant.objects.order_by("created_at")
        if options.get("tenant"):
            tenants = tenants.filter(slug=options["tenant"])
        for tenant in tenants:
            services.entity_create(tenant=tenant)
            # Repair deposits typed on orders before the register took repair money
            # become payments (once), so that they are posted like the others.
            legacy = repair_payments_legacy_record(tenant=tenant)
            n = services.all_pending_post(tenant=tenant)
            self.stdout.write(f"{tenant.slug}: {n} events posted"
                              + (f" ({legacy} earlier repair payments recorded)" if legacy else ""))
