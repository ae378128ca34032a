"""Reads whose SQL is built once per process: the counter's hot queries.

Django builds a queryset's SQL anew each time it runs: the filters are resolved and
the compiler walks the models, joins and columns. On the register's requests that
was about a third of their Python (docs/performance.md, "Compiled once"), spent
producing the same text again and again.

A `Prepared` read is declared once, at import time, with a function that builds the
queryset from its arguments and the type of each argument::

    SHIFT_OPEN = Prepared(
        lambda shift_id: Shift.objects.filter(pk=shift_id, closed_at__isnull=True)
        .select_related("terminal", "branch")[:1],
        uuid.UUID)

    shift = SHIFT_OPEN.first(shift_id)

On first use the function is called with stand-in arguments (fresh random values of
the declared types) and the queryset compiled. Each SQL parameter that is one of the
stand-ins is later replaced by the caller's argument; every other parameter is a
constant of the query. Later calls run that SQL and make the rows into model instances
the way Django's own iteration does (select_related and annotations included).

Safety:
- The SQL must not depend on the values: it is compiled twice with different
  stand-ins and must come out the same, and an argument that reaches the SQL changed
  (`__icontains` wraps it in %...%) is refused when the read is first used.
- With `settings.PREPARED_QUERIES_VERIFY` (on in the tests) every call also builds
  and compiles the queryset with the real arguments and fails loudly if its SQL or
  parameters differ from the prepared ones, so the whole suite checks each read.
- A tenant-owned model still needs a tenant scope (`require_tenant`), row-level
  security applies as for any statement of the connection, and `FOR UPDATE` still
  needs a transaction.

A list argument (`Many(uuid.UUID)`, for `__in`) gives one SQL per length of the list
(its values without repeats, as Django's `__in` takes them); an empty list runs the
queryset itself.

Only plain reads: model rows (`.first()`, `.all()`) or `values_list` tuples. No
prefetch_related, no None (it changes the SQL).

Server-side prepared statements (`reuse_plan=True`, `prepared_cursor()`, `rows_insert`):
PostgreSQL parses, rewrites (row-level security's policies included) and plans such a
statement once per connection; each later run sends only the arguments, and after five
runs the server may keep one generic plan for all arguments. Mark only reads whose
generic plan is as good as a custom one: `tests/perf/pos/plans.py` compares them on the
bench's data (a sale's stock levels, locked by a list of items, whose generic plan took
18.9 ms instead of 0.09 ms, stay unprepared). With `settings.PREPARED_STATEMENTS` off
(behind PgBouncer before 1.22, see docs/operations.md) these run as any other statement.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.models import QuerySet
from django.db.models.expressions import DatabaseDefault
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.sql import InsertQuery
from django.db.transaction import TransactionManagementError
from psycopg.pq import Format

from .context import require_tenant
from .db import TenantScopedQuerySet

_KINDS = (uuid.UUID, str, int, Decimal)
_LENGTHS_KEPT = 64  # SQL kept per read for this many lengths of its list arguments


# --- server-side prepared statements ----------------------------------------------------

# psycopg prepares a statement after `prepare_threshold` runs, or at once when asked;
# Django sets the threshold to None (never, for connection poolers). Our statements
# raise it for their own run only, so nothing else is ever prepared behind our back.
_ONLY_WHEN_ASKED = 2**31 - 1
_STATEMENTS_KEPT = 256  # prepared statements per connection (psycopg's default: 100)
_RESULT_TYPE_CHANGED = "cached plan must not change result type"


class _PreparingCursor(ServerBindingCursor):
    """A psycopg cursor that binds on the server and prepares what it runs (named
    statements, kept per connection by psycopg and reused by the same SQL)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        manager = self._conn._prepared
        threshold = manager.prepare_threshold
        manager.prepare_threshold = _ONLY_WHEN_ASKED
        manager.prepared_max = max(manager.prepared_max, _STATEMENTS_KEPT)
        try:
            return super().execute(query, params, prepare=True)
        except psycopg.errors.FeatureNotSupported as error:
            if _RESULT_TYPE_CHANGED not in str(error):
                raise
            # A table changed under the statement (a migration, another connection):
            # forget every statement of this connection. Outside a transaction the run
            # can be repeated unprepared; inside one the transaction is lost anyway.
            manager.clear()
            if not self._conn.autocommit:
                raise
            return super().execute(query, params, prepare=False)
        finally:
            manager.prepare_threshold = threshold

    def _send_query_prepared(self, name: bytes, pgq: Any, **kwargs: Any) -> None:
        # psycopg keeps the query run (Django's query log reads it) only when unprepared
        self._query = pgq
        super()._send_query_prepared(name, pgq, **kwargs)


