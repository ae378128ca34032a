"""Seed the demo platform: a platform admin and two shops with branches and staff.

Idempotent: safe to run on every `make demo`; passwords (and with --pin the managers'
register PINs) are reset to the ones given; every staff member speaks the shop's
language. Each branch has a terminal; the first branch, where seed_demo_shop leaves the
owner's shift open, has a second one for its salesperson. (seed_demo_shop stocks the
first branch and the cashier's.)
"""

from decimal import Decimal

from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings
from django.utils import translation

from tenants import services
from tenants.context import tenant_context
from tenants.errors import BusinessRuleError
from tenants.mfa import backup_codes_regenerate
from tenants.models import Branch, Plan, Tenant, Terminal, User

PLATFORM_ADMIN_EMAIL = "admin@zargar.local"

PLANS = [
    {
        "name": "Starter",
        "price": Decimal("29.00"),
        "max_users": 5,
        "max_branches": 1,
        "max_items": 2000,
        "max_terminals": 2,
    },
    {
        "name": "Business",
        "price": Decimal("79.00"),
        "max_users": 20,
        "max_branches": 5,
        "max_items": 20000,
        "max_terminals": 10,
    },
]

SHOPS = [
    {
        "name": "Golden Crown Jewelers",
        "slug": "golden-crown",
        "plan": "Business",
        "currency": "USD",
        "language": "en",
        "domain": "goldencrown.example",
        "owner": "Sarah Collins",
        "branches": [
            ("Downtown", "DT", "12 Market Street"),
            ("Riverside Mall", "RM", "Unit 48, Riverside Mall"),
        ],
        "staff": [
            ("manager", "Daniel Reyes", "DT"),
            ("salesperson", "Priya Nair", "DT"),
            ("cashier", "Tom Becker", "RM"),
        ],
    },
    {
        "name": "گالری طلای زرین",
        "slug": "zarin",
        "plan": "Business",
        "currency": "IRR",
        "language": "fa",
        "domain": "zarin.example",
        "owner": "مریم احمدی",
        "branches": [
            ("بازار تهران", "BZR", "بازار بزرگ، راسته زرگرها، پلاک ۱۴"),
            ("تجریش", "TJR", "میدان تجریش، پاساژ قائم"),
        ],
        "staff": [
            ("manager", "رضا کریمی", "BZR"),
            ("salesperson", "سارا محمدی", "BZR"),
            ("cashier", "علی رضایی", "TJR"),
        ],
    },
]


class Command(BaseCommand):
    help = "Create the demo platform: platform admin, plans, two shops with branches and staff."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            required=True,
            help="Password for every demo login (make demo generates one).",
        )
        parser.add_argument(
            "--pin",
            default="",
            help="Register PIN of every demo manager (make demo generates one); "
            "without it their PINs are left as they are.",
        )

    def handle(self, *args: object, password: str, pin: str, **options: object) -> None:
        if len(password) < 10:
            raise CommandError("The demo password must be at least 10 characters.")
        # Demo addresses are fictitious: invitations would only clutter the output.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            try:
                self._seed(password, pin)
            except BusinessRuleError as exc:
                raise CommandError(f"--pin: {exc.message}") from exc

    @transaction.atomic
    def _seed(self, password: str, pin: str) -> None:
        lines: list[tuple[str, str, str]] = []

        admin = User.objects.filter(
            email=PLATFORM_ADMIN_EMAIL
        ).first() or User.objects.create_superuser(
            email=PLATFORM_ADMIN_EMAIL, full_name="Platform Admin"
        )
        self._set_password(admin, password)
        # Platform admins must use a second factor; the demo gives backup codes.
        codes = backup_codes_regenerate(user=admin)
        lines.append(
            ("platform admin", PLATFORM_ADMIN_EMAIL, f"then a backup code: {' '.join(codes[:3])}")
        )

        plans = {}
        for spec in PLANS:
            plans[spec["name"]], _ = Plan.objects.update_or_create(
                name=spec["name"], defaults={k: v for k, v in spec.items() if k != "name"}
            )
        for spec in SHOPS:
            lines += self._shop(spec, plans[spec["plan"]], password, pin)

        self.stdout.write(f"password for every login: {password}")
        for role, email, note in lines:
            self.stdout.write(f"{role}\t{email}\t{note}")

    def _set_password(self, user: User, password: str) -> None:
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])

    def _shop(self, spec: dict, plan: Plan, password: str, pin: str) -> list[tuple[str, str, str]]:
        domain = spec["domain"]
        tenant = Tenant.objects.filter(slug=spec["slug"]).first()
        if tenant is None:
            tenant = services.tenant_create(
                name=spec["name"],
                slug=spec["slug"],
                plan=plan,
                currency=spec["currency"],
                owner_email=f"owner@{domain}",
                owner_name=spec["owner"],
                language=spec["language"],
            )
        owner = User.objects.get(email=f"owner@{domain}")
        self._set_password(owner, password)
        lines = [(f"{spec['slug']} owner", owner.email, "")]
        with tenant_context(tenant):
            branches = {}
            for name, code, address in spec["branches"]:
                branch = Branch.objects.filter(code=code).first() or services.branch_create(
                    tenant=tenant, actor=owner, name=name, code=code, address=address
                )
                branches[code] = branch
                if not Terminal.objects.filter(branch=branch).exists():
                    services.terminal_create(
                        tenant=tenant, actor=owner, branch=branch, name=f"{code}-1"
                    )
            for role, full_name, code in spec["staff"]:
                email = f"{role}@{domain}"
                user = User.objects.filter(email=email).first()
                if user is None:
                    with translation.override(spec["language"]):  # invited in the shop's language
                        user = services.staff_invite(
                            tenant=tenant,
                            actor=owner,
                            email=email,
                            role=role,
                            full_name=full_name,
                            branch=branches[code],
                        )
                if user.language != spec["language"]:
                    services.user_set_preferences(user=user, language=spec["language"])
                self._set_password(user, password)
                note = ""
                if pin and role == User.Role.MANAGER:
                    if not user.pos_pin or not check_password(
                        services.pin_typed(pin), user.pos_pin
                    ):
                        services.user_pin_set(user=user, pin=pin)
                    note = f"register PIN {services.pin_typed(pin)}"
                lines.append((f"{spec['slug']} {role}", email, note))
            # The owner's demo shift is open at the first branch's terminal: a second one
            # lets its salesperson open a shift and sell.
            first = branches[spec["branches"][0][1]]
            if not Terminal.objects.filter(branch=first, name=f"{first.code}-2").exists():
                services.terminal_create(
                    tenant=tenant, actor=owner, branch=first, name=f"{first.code}-2"
                )
        return lines
