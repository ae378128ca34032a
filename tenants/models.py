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


class AuditTenantRef:
    """django-auditlog stores what get_additional_data() returns with each entry: the
    shop a change belongs to, so the platform's audit explorer can filter by tenant."""

    def get_additional_data(self) -> dict[str, str] | None:
        tenant_id = getattr(self, "tenant_id", None)
        return {"tenant": str(tenant_id)} if tenant_id else None


class Plan(AuditTenantRef, models.Model):
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


class Tenant(AuditTenantRef, models.Model):
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
    # Set while status is pending_deletion: the shop is purged once this passes.
    deletion_scheduled_for = models.DateTimeField(
        _("deletion scheduled for"), null=True, blank=True
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

    def get_additional_data(self) -> dict[str, str]:
        return {"tenant": str(self.pk)}


class Subscription(AuditTenantRef, TenantScopedModel):
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
    # When the status became "cancelled" (churn on the platform dashboard).
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="tenants_subscription_one_per_tenant")
        ]


class Counter(TenantScopedModel):
    """Per-tenant counters for human-facing numbers (customer, sale, repair numbers):
    a global sequence would leak other shops' volume. See tenants/counters.py."""

    key = models.CharField(max_length=40)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="tenants_counter_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class Branch(AuditTenantRef, TenantScopedModel):
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


class Terminal(AuditTenantRef, TenantScopedModel):
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


class User(AuditTenantRef, AbstractBaseUser, PermissionsMixin):
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
    # Hash (Django's password hashers) of the PIN a manager types at the register to
    # approve a discount or a return over the shop's limits; blank = no PIN set.
    pos_pin = models.CharField(_("register PIN"), max_length=128, blank=True, editable=False)

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


# --- platform panel (global tables; see tenants/platform_services.py) ----------


class AuthEvent(models.Model):
    """Sign-in events for the audit explorer: who, from where, and what happened."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGOUT = "logout", _("Signed out")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOCKOUT = "lockout", _("Locked out")
        IMPERSONATION_START = "impersonation_start", _("Impersonation started")
        IMPERSONATION_END = "impersonation_end", _("Impersonation ended")

    FLAGGED = (Kind.LOGIN_FAILED, Kind.LOCKOUT)

    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices)
    email = models.CharField(_("email"), max_length=254, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    # For impersonation: the platform admin acting as `user`.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    tenant = models.ForeignKey(
        Tenant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.email}"

    @property
    def is_flagged(self) -> bool:
        return self.kind in self.FLAGGED


class FlagRollout(models.Model):
    """Our layer over a waffle flag: share of tenants it is on for, and a kill switch."""

    name = models.CharField(_("flag"), max_length=100, unique=True)
    percent_of_tenants = models.PositiveSmallIntegerField(
        _("percentage of shops"), default=0, validators=[MinValueValidator(0)]
    )
    killed = models.BooleanField(_("kill switch"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FlagOverride(models.Model):
    """A flag forced on or off for one tenant."""

    name = models.CharField(_("flag"), max_length=100)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(_("on"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "tenant"], name="tenants_flagoverride_one")
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.enabled}"


class FlagChange(models.Model):
    """History of flag changes: who changed what, before and after."""

    name = models.CharField(_("flag"), max_length=100, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    tenant = models.ForeignKey(
        Tenant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Announcement(models.Model):
    """A message from the platform team to shops, shown as a banner while it runs."""

    class Severity(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical (needs acknowledgement)")

    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("message"))
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.INFO
    )
    starts_at = models.DateTimeField(_("starts"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    # Empty targets mean every plan / every status.
    target_plans = models.ManyToManyField(Plan, blank=True, related_name="+",
                                          verbose_name=_("plans"))
    target_statuses = models.JSONField(_("shop statuses"), default=list, blank=True)
    send_email = models.BooleanField(_("also send by email"), default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_critical(self) -> bool:
        return self.severity == self.Severity.CRITICAL


class AnnouncementReceipt(models.Model):
    """Read tracking: when a user first saw, dismissed or acknowledged an announcement."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE,
                                     related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"],
                                    name="tenants_announcementreceipt_one")
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id}/{self.user_id}"


class JobRun(models.Model):
    """Outcome of one Celery task run (recorded by signals; for the jobs page)."""

    task = models.CharField(max_length=200, db_index=True)
    task_id = models.CharField(max_length=64, blank=True)
    succeeded = models.BooleanField()
    error = models.TextField(blank=True)
    runtime_ms = models.PositiveIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-finished_at", "-id"]

    def __str__(self) -> str:
        return self.task