def _statement_cursor(connection: Any) -> Any:
    """Django's cursor (its wrapper: query logging, error translation) around a
    _PreparingCursor, as `connection.cursor()` makes one around its own."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = _PreparingCursor(connection.connection)
        # as Django's create_cursor: the cursor's time zone when the connection's differs
        loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, cursor)
        return connection._prepare_cursor(cursor)


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> Iterator[Any]:
    """`connection.cursor()` whose statements are prepared on the server (see the
    module's docstring), for raw SQL run on every scan or sale; a plain cursor when
    settings.PREPARED_STATEMENTS is off. Only for SQL whose generic plan is good."""
    connection = connections[using]
    cursor = _statement_cursor(connection) if settings.PREPARED_STATEMENTS \
        else connection.cursor()
    with cursor:
        yield cursor


class Many:
    """A list argument of a prepared read (for `__in`): `Many(uuid.UUID)`."""

    def __init__(self, kind: type) -> None:
        if kind not in _KINDS:
            raise TypeError(f"Prepared arguments are {_KINDS}, not {kind!r}.")
        self.kind = kind


def _stand_in(kind: type) -> Any:
    if kind is uuid.UUID:
        return uuid.uuid4()
    if kind is str:
        return f"prepared-{uuid.uuid4().hex}"
    if kind is int:  # within a 32-bit column's range: Django refuses others in lookups
        return 10**8 + uuid.uuid4().int % (2 * 10**9)
    return Decimal(f"{10**12 + uuid.uuid4().int % 10**11}.{uuid.uuid4().int % 997:03d}")


def _comparable(param: Any) -> Any:
    """A parameter as it compares: psycopg's JSON wrappers (Jsonb) by their value."""
    wrapped = getattr(param, "obj", None)
    return (type(param), wrapped) if wrapped is not None else param


def _typed(value: Any, kind: type) -> Any:
    if value is None:
        raise TypeError("Prepared reads take no None (it changes the SQL).")
    if type(value) is kind:
        return value
    return kind(str(value)) if kind is uuid.UUID else kind(value)


def _flat(args: tuple[Any, ...]) -> list[Any]:
    """The arguments with each list's values in its place, in order."""
    flat: list[Any] = []
    for value in args:
        if isinstance(value, list):
            flat.extend(value)
        else:
            flat.append(value)
    return flat


def _converted(rows: Any, converters: dict[int, Any], connection: Any) -> Any:
    """SQLCompiler.apply_converters, with this thread's connection."""
    for row in map(list, rows):
        for position, (functions, expression) in converters.items():
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        yield row


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # per SQL parameter: the index of its value among the flattened arguments, or None
    slots: tuple[int | None, ...]
    constants: tuple[Any, ...]  # per SQL parameter: the constant (when its slot is None)
    compiler: Any
    db: str
    scoped: bool
    for_update: bool
    iterable: type
    converters: Any
    # Model rows: the model, its columns' slice and names, select_related's populators.
    model: Any = None
    span: tuple[int, int] = (0, 0)
    names: tuple[str, ...] = ()
    populators: tuple[Any, ...] = ()


class Prepared:
    """A read built once per process; see the module's docstring."""

    def __init__(self, build: Callable[..., QuerySet], *kinds: type | Many,
                 reuse_plan: bool = False) -> None:
        """`reuse_plan`: run as a server-side prepared statement (module docstring)."""
        for kind in kinds:
            if not isinstance(kind, Many) and kind not in _KINDS:
                raise TypeError(f"Prepared arguments are {_KINDS}, not {kind!r}.")
        self.build = build
        self.kinds = kinds
        self.reuse_plan = reuse_plan
        self._compiled: dict[tuple[int, ...], _Compiled] = {}
        self._lock = threading.Lock()

    # --- the one-time work ------------------------------------------------------------

    def _compile(self, args: tuple[Any, ...]) -> tuple[str, list[Any], QuerySet, Any]:
        queryset = self.build(*args)
        if queryset._prefetch_related_lookups:
            raise TypeError("Prepared reads do not prefetch.")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        return sql, list(params), queryset, compiler

    def _stand_ins(self, lengths: tuple[int, ...]) -> tuple[Any, ...]:
        counts = iter(lengths)
        return tuple([_stand_in(kind.kind) for _ in range(next(counts))]
                     if isinstance(kind, Many) else _stand_in(kind) for kind in self.kinds)

    def _prepare(self, lengths: tuple[int, ...]) -> _Compiled:
        args, other_args = self._stand_ins(lengths), self._stand_ins(lengths)
        sql, params, queryset, compiler = self._compile(args)
        other_sql, other_params, _qs, _compiler = self._compile(other_args)
        stand_ins = _flat(args)
        if other_sql != sql:
            raise TypeError(f"Prepared read whose SQL depends on its arguments: {sql}")
        slots: list[int | None] = []
        constants: list[Any] = []
        for param in params:
            # (an int may come back wrapped by the backend, e.g. psycopg's Int4)
            slot = next((i for i, s in enumerate(stand_ins)
                         if isinstance(param, type(s)) and not isinstance(param, bool)
                         and param == s), None)
            if slot is None and any(str(s) in str(param) for s in stand_ins):
                raise TypeError(f"Prepared read changes an argument on its way to SQL "
                                f"(a lookup such as __icontains): {param!r}")
            slots.append(slot)
            constants.append(None if slot is not None else param)
        # The mapping must also give the second compile's parameters: a constant that
        # happened to equal a stand-in would not.
        other = _flat(other_args)
        if other_params != [other[slot] if slot is not None else constant
                            for slot, constant in zip(slots, constants, strict=True)]:
            raise TypeError(f"Prepared read whose parameters cannot be mapped: {sql}")
        missing = set(range(len(stand_ins))) - {s for s in slots if s is not None}
        if missing:
            raise TypeError(f"Prepared read does not use its arguments {sorted(missing)}.")
        iterable = queryset._iterable_class
        if iterable not in (ModelIterable, ValuesListIterable, FlatValuesListIterable):
            raise TypeError(f"Prepared reads give model rows or values_list, not {iterable}.")
        fields = [column[0] for column in compiler.select[0:compiler.col_count]]
        models: dict[str, Any] = {}
        if iterable is ModelIterable:
            select, klass_info = compiler.select, compiler.klass_info
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            models = {
                "model": klass_info["model"], "span": (start, end),
                "names": tuple(column[0].target.attname for column in select[start:end]),
                "populators": tuple(get_related_populators(klass_info, select, queryset.db)),
            }
        return _Compiled(sql=sql, slots=tuple(slots), constants=tuple(constants),
                         compiler=compiler, db=queryset.db,
                         scoped=isinstance(queryset, TenantScopedQuerySet),
                         for_update=bool(queryset.query.select_for_update),
                         iterable=iterable, converters=compiler.get_converters(fields),
                         **models)

    def _ready(self, lengths: tuple[int, ...]) -> _Compiled | None:
        compiled = self._compiled.get(lengths)
        if compiled is None:
            with self._lock:
                if lengths not in self._compiled and len(self._compiled) < _LENGTHS_KEPT:
                    self._compiled[lengths] = self._prepare(lengths)
                compiled = self._compiled.get(lengths)
        return compiled

    # --- each call --------------------------------------------------------------------

    def _arguments(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(args) != len(self.kinds):
            raise TypeError(f"Prepared read takes {len(self.kinds)} arguments.")
        return tuple(list(dict.fromkeys(_typed(v, kind.kind) for v in value))
                     if isinstance(kind, Many) else _typed(value, kind)
                     for value, kind in zip(args, self.kinds, strict=True))

    def _rows(self, args: tuple[Any, ...]) -> tuple[_Compiled | None, list[Any]]:
        args = self._arguments(args)
        lengths = tuple(len(value) for value, kind in zip(args, self.kinds, strict=True)
                        if isinstance(kind, Many))
        compiled = None if 0 in lengths else self._ready(lengths)
        if compiled is None:  # an empty list, or too many lengths: the queryset itself
            return None, list(self.build(*args))
        if compiled.scoped:
            require_tenant()
        connection = connections[compiled.db]
        if compiled.for_update and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction.")
        flat = _flat(args)
        params = [flat[slot] if slot is not None else constant
                  for slot, constant in zip(compiled.slots, compiled.constants, strict=True)]
        if getattr(settings, "PREPARED_QUERIES_VERIFY", False):
            sql, real, _qs, _compiler = self._compile(args)
            if sql != compiled.sql or real != params:
                raise AssertionError(f"Prepared read differs from its queryset:\n"
                                     f"{compiled.sql} {params}\n{sql} {real}")
        with prepared_cursor(compiled.db) if self.reuse_plan else connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return compiled, rows

    def all(self, *args: Any) -> list[Any]:
        """The rows: model instances, or tuples (values) for a values_list read."""
        compiled, rows = self._rows(args)
        if compiled is None:
            return rows
        compiler = compiled.compiler
        if compiler.has_extra_select:
            rows = [row[:compiler.col_count] for row in rows]
        if compiled.converters:
            rows = _converted(rows, compiled.converters, connections[compiled.db])
        if compiled.iterable is FlatValuesListIterable:
            return [row[0] for row in rows]
        if compiled.iterable is ValuesListIterable:
            return [tuple(row) for row in rows]
        return list(self._models(compiled, rows))

    def first(self, *args: Any) -> Any:
        """The first row, or None (the queryset gives the order and its [:1])."""
        found = self.all(*args)
        return found[0] if found else None

    @staticmethod
    def _models(compiled: _Compiled, rows: Any) -> Any:
        compiler, db = compiled.compiler, compiled.db
        annotations = compiler.annotation_col_map
        start, end = compiled.span
        from_db, names = compiled.model.from_db, compiled.names
        for row in rows:
            obj = from_db(db, names, row[start:end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            if annotations:
                for name, position in annotations.items():
                    setattr(obj, name, row[position])
            yield obj


# --- inserts ---------------------------------------------------------------------------

_INSERTS: dict[tuple, tuple[str, tuple[Any, ...], Any] | None] = {}  # None: bulk_create
_INSERTS_KEPT = 256


def rows_insert(objs: list[Any]) -> list[Any]:
    """`Model.objects.bulk_create(objs)` for new rows of one model whose primary key
    Python makes (a UUID default), with the INSERT's SQL built by Django once per
    process for each shape (the model, the number of rows, which values are the
    column's database default) instead of at every call. The values are prepared as
    Django prepares them (`pre_save`, `get_db_prep_save`), the columns with a database
    default come back (`RETURNING`) as with bulk_create, and no signals are sent (as
    with bulk_create: use it only for models nobody listens to).

    A value that is an expression other than the database default, or a field with its
    own placeholder, takes Django's bulk_create. With PREPARED_QUERIES_VERIFY every call
    also compiles Django's INSERT and must match.
    """
    if not objs:
        return objs
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("rows_insert takes rows of one model.")
    opts = model._meta
    queryset = model._default_manager.all()
    if isinstance(queryset, TenantScopedQuerySet):
        require_tenant()
    queryset._prepare_for_bulk_create(objs)
    if any(not obj._is_pk_set() for obj in objs) or opts.parents:
        return queryset.bulk_create(objs)
    using = queryset.db
    connection = connections[using]
    fields = [field for field in opts.concrete_fields if not field.generated]
    if any(getattr(field, "get_placeholder", None) for field in fields):
        return queryset.bulk_create(objs)
    params: list[Any] = []
    shape: list[bool] = []
    for obj in objs:
        for field in fields:
            value = field.pre_save(obj, add=True)
            if hasattr(value, "resolve_expression"):
                if not isinstance(value, DatabaseDefault):
                    return queryset.bulk_create(objs)
                shape.append(True)
                continue
            shape.append(False)
            params.append(field.get_db_prep_save(value, connection=connection))
    key = (model, using, len(objs), tuple(shape))
    cached = _INSERTS.get(key)
    if key in _INSERTS and cached is None:  # a shape Django writes otherwise (UNNEST)
        return queryset.bulk_create(objs)
    verify = getattr(settings, "PREPARED_QUERIES_VERIFY", False)
    if cached is None or verify:
        returning = opts.db_returning_fields
        query = InsertQuery(model)
        query.insert_values(fields, objs, raw=True)  # the values pre_save gave above
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = returning
        [(sql, django_params)] = compiler.as_sql()
        # Django's own parameters: ours, then those of its RETURNING clause.
        same = [_comparable(p) for p in django_params[:len(params)]] == \
            [_comparable(p) for p in params]
        if cached is None and not same:
            # Django lays this shape out otherwise (PostgreSQL's UNNEST for rows without
            # a DEFAULT takes one array per column): leave it to bulk_create.
            if len(_INSERTS) < _INSERTS_KEPT:
                _INSERTS[key] = None
            return queryset.bulk_create(objs)
        if not same or (cached is not None and cached[0] != sql):
            raise AssertionError(f"rows_insert differs from bulk_create:\n{sql}\n"
                                 f"{list(django_params)}\n{params}")
        tail = tuple(django_params[len(params):])
        cols = [field.get_col(opts.db_table) for field in returning]
        cached = (sql, tail, (tuple(returning), compiler.get_converters(cols)))
        if len(_INSERTS) < _INSERTS_KEPT:
            _INSERTS[key] = cached
    sql, tail, (returning, converters) = cached
    with prepared_cursor(using) as cursor:  # an INSERT's plan is the same for all values
        cursor.execute(sql, [*params, *tail])
        rows = cursor.fetchall() if returning else []
    if converters:
        rows = list(_converted(rows, converters, connection))
    for obj, row in zip(objs, rows, strict=True) if returning else ():
        for value, field in zip(row, returning, strict=True):
            if field is not opts.pk:
                setattr(obj, field.attname, value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs
