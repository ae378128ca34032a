"""Test data, created through services where the service has rules.

`shop(...)` builds one complete tenant; fixtures in tests/conftest.py make two
of them (A and B) so that every test can check isolation. Later modules add
their rows to `shop_world()` so the RLS isolation test sees every tenant table
populated for both shops.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count
from typing import Any

from tenants import services
from tenants.context import tenant_context
from tenants.models import Branch, Plan, Tenant, Terminal, User

_seq = count(1)


def plan_make(**overrides: Any) -> Plan:
    n = next(_seq)
    values = {
        "name": f"Plan {n}",
        "price": Decimal("49.00"),
        "max_users": 10,
        "max_branches": 3,
        "max_items": 1000,
        "max_terminals": 4,
    }
    values.update(overrides)
    return Plan.objects.create(**values)


@dataclass
class Shop:
    tenant: Tenant
    owner: User
    main: Branch
    branch: Branch
    terminal: Terminal
    manager: User
    cashier: User
    extra: dict[str, Any] = field(default_factory=dict)


def shop(name: str = "", *, plan: Plan | None = None, password: str = "pw-for-tests-1") -> Shop:
    """A tenant with two branches, a terminal, an owner, a manager and a cashier."""
    n = next(_seq)
    name = name or f"Shop {n}"
    tenant = services.tenant_create(
        name=name,
        slug=f"shop-{n}",
        plan=plan or plan_make(),
        owner_email=f"owner{n}@example.com",
        owner_name=f"Owner {n}",
    )
    owner = User.objects.get(tenant=tenant, role=User.Role.OWNER)
    owner.set_password(password)
    owner.save(update_fields=["password"])
    with tenant_context(tenant):
        main = Branch.objects.get(code="MAIN")
        branch = services.branch_create(tenant=tenant, actor=owner, name="Bazaar", code="BZR")
        terminal = services.terminal_create(tenant=tenant, actor=owner, branch=main, name="T1")
        manager = services.staff_invite(
            tenant=tenant, actor=owner, email=f"manager{n}@example.com",
            role=User.Role.MANAGER, full_name=f"Manager {n}", branch=main,
        )
        cashier = services.staff_invite(
            tenant=tenant, actor=owner, email=f"cashier{n}@example.com",
            role=User.Role.CASHIER, full_name=f"Cashier {n}", branch=branch,
        )
    for user in (manager, cashier):
        user.set_password(password)
        user.save(update_fields=["password"])
    result = Shop(tenant, owner, main, branch, terminal, manager, cashier)
    shop_world(result)
    return result


def shop_world(s: Shop) -> None:
    """One row in every tenant table for this shop. Modules extend this as they add tables."""


def platform_admin(email: str = "", password: str = "pw-for-tests-1") -> User:
    n = next(_seq)
    return User.objects.create_superuser(email=email or f"admin{n}@zargar.test", password=password)
