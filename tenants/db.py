"""The row-level-security building blocks every tenant-owned table is made of.

- TenantScopedModel: UUID primary key, `tenant_id` filled by the database from
  the transaction's `app.tenant_id`, UNIQUE (tenant_id, id) so children can point
  at it with a composite key, and a manager that refuses to run without a tenant.
- TenantForeignKey: a relation between two tenant tables enforced by
  FOREIGN KEY (tenant_id, x_id) REFERENCES parent (tenant_id, id) — a plain FK
  is checked without RLS and would let a tenant point at another tenant's row.
- EnableRLS: the migration operation that turns RLS on, FORCEs it, and creates
  the policies (ARCHITECTURE.md section 2).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.migrations.operations.base import Operation
from django.db.models import Func
from uuid_utils.compat import uuid7

from .context import require_tenant

APP_ROLE = "zargar_app"
PLATFORM_READER_ROLE = "zargar_platform_reader"
POLICY = "tenant_isolation"
PLATFORM_POLICY = "platform_read"
# Evaluated once per statement thanks to the (SELECT ...) wrapper.
CURRENT_TENANT_SQL = "nullif(current_setting('app.tenant_id', true), '')::uuid"


def new_id() -> uuid.UUID:
    """A new row's primary key: a UUIDv7, whose first 48 bits are the time in ms.

    Rows made together sit together in the primary-key index, so an INSERT touches the
    index's last pages instead of a random leaf each (uuid4): after each checkpoint a
    random leaf is written to the WAL whole: the POS bench's WAL per sale fell from about
    129 KB to 41 KB (docs/performance.md). The clock's ms reveal when a row
    was made, which the row's own created_at says anyway.
    """
    return uuid7()


class CurrentTenantId(Func):
    """Database default of tenant_id: the tenant of the current transaction."""

    template = CURRENT_TENANT_SQL
    output_field = models.UUIDField()

    def deconstruct(self) -> tuple[str, tuple, dict]:
        return ("tenants.db.CurrentTenantId", (), {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CurrentTenantId)

    def __hash__(self) -> int:
        return hash(CURRENT_TENANT_SQL)


def rls_enable_sql(table: str) -> list[str]:
    """Statements that put `table` under tenant isolation (also used by benchmarks)."""
    q = f'"{table}"'
    scope = f"(SELECT {CURRENT_TENANT_SQL})"
    return [
        f"ALTER TABLE {q} ALTER COLUMN tenant_id SET DEFAULT {CURRENT_TENANT_SQL}",
        f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {q} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {q}",
        # Every role without BYPASSRLS, the owner included (FORCE), sees one tenant.
        f"CREATE POLICY {POLICY} ON {q} USING (tenant_id = {scope}) "
        f"WITH CHECK (tenant_id = {scope})",
        f"DROP POLICY IF EXISTS {PLATFORM_POLICY} ON {q}",
        # The platform panel's cross-tenant reads; that role has SELECT grants only.
        f"CREATE POLICY {PLATFORM_POLICY} ON {q} FOR SELECT TO {PLATFORM_READER_ROLE} "
        f"USING (true)",
    ]


def rls_disable_sql(table: str) -> list[str]:
    q = f'"{table}"'
    return [
        f"DROP POLICY IF EXISTS {PLATFORM_POLICY} ON {q}",
        f"DROP POLICY IF EXISTS {POLICY} ON {q}",
        f"ALTER TABLE {q} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {q} DISABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {q} ALTER COLUMN tenant_id DROP DEFAULT",
    ]


class EnableRLS(Operation):
    """Migration operation: `EnableRLS("item")` after the model's CreateModel."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def deconstruct(self) -> tuple[str, list, dict]:
        return (self.__class__.__name__, [], {"model_name": self.model_name})

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def _table(self, app_label: str, state: Any) -> str:
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for sql in rls_enable_sql(self._table(app_label, to_state)):
            schema_editor.execute(sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        for sql in rls_disable_sql(self._table(app_label, from_state)):
            schema_editor.execute(sql)

    def describe(self) -> str:
        return f"Enable row-level security on {self.model_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"rls_{self.model_name.lower()}"


def _declare(meta: Any) -> None:
    """Make constraints/indexes added by a field visible to migrations.

    The autodetector reads a model's options from what its Meta declared
    (Options.original_attrs), not from what fields added afterwards.
    """
    meta.original_attrs["constraints"] = meta.constraints
    meta.original_attrs["indexes"] = meta.indexes


class TenantForeignKeyConstraint(models.BaseConstraint):
    """FOREIGN KEY (tenant_id, <field>_id) REFERENCES <parent> (tenant_id, id)."""

    def __init__(self, *, field: str, name: str, on_delete: str = "NO ACTION") -> None:
        super().__init__(name=name)
        self.field = field
        self.on_delete = on_delete

    def _parts(self, model: type[models.Model], schema_editor: Any) -> tuple[str, str, str]:
        field = model._meta.get_field(self.field)
        quote = schema_editor.quote_name
        return (
            quote(field.column),
            quote(field.related_model._meta.db_table),
            quote(self.name),
        )

    def constraint_sql(self, model, schema_editor) -> str:
        column, parent, name = self._parts(model, schema_editor)
        return (
            f"CONSTRAINT {name} FOREIGN KEY (tenant_id, {column}) "
            f"REFERENCES {parent} (tenant_id, id) ON DELETE {self.on_delete} "
            f"DEFERRABLE INITIALLY DEFERRED"
        )

    def create_sql(self, model, schema_editor) -> str:
        table = schema_editor.quote_name(model._meta.db_table)
        return f"ALTER TABLE {table} ADD {self.constraint_sql(model, schema_editor)}"

    def remove_sql(self, model, schema_editor) -> str:
        table = schema_editor.quote_name(model._meta.db_table)
        return f"ALTER TABLE {table} DROP CONSTRAINT {schema_editor.quote_name(self.name)}"

    def validate(self, *args: Any, **kwargs: Any) -> None:
        # The database checks it; model validation has nothing to add.
        return None

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TenantForeignKeyConstraint)
            and (self.name, self.field, self.on_delete) == (other.name, other.field, other.on_delete)
        )

    def deconstruct(self) -> tuple[str, tuple, dict]:
        kwargs = {"field": self.field, "name": self.name}
        if self.on_delete != "NO ACTION":
            kwargs["on_delete"] = self.on_delete
        return ("tenants.db.TenantForeignKeyConstraint", (), kwargs)


