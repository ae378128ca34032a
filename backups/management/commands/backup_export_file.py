"""Write one shop's encrypted export into a file, from whatever database DATABASE_URL
names. backups/pitr.py runs it against a cluster restored to a point in time (a side
instance), so the export pipeline is the very one of daily exports."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from backups.services import export_file_write
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Write a shop's encrypted export (zstd + AES-256-GCM) into --out."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="the shop's id")
        parser.add_argument("--out", required=True, help="file to write (must not exist)")

    def handle(self, *args: object, tenant: str, out: str, **options: object) -> None:
        shop = Tenant.objects.get(pk=tenant)
        path = Path(out)
        with path.open("xb") as handle:
            result = export_file_write(tenant=shop, out=handle)
        members = result["manifest"]["members"]
        self.stdout.write(json.dumps({"sha256": result["sha256"],
                                      "size_bytes": result["size_bytes"],
                                      "rows": sum(m["rows"] for m in members.values())}))
