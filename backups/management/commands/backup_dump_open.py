"""Turn a stored database copy back into a file pg_restore reads:

    manage.py backup_dump_open <run id> <out.dump> [--target NAME]
    pg_restore --list out.dump        # or: pg_restore -d <new database> out.dump
"""

from django.core.management.base import BaseCommand, CommandError

from backups.dumps import dump_open
from backups.models import BackupRun
from backups.targets import target_get


class Command(BaseCommand):
    help = "Decrypt and decompress a stored pg_dump copy (backups.cluster_dump)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("run_id")
        parser.add_argument("out")
        parser.add_argument("--target", default="")

    def handle(self, *args, run_id: str, out: str, target: str, **options) -> None:  # noqa: ANN002, ANN003
        run = BackupRun.objects.filter(pk=run_id, kind=BackupRun.Kind.DUMP).first()
        if run is None:
            raise CommandError("No database copy with this id.")
        names = [target] if target else [n for n, r in run.targets.items()
                                         if r.get("state") == "ok"]
        if not names:
            raise CommandError("No target holds a good copy of this run.")
        with target_get(names[0]).open(run.targets[names[0]]["key"]) as raw, \
                open(out, "wb") as handle:
            size = dump_open(raw, handle)
        self.stdout.write(f"{out}: {size} bytes from {names[0]}")