class TenantForeignKey(models.ForeignKey):
    """A ForeignKey between tenant tables, enforced with the tenant in the key.

    The single-column constraint is replaced by TenantForeignKeyConstraint and the
    index leads with tenant_id; both are added to the model's Meta automatically.
    """

    def __init__(self, to: Any, on_delete: Any, **kwargs: Any) -> None:
        kwargs["db_constraint"] = False
        kwargs["db_index"] = False
        super().__init__(to, on_delete, **kwargs)

    def deconstruct(self) -> tuple[str, str, list, dict]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("db_constraint", None)
        kwargs.pop("db_index", None)
        return name, "tenants.db.TenantForeignKey", args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, **kwargs)
        meta = cls._meta
        if meta.abstract or cls.__module__ == "__fake__":
            # Historical models (migrations) already carry what the migration declared.
            return
        constraint_name = f"{meta.db_table}_{name}_tenant_fk"[:63]
        index_name = f"{meta.model_name[:12]}_{name[:12]}_t_idx"[:30]
        if not any(c.name == constraint_name for c in meta.constraints):
            meta.constraints = [
                *meta.constraints,
                TenantForeignKeyConstraint(field=name, name=constraint_name),
            ]
        if not any(i.name == index_name for i in meta.indexes):
            meta.indexes = [*meta.indexes, models.Index(fields=["tenant", name], name=index_name)]
        _declare(meta)


def _scoped(method_name: str) -> Any:
    def method(self: models.QuerySet, *args: Any, **kwargs: Any) -> Any:
        require_tenant()
        return getattr(super(TenantScopedQuerySet, self), method_name)(*args, **kwargs)

    method.__name__ = method_name
    return method


class TenantScopedQuerySet(models.QuerySet):
    """Refuses to touch the database without a tenant scope: a loud error beats zero rows.

    Building a queryset is free (forms declare them at import time); every path
    that runs SQL goes through one of the methods below.
    """

    _fetch_all = _scoped("_fetch_all")
    _iterator = _scoped("_iterator")
    count = _scoped("count")
    exists = _scoped("exists")
    contains = _scoped("contains")
    aggregate = _scoped("aggregate")
    update = _scoped("update")
    delete = _scoped("delete")
    bulk_create = _scoped("bulk_create")
    bulk_update = _scoped("bulk_update")
    explain = _scoped("explain")


class TenantScopedManager(models.Manager.from_queryset(TenantScopedQuerySet)):
    pass


class TenantOwnerField(models.ForeignKey):
    """`tenant_id`: filled by the database from the transaction's tenant.

    Also gives its model UNIQUE (tenant_id, id), the target of composite keys,
    whatever the model's own Meta.constraints say.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(
            to="tenants.Tenant",
            on_delete=models.DO_NOTHING,
            db_default=CurrentTenantId(),
            db_index=False,
            editable=False,
            related_name="+",
        )
        super().__init__(**kwargs)

    def deconstruct(self) -> tuple[str, str, list, dict]:
        name, _, args, kwargs = super().deconstruct()
        for key in ("to", "on_delete", "db_default", "db_index", "editable", "related_name"):
            kwargs.pop(key, None)
        return name, "tenants.db.TenantOwnerField", args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, **kwargs)
        meta = cls._meta
        if meta.abstract or cls.__module__ == "__fake__":
            # Historical models (migrations) already carry what the migration declared.
            return
        constraint_name = f"{meta.db_table}_tenant_id_key"[:63]
        if not any(c.name == constraint_name for c in meta.constraints):
            meta.constraints = [
                models.UniqueConstraint(fields=[name, "id"], name=constraint_name),
                *meta.constraints,
            ]
        _declare(meta)


class TenantScopedModel(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    tenant = TenantOwnerField()

    objects = TenantScopedManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        require_tenant()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        require_tenant()
        return super().delete(*args, **kwargs)
