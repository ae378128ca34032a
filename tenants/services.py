"""Every write of the tenancy core. Services are named <entity>_<verb>.

They validate first, raise a BusinessRuleError with a translated message when
a rule is broken, and leave side effects (email) to after the commit.
"""

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .context import tenant_context
from .errors import BusinessRuleError
from .hooks import tenant_created_run
from .limits import limit_check
from .models import Branch, Plan, Subscription, Tenant, Terminal, User
from .preferences import language_is_supported, theme_is_supported
from .search import digits_ascii

SHOP_ROLES = (User.Role.OWNER, User.Role.MANAGER, User.Role.SALESPERSON, User.Role.CASHIER)
STAFF_MANAGERS = (User.Role.OWNER, User.Role.MANAGER)


# --- preferences -------------------------------------------------------------


def user_set_preferences(*, user: User, language: str = "", theme: str = "") -> User:
    """Save a user's language and/or theme. Unknown values are refused."""
    fields = []
    if language:
        if not language_is_supported(language):
            raise ValidationError(_("This language is not available."))
        user.language = language
        fields.append("language")
    if theme:
        if not theme_is_supported(theme):
            raise ValidationError(_("This theme is not available."))
        user.theme = theme
        fields.append("theme")
    if fields:
        user.save(update_fields=fields)
    return user


# --- register PIN ----------------------------------------------------------------


POS_PIN_LENGTHS = range(4, 9)
PIN_ROLES = (User.Role.OWNER, User.Role.MANAGER)  # who approves at the register (pos.approvals)


def pin_typed(pin: str | None) -> str:
    """A PIN as typed on any keyboard, as stored and compared: Persian and Arabic-Indic
    digits made ASCII, surrounding spaces dropped."""
    return digits_ascii(pin or "").strip()


def user_pin_set(*, user: User, pin: str) -> User:
    """Set (or with "" clear) the register PIN an owner or manager approves with.

    Rules: only owners and managers have one; 4 to 8 digits, typed in ASCII, Persian or
    Arabic-Indic digits (kept as ASCII); stored hashed (the audit trail only says that it
    changed, tenants.audit)."""
    pin = pin_typed(pin)
    if user.role not in PIN_ROLES:
        raise BusinessRuleError(_("Only owners and managers approve at the register."))
    if pin and not (pin.isascii() and pin.isdigit() and len(pin) in POS_PIN_LENGTHS):
        raise BusinessRuleError(_("A PIN is 4 to 8 digits."), field="pin")
    user.pos_pin = make_password(pin) if pin else ""
    user.save(update_fields=["pos_pin"])
    return user


@transaction.atomic
def staff_pin_clear(*, tenant: Tenant, actor: User, user: User) -> User:
    """An owner removes a staff member's register PIN (a forgotten or shared PIN); they
    set a new one on their Security page.

    Rules: the shop's owners only; the person is on the shop's staff."""
    if actor.tenant_id != tenant.pk or actor.role != User.Role.OWNER:
        raise BusinessRuleError(_("Only the shop's owner can change this."))
    if user.tenant_id != tenant.pk:
        raise BusinessRuleError(_("This person is not on your staff."))
    if not user.pos_pin:
        return user
    user.pos_pin = ""
    user.save(update_fields=["pos_pin"])
    return user


# --- tenants -------------------------------------------------------------------


@transaction.atomic
def tenant_create(
    *,
    name: str,
    slug: str,
    plan: Plan,
    owner_email: str,
    owner_name: str = "",
    currency: str = "USD",
    language: str = "en",
    actor: User | None = None,
) -> Tenant:
    """Create a shop with its subscription, a main branch and its owner, and invite the owner.

    Rules: slug and owner email are unique; the plan is not archived.
    """
    if plan.is_archived:
        raise BusinessRuleError(_("This plan is archived and cannot take new shops."), field="plan")
    if Tenant.objects.filter(slug=slug).exists():
        raise BusinessRuleError(_("This address is already taken."), field="slug")
    email = owner_email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise BusinessRuleError(_("A user with this email already exists."), field="owner_email")
    tenant = Tenant.objects.create(name=name, slug=slug, plan=plan, currency=currency)
    with tenant_context(tenant):
        Subscription.objects.create()
        with translation.override(language):  # named in the shop's own language
            main = Branch.objects.create(name=_("Main branch"), code="MAIN")
        owner = User.objects.create_user(
            email=email,
            full_name=owner_name,
            tenant=tenant,
            role=User.Role.OWNER,
            branch=main,
            language=language,
        )
        owner.set_unusable_password()
        owner.save(update_fields=["password"])
        tenant_created_run(tenant=tenant, owner=owner)  # e.g. the shop's ledger (accounting)
    transaction.on_commit(lambda: user_invitation_send(user=owner, inviter=actor))
    return tenant


