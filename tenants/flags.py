"""Feature flags per shop, on top of django-waffle.

Whether flag F is on for tenant T, first rule that applies wins:

1. kill switch (FlagRollout.killed): off for everybody;
2. a per-tenant override (FlagOverride): on or off for that shop;
3. the waffle flag's `everyone`: True = on for all, False = off for all;
4. percentage of tenants: on when bucket(F, T) < percent. The bucket is a hash
   of the flag name and the tenant id, so a shop stays in or out of a rollout
   across requests, processes and restarts, and raising the percentage only adds shops.

Every change is written to FlagChange (actor, before, after).
"""

import hashlib
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _
from waffle import get_waffle_flag_model

from .errors import BusinessRuleError
from .models import FlagChange, FlagOverride, FlagRollout, Tenant, User


def tenant_bucket(name: str, tenant_id: Any) -> int:
    """0..99, fixed for a (flag, tenant) pair."""
    digest = hashlib.sha256(f"{name}:{tenant_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def flag_is_active_for_tenant(name: str, tenant: Tenant | None) -> bool:
    """One query (pages check flags on every request)."""
    if tenant is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT killed FROM tenants_flagrollout WHERE name = %(n)s),
                   (SELECT percent_of_tenants FROM tenants_flagrollout WHERE name = %(n)s),
                   (SELECT enabled FROM tenants_flagoverride
                     WHERE name = %(n)s AND tenant_id = %(t)s),
                   (SELECT everyone FROM waffle_flag WHERE name = %(n)s)
            """,
            {"n": name, "t": tenant.pk},
        )
        killed, percent, override, everyone = cursor.fetchone()
    if killed:
        return False
    if override is not None:
        return bool(override)
    if everyone is not None:
        return bool(everyone)
    return tenant_bucket(name, tenant.pk) < (percent or 0)


def _state(name: str) -> dict[str, Any]:
    flag = get_waffle_flag_model().objects.filter(name=name).first()
    rollout = FlagRollout.objects.filter(name=name).first()
    return {
        "everyone": None if flag is None else flag.everyone,
        "percent_of_tenants": rollout.percent_of_tenants if rollout else 0,
        "killed": rollout.killed if rollout else False,
        "note": rollout.note if rollout else "",
    }


def _check_admin(actor: User) -> None:
    if not actor.is_platform_admin:
        raise BusinessRuleError(_("Only platform admins can change feature flags."))


@transaction.atomic
def flag_update(
    *, actor: User, name: str, everyone: bool | None, percent_of_tenants: int,
    killed: bool = False, note: str = "",
) -> FlagRollout:
    """Create or change a flag's global state, rollout percentage and kill switch."""
    _check_admin(actor)
    name = name.strip()
    if not name or len(name) > 100:
        raise BusinessRuleError(_("Give the flag a name of at most 100 characters."), field="name")
    if not 0 <= percent_of_tenants <= 100:
        raise BusinessRuleError(_("The percentage must be between 0 and 100."),
                                field="percent_of_tenants")
    before = _state(name)
    flag_model = get_waffle_flag_model()
    flag, _created = flag_model.objects.get_or_create(name=name, defaults={"everyone": everyone})
    if flag.everyone != everyone:
        flag.everyone = everyone
        flag.save()  # waffle clears its cache on save
    rollout, _created = FlagRollout.objects.get_or_create(name=name)
    rollout.percent_of_tenants, rollout.killed, rollout.note = percent_of_tenants, killed, note
    rollout.save()
    FlagChange.objects.create(name=name, actor=actor, before=before, after=_state(name))
    return rollout


@transaction.atomic
def flag_kill(*, actor: User, name: str, killed: bool = True) -> FlagRollout:
    """The kill switch: turn a flag off for every shop at once (or lift it)."""
    _check_admin(actor)
    before = _state(name)
    rollout, _created = FlagRollout.objects.get_or_create(name=name)
    rollout.killed = killed
    rollout.save(update_fields=["killed", "updated_at"])
    FlagChange.objects.create(name=name, actor=actor, before=before, after=_state(name))
    return rollout


@transaction.atomic
def flag_override_set(*, actor: User, name: str, tenant: Tenant, enabled: bool | None
                      ) -> FlagOverride | None:
    """Force a flag on or off for one shop; None removes the override."""
    _check_admin(actor)
    existing = FlagOverride.objects.filter(name=name, tenant=tenant).first()
    before = {"override": None if existing is None else existing.enabled}
    result = None
    if enabled is None:
        if existing is not None:
            existing.delete()
    else:
        result, _created = FlagOverride.objects.update_or_create(
            name=name, tenant=tenant, defaults={"enabled": enabled}
        )
    FlagChange.objects.create(name=name, actor=actor, tenant=tenant, before=before,
                              after={"override": enabled})
    return result
