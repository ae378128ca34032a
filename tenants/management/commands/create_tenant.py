"""Create a shop with its owner, who gets an email invitation to set a password.

    manage.py create_tenant "Golden Crown" golden-crown owner@example.com --plan Starter
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants import services
from tenants.errors import BusinessRuleError
from tenants.models import Plan


class Command(BaseCommand):
    help = "Create a tenant (shop) with its first owner, invited by email."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("slug")
        parser.add_argument("owner_email")
        parser.add_argument("--owner-name", default="")
        parser.add_argument("--plan", required=True, help="Name of an existing, unarchived plan.")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--language", default="en", choices=["en", "fa"])

    def handle(self, *args: object, **options: str) -> None:
        try:
            plan = Plan.objects.get(name=options["plan"])
        except Plan.DoesNotExist as exc:
            names = ", ".join(Plan.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No plan named {options['plan']!r} (plans: {names}).") from exc
        try:
            tenant = services.tenant_create(
                name=options["name"], slug=options["slug"], plan=plan,
                owner_email=options["owner_email"], owner_name=options["owner_name"],
                currency=options["currency"].upper(), language=options["language"],
            )
        except BusinessRuleError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"created {tenant.name} ({tenant.pk}); invitation sent to "
                          f"{options['owner_email']}")