@transaction.atomic
def tenant_set_mfa_requirement(*, tenant: Tenant, actor: User, required: bool) -> Tenant:
    """Owners decide whether every user of their shop must use two-factor sign-in."""
    if actor.tenant_id != tenant.pk or actor.role != User.Role.OWNER:
        raise BusinessRuleError(_("Only the shop's owner can change this."))
    tenant.require_mfa = required
    tenant.save(update_fields=["require_mfa", "updated_at"])
    return tenant


# --- branches and terminals ----------------------------------------------------


def _branch_code_free(code: str, *, branch: Branch | None = None) -> str:
    """The normalized code, if no other branch of the shop uses it."""
    code = code.strip().upper()
    others = Branch.objects.filter(code=code)
    if branch is not None:
        others = others.exclude(pk=branch.pk)
    if others.exists():
        raise BusinessRuleError(_("Another branch already uses this code."), field="code")
    return code


@transaction.atomic
def branch_create(
    *,
    tenant: Tenant,
    actor: User | None,
    name: str,
    code: str,
    address: str = "",
    phone: str = "",
    opening_hours: str = "",
) -> Branch:
    """Add a branch within the plan's branch limit; codes are unique in the shop."""
    with tenant_context(tenant):
        limit_check(tenant, "branches", in_use=Branch.objects.filter(is_active=True).count())
        code = _branch_code_free(code)
        return Branch.objects.create(
            name=name, code=code, address=address, phone=phone, opening_hours=opening_hours
        )


@transaction.atomic
def branch_update(
    *,
    tenant: Tenant,
    actor: User | None,
    branch: Branch,
    name: str,
    code: str,
    address: str = "",
    phone: str = "",
    opening_hours: str = "",
) -> Branch:
    """Change a branch's details; codes stay unique in the shop."""
    with tenant_context(tenant):
        code = _branch_code_free(code, branch=branch)
        branch.name, branch.code, branch.address = name, code, address
        branch.phone, branch.opening_hours = phone, opening_hours
        branch.save(update_fields=["name", "code", "address", "phone", "opening_hours"])
        return branch


@transaction.atomic
def terminal_create(*, tenant: Tenant, actor: User | None, branch: Branch, name: str) -> Terminal:
    """Register a POS terminal in a branch within the plan's terminal limit."""
    with tenant_context(tenant):
        limit_check(tenant, "terminals", in_use=Terminal.objects.filter(is_active=True).count())
        if Terminal.objects.filter(branch=branch, name=name).exists():
            raise BusinessRuleError(_("This branch already has a terminal with this name."))
        return Terminal.objects.create(branch=branch, name=name)


# --- staff ---------------------------------------------------------------------


def _check_staff_manager(actor: User, tenant: Tenant) -> None:
    if actor.tenant_id != tenant.pk or actor.role not in STAFF_MANAGERS:
        raise BusinessRuleError(_("Only owners and managers can manage staff."))


def _check_role_assignable(actor: User, role: str) -> None:
    if role not in SHOP_ROLES:
        raise BusinessRuleError(_("Choose a valid role."), field="role")
    if actor.role == User.Role.MANAGER and role in STAFF_MANAGERS:
        raise BusinessRuleError(
            _("Managers can add and edit salespeople and cashiers only."), field="role"
        )


def _check_branch_managed(actor: User, branch: Branch | None) -> None:
    from .access import user_manages_branch

    if not user_manages_branch(actor, branch):
        raise BusinessRuleError(
            _("You can manage staff of your own branches only."), field="branch"
        )


def branch_managers_sync(*, user: User) -> None:
    """A manager runs their branch: grant guardian's per-object permission on it and
    revoke it elsewhere; anyone else holds none."""
    from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

    from .access import MANAGE_BRANCH

    held = get_objects_for_user(
        user, MANAGE_BRANCH, klass=Branch, with_superuser=False, accept_global_perms=False
    )
    for branch in held:
        if user.role != User.Role.MANAGER or branch.pk != user.branch_id:
            remove_perm(MANAGE_BRANCH, user, branch)
    if user.role == User.Role.MANAGER and user.branch_id and user.is_active:
        assign_perm(MANAGE_BRANCH, user, user.branch)


def _active_staff_count(tenant: Tenant) -> int:
    return User.objects.filter(tenant=tenant, is_active=True).count()


