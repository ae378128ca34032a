from django.core.management.base import BaseCommand

from accounting import services
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Create the ledger entity and chart of accounts of every shop that lacks one."

    def handle(self, *args, **options) -> None:
        for tenant in Tenant.objects.order_by("created_at"):
            services.entity_create(tenant=tenant)
            self.stdout.write(f"{tenant.slug}: books ready")
