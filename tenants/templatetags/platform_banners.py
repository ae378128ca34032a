"""Per-tenant feature flags in the shop's templates (tenants/flags.py)."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def tenant_flag(context: dict[str, Any], name: str) -> bool:
    """{% tenant_flag "new_dashboard" as on %}: the flag for the request's shop."""
    from tenants.flags import flag_is_active_for_tenant

    request = context.get("request")
    return flag_is_active_for_tenant(name, getattr(request, "tenant", None))
