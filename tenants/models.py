"""The tenancy core: plans, tenants (shops), their branches and terminals, and users.

Global tables (no RLS; code scopes them): Plan, Tenant, User — login must find
the user before any tenant is known, and the platform manages plans and tenants.
Tenant-owned tables (RLS): Subscription, Branch, Terminal.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .db import TenantForeignKey, TenantScopedModel


class Plan(models.Model):
    class BillingCycle(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        YEARLY = "yearly", _("Yearly")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=80, unique=True)
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    billing_cycle = models.CharField(
        _("billing cycle"), max_length=10, choices=BillingCycle.choices, default=BillingCycle.MONTHLY
    )
    max_users = models.PositiveIntegerField(_("users"), default=5)
    max_branches = models.PositiveIntegerField(_("branches"), default=1)
    max_items = models.PositiveIntegerField(_("items"), default=5000)
    max_terminals = models.PositiveIntegerField(_("terminals"), default=2)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["price", "name"]

    def __str__(self) -> str:
        return self.name


class Tenant(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        PENDING_DELETION = "pending_deletion", _("Pending deletion")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("company name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="tenants")
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    require_mfa = models.BooleanField(
        _("require two-factor authentication for all staff"), default=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Subscription(TenantScopedModel):
    class Status(models.TextChoices):
        TRIAL = "trial", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Past due")
        CANCELLED = "cancelled", _("Cancelled")

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.TRIAL
    )
    next_billing_date = models.DateField(_("next billing date"), null=True, blank=True)
    # Per-tenant overrides of the plan's limits; empty means "as the plan says".
    max_users = models.PositiveIntegerField(_("users"), null=True, blank=True)
    max_branches = models.PositiveIntegerField(_("branches"), null=True, blank=True)
    max_items = models.PositiveIntegerField(_("items"), null=True, blank=True)
    max_terminals = models.PositiveIntegerField(_("terminals"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="tenants_subscription_one_per_tenant")
        ]


class Branch(TenantScopedModel):
    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(_("code"), max_length=20)
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name"]
        # Per-object (django-guardian): which managers run which branches.
        permissions = [("manage_branch", _("Can manage the branch's staff"))]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="tenants_branch_code_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class Terminal(TenantScopedModel):
    branch = TenantForeignKey(Branch, on_delete=models.PROTECT, related_name="terminals")
    name = models.CharField(_("name"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("terminal")
        verbose_name_plural = _("terminals")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "branch", "name"], name="tenants_terminal_name_per_branch"
            )
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", User.Role.PLATFORM_ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Everybody who signs in. Global: a platform admin has no tenant, everyone else one."""

    class Role(models.TextChoices):
        PLATFORM_ADMIN = "platform_admin", _("Platform admin")
        OWNER = "owner", _("Owner")
        MANAGER = "manager", _("Manager")
        SALESPERSON = "salesperson", _("Salesperson")
        CASHIER = "cashier", _("Cashier")

    class Theme(models.TextChoices):
        LIGHT = "light", _("Light")
        DARK = "dark", _("Dark")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SALESPERSON)
    # Composite key: a user's branch must belong to the user's tenant.
    branch = TenantForeignKey(
        Branch, on_delete=models.SET_NULL, null=True, blank=True, related_name="staff"
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    theme = models.CharField(_("theme"), max_length=8, choices=Theme.choices, default=Theme.LIGHT)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="platform_admin") & Q(tenant__isnull=True))
                | (~Q(role="platform_admin") & Q(tenant__isnull=False)),
                name="tenants_user_platform_admin_has_no_tenant",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "role"], name="user_tenant_role_idx")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_platform_admin(self) -> bool:
        return self.role == self.Role.PLATFORM_ADMIN

    @property
    def is_shop_user(self) -> bool:
        return self.tenant_id is not None
