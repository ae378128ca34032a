"""The tenant panel's staff and shop settings pages (owners and managers)."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..access import OWNERS, STAFF_MANAGERS, tenant_view
from ..errors import BusinessRuleError
from ..forms import BranchForm, SecurityForm, StaffForm
from ..models import User


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _form_error(form, exc: BusinessRuleError) -> None:  # noqa: ANN001
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


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
    template = "tenants/staff_list.html"
    if request.htmx and request.htmx.target == "staff-results":
        template += "#results"
    return render(request, template, context)


@tenant_view(roles=STAFF_MANAGERS)
def staff_invite(request: HttpRequest) -> HttpResponse:
    form = StaffForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_invite(tenant=request.tenant, actor=request.user, **form.cleaned_data)
        except BusinessRuleError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": user.email})
            return redirect("staff-list")
    status = 422 if request.method == "POST" else 200
    return render(request, "tenants/staff_form.html", {"form": form, "creating": True}, status=status)


@tenant_view(roles=STAFF_MANAGERS)
def staff_edit(request: HttpRequest, user_id: str) -> HttpResponse:
    member = selectors.staff_get(tenant=request.tenant, user_id=user_id)
    initial = {"full_name": member.full_name, "phone": member.phone, "role": member.role,
               "branch": member.branch}
    form = StaffForm(request.POST or None, actor=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_update(tenant=request.tenant, actor=request.user, user=member,
                                  **form.cleaned_data)
        except BusinessRuleError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("staff-list")
    status = 422 if request.method == "POST" else 200
    return render(request, "tenants/staff_form.html",
                  {"form": form, "member": member, "creating": False}, status=status)


@require_POST
@tenant_view(roles=STAFF_MANAGERS)
def staff_set_active(request: HttpRequest, user_id: str) -> HttpResponse:
    member = selectors.staff_get(tenant=request.tenant, user_id=user_id)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(tenant=request.tenant, actor=request.user, user=member,
                                  active=active)
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
    form = BranchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.branch_create(tenant=request.tenant, actor=request.user, **form.cleaned_data)
        except BusinessRuleError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Branch added."))
            return redirect("branch-list")
    status = 422 if request.method == "POST" else 200
    return render(request, "tenants/branch_form.html", {"form": form}, status=status)


@tenant_view(roles=OWNERS)
def branch_edit(request: HttpRequest, branch_id: str) -> HttpResponse:
    branch = selectors.branch_get(branch_id=branch_id)
    initial = {f: getattr(branch, f) for f in ("name", "code", "address", "phone", "opening_hours")}
    form = BranchForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.branch_update(tenant=request.tenant, actor=request.user, branch=branch,
                                   **form.cleaned_data)
        except BusinessRuleError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("branch-list")
    status = 422 if request.method == "POST" else 200
    return render(request, "tenants/branch_form.html", {"form": form, "branch": branch},
                  status=status)


@tenant_view(roles=OWNERS)
def security_settings(request: HttpRequest) -> HttpResponse:
    form = SecurityForm(request.POST or None, initial={"require_mfa": request.tenant.require_mfa})
    if request.method == "POST" and form.is_valid():
        services.tenant_set_mfa_requirement(
            tenant=request.tenant, actor=request.user, required=form.cleaned_data["require_mfa"]
        )
        messages.success(request, _("Changes saved."))
        return redirect("security-settings")
    return render(request, "tenants/security_settings.html", {"form": form})
