"""Seed the demo platform: idempotent, safe to run on every `make demo`."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tenants.models import User

PLATFORM_ADMIN_EMAIL = "admin@zargar.local"


class Command(BaseCommand):
    help = "Create the demo platform (platform admin; shops come with the tenancy core)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            required=True,
            help="Password for every demo login (make demo generates one per checkout).",
        )

    @transaction.atomic
    def handle(self, *args: object, password: str, **options: object) -> None:
        if len(password) < 10:
            raise CommandError("The demo password must be at least 10 characters.")
        admin, created = User.objects.get_or_create(
            email=PLATFORM_ADMIN_EMAIL,
            defaults={"full_name": "Platform Admin", "is_staff": True, "is_superuser": True},
        )
        if created or not admin.check_password(password):
            admin.set_password(password)
            admin.save(update_fields=["password"])
        self.stdout.write(f"platform admin\t{PLATFORM_ADMIN_EMAIL}\t{password}\t/admin/")
