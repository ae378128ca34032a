"""The tenant panel's staff and shop settings pages (owners and managers)."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..access import OWNERS, STAFF_MANAGERS, tenant_view
from ..errors import BusinessRuleError
from ..forms import BranchForm, PinForm, PinRemoveForm, SecurityForm, StaffForm
from ..formviews import form_error_add, form_page
from ..fragments import page_or_partial
from ..models import User


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@tenant_view(roles=STAFF_MANAGERS)
def staff_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "search": request.GET.get("q", "").strip(),
        "role": request.GET.get("role", ""),
        "branch_id": request.GET.get("branch", ""),
        "status": request.GET.get("status", ""),
    }
    if filters["role"] not in dict(User.Role.choices):
        filters["role"] = ""
    if not _is_uuid(filters["branch_id"]):
        filters["branch_id"] = ""
    users = selectors.staff_list(tenant=request.tenant, **filters)
    page = selectors.staff_page(users, request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "roles": [(v, lbl) for v, lbl in User.Role.choices if v != "platform_admin"],
        "branches": selectors.branch_list(),
        "usage": selectors.staff_usage(tenant=request.tenant),
    }
    template = page_or_partial(request, "tenants/staff_list.html", target="staff-results")
    return render(request, template, context)


@tenant_view(roles=STAFF_MANAGERS)
def staff_invite(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        form=StaffForm(request.POST or None, actor=request.user),
        template="tenants/staff_form.html",
        context={"creating": True},
        save=lambda data: services.staff_invite(tenant=request.tenant, actor=request.user, **data),
        success_message=lambda user: _("Invitation sent to %(email)s.") % {"email": user.email},
        success_url="staff-list",
    )


@tenant_view(roles=STAFF_MANAGERS)
def staff_edit(request: HttpRequest, user_id: str) -> HttpResponse:
    member = selectors.staff_get(tenant=request.tenant, user_id=user_id)
    initial = {
        "full_name": member.full_name,
        "phone": member.phone,
        "role": member.role,
        "branch": member.branch,
    }
    return form_page(
        request,
        form=StaffForm(request.POST or None, actor=request.user, editing=True, initial=initial),
        template="tenants/staff_form.html",
        context={"member": member, "creating": False},
        save=lambda data: services.staff_update(
            tenant=request.tenant, actor=request.user, user=member, **data
        ),
        success_message=_("Changes saved."),
        success_url="staff-list",
    )


@require_POST
@tenant_view(roles=STAFF_MANAGERS)
def staff_set_active(request: HttpRequest, user_id: str) -> HttpResponse:
    member = selectors.staff_get(tenant=request.tenant, user_id=user_id)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(
            tenant=request.tenant, actor=request.user, user=member, active=active
        )
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        if active:
            messages.success(request, _("%(name)s can sign in again.") % {"name": member})
        else:
            messages.success(request, _("%(name)s can no longer sign in.") % {"name": member})
    return redirect("staff-list")


@tenant_view(roles=STAFF_MANAGERS)
def branch_list(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/branch_list.html", {"branches": selectors.branch_list()})


@tenant_view(roles=OWNERS)
def branch_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        form=BranchForm(request.POST or None),
        template="tenants/branch_form.html",
        save=lambda data: services.branch_create(tenant=request.tenant, actor=request.user, **data),
        success_message=_("Branch added."),
        success_url="branch-list",
    )


@tenant_view(roles=OWNERS)
def branch_edit(request: HttpRequest, branch_id: str) -> HttpResponse:
    branch = selectors.branch_get(branch_id=branch_id)
    initial = {f: getattr(branch, f) for f in ("name", "code", "address", "phone", "opening_hours")}
    return form_page(
        request,
        form=BranchForm(request.POST or None, initial=initial),
        template="tenants/branch_form.html",
        context={"branch": branch},
        save=lambda data: services.branch_update(
            tenant=request.tenant, actor=request.user, branch=branch, **data
        ),
        success_message=_("Changes saved."),
        success_url="branch-list",
    )


def _security_page(
    request: HttpRequest,
    *,
    form: SecurityForm | None = None,
    pin_form: PinForm | None = None,
    pin_remove_form: PinRemoveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The Security page: the shop's sign-in rule (owners), one's own sign-in and one's
    register PIN (owners and managers)."""
    user = request.user
    if form is None and user.role == User.Role.OWNER:
        form = SecurityForm(initial={"require_mfa": request.tenant.require_mfa})
    context = {
        "form": form,
        "pin_form": pin_form or PinForm(user=user, prefix="pin"),
        "pin_remove_form": pin_remove_form or PinRemoveForm(user=user, prefix="unpin"),
        "has_pin": bool(user.pos_pin),
    }
    return render(request, "tenants/security_settings.html", context, status=status)


@tenant_view(roles=STAFF_MANAGERS)
def security_settings(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _security_page(request)
    if request.user.role != User.Role.OWNER:  # the shop's rule is the owner's
        raise PermissionDenied
    form = SecurityForm(request.POST, initial={"require_mfa": request.tenant.require_mfa})
    if form.is_valid():
        services.tenant_set_mfa_requirement(
            tenant=request.tenant, actor=request.user, required=form.cleaned_data["require_mfa"]
        )
        messages.success(request, _("Changes saved."))
        return redirect("security-settings")
    return _security_page(request, form=form, status=422)


@require_POST
@tenant_view(roles=STAFF_MANAGERS)
def security_pin(request: HttpRequest) -> HttpResponse:
    """Set, change or (action=remove) remove one's own register PIN."""
    user = request.user
    if request.POST.get("action") == "remove":
        remove_form = PinRemoveForm(request.POST, user=user, prefix="unpin")
        if remove_form.is_valid():
            services.user_pin_set(user=user, pin="")
            messages.success(request, _("Your register PIN is removed."))
            return redirect("security-settings")
        return _security_page(request, pin_remove_form=remove_form, status=422)
    form = PinForm(request.POST, user=user, prefix="pin")
    if form.is_valid():
        try:
            services.user_pin_set(user=user, pin=form.cleaned_data["pin"])
        except BusinessRuleError as exc:
            form_error_add(form, exc)
        else:
            messages.success(request, _("Your register PIN is saved."))
            return redirect("security-settings")
    return _security_page(request, pin_form=form, status=422)


@require_POST
@tenant_view(roles=OWNERS)
def staff_pin_clear(request: HttpRequest, user_id: str) -> HttpResponse:
    member = selectors.staff_get(tenant=request.tenant, user_id=user_id)
    try:
        services.staff_pin_clear(tenant=request.tenant, actor=request.user, user=member)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s's register PIN is removed: they can set a new one on their Security page.")
            % {"name": member},
        )
    return redirect("staff-list")