@transaction.atomic
def staff_invite(
    *,
    tenant: Tenant,
    actor: User,
    email: str,
    role: str,
    full_name: str = "",
    phone: str = "",
    branch: Branch | None = None,
) -> User:
    """Add a staff member and email them a link to set their password.

    Rules: owner or manager only (managers add salespeople and cashiers); the
    plan's user limit; an email is one account on the whole platform.
    """
    _check_staff_manager(actor, tenant)
    _check_role_assignable(actor, role)
    _check_branch_managed(actor, branch)
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise BusinessRuleError(_("A user with this email already exists."), field="email")
    # Serialize invitations of one shop so two at once cannot pass the limit together.
    Tenant.objects.select_for_update().get(pk=tenant.pk)
    limit_check(tenant, "users", in_use=_active_staff_count(tenant))
    try:
        user = User.objects.create_user(
            email=email,
            full_name=full_name,
            phone=phone,
            tenant=tenant,
            role=role,
            branch=branch,
            language=translation.get_language() or "en",
        )
    except IntegrityError as exc:  # a concurrent invitation of the same email
        raise BusinessRuleError(_("A user with this email already exists."), field="email") from exc
    user.set_unusable_password()
    user.save(update_fields=["password"])
    branch_managers_sync(user=user)
    transaction.on_commit(lambda: user_invitation_send(user=user, inviter=actor))
    return user


@transaction.atomic
def staff_update(
    *,
    tenant: Tenant,
    actor: User,
    user: User,
    full_name: str,
    phone: str,
    role: str,
    branch: Branch | None,
) -> User:
    """Change a staff member's details, role or branch.

    Rules: managers edit salespeople and cashiers only; the shop keeps at least
    one active owner.
    """
    _check_staff_manager(actor, tenant)
    if user.tenant_id != tenant.pk:
        raise BusinessRuleError(_("This person is not on your staff."))
    if actor.role == User.Role.MANAGER and user.role in STAFF_MANAGERS and user != actor:
        raise BusinessRuleError(_("Managers can add and edit salespeople and cashiers only."))
    if user != actor:
        _check_branch_managed(actor, user.branch)
        _check_branch_managed(actor, branch)
    elif actor.role == User.Role.MANAGER and (role != user.role or branch != user.branch):
        raise BusinessRuleError(_("Ask an owner to change your own role or branch."))
    if role != user.role:
        _check_role_assignable(actor, role)
        if user.role == User.Role.OWNER:
            _check_not_last_owner(tenant, user)
    user.full_name, user.phone, user.role, user.branch = full_name, phone, role, branch
    user.save(update_fields=["full_name", "phone", "role", "branch"])
    branch_managers_sync(user=user)
    return user


def _check_not_last_owner(tenant: Tenant, user: User) -> None:
    others = User.objects.filter(tenant=tenant, role=User.Role.OWNER, is_active=True).exclude(
        pk=user.pk
    )
    if not others.exists():
        raise BusinessRuleError(_("A shop needs at least one active owner."))


@transaction.atomic
def staff_set_active(*, tenant: Tenant, actor: User, user: User, active: bool) -> User:
    """Deactivate (they can no longer sign in; history stays) or reactivate a staff member."""
    _check_staff_manager(actor, tenant)
    if user.tenant_id != tenant.pk:
        raise BusinessRuleError(_("This person is not on your staff."))
    if user.pk == actor.pk:
        raise BusinessRuleError(_("You cannot deactivate yourself."))
    if actor.role == User.Role.MANAGER and user.role in STAFF_MANAGERS:
        raise BusinessRuleError(_("Managers can add and edit salespeople and cashiers only."))
    _check_branch_managed(actor, user.branch)
    if user.is_active == active:
        return user
    if active:
        Tenant.objects.select_for_update().get(pk=tenant.pk)
        limit_check(tenant, "users", in_use=_active_staff_count(tenant))
    elif user.role == User.Role.OWNER:
        _check_not_last_owner(tenant, user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    branch_managers_sync(user=user)
    return user


def user_invitation_send(*, user: User, inviter: User | None) -> None:
    """Email a link where the invited person sets their password (allauth's reset flow)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    base = settings.SITE_URL.rstrip("/")
    context = {"user": user, "inviter": inviter, "tenant": user.tenant, "url": f"{base}{path}"}
    with translation.override(user.language):
        subject = _("You are invited to %(shop)s on Zargar") % {
            "shop": user.tenant.name if user.tenant else "Zargar"
        }
        body = render_to_string("tenants/email/invitation.txt", context)
    send_mail(subject, body, None, [user.email])
