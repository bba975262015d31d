"""Fast inserts of many model instances: PostgreSQL ``COPY`` (psycopg 3), ``bulk_create``
elsewhere. For bulk generators (the simulator, the audit log's batch append) only: no signals,
no ``save()``, and — like ``bulk_create`` — instances without a primary key do not get one back.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.db.models import QuerySet
from django.utils import timezone
from psycopg.types.json import Jsonb

Converter = Callable[[Any], Any]


def _json(value: Any) -> Any:
    return None if value is None else Jsonb(value)


def _by_name(kind: type) -> bool:
    """psycopg dumps an Enum member by its name unless it is a ``str`` or ``int`` too (the
    models' choices are, and are written as their value, as the ORM does)."""
    return issubclass(kind, enum.Enum) and not issubclass(kind, str | int)


#: Fields whose Python value psycopg writes as the ORM would store it (Enum members aside).
_PLAIN = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.DateTimeField,
    models.DecimalField,
    models.ForeignKey,
    models.IntegerField,
    models.TextField,
    models.TimeField,
    models.UUIDField,
)


def insert_rows(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    batch_size: int = 2000,
    table: str | None = None,
) -> None:
    """Insert ``objs`` (all new). On PostgreSQL with ``COPY``: the values go as the ORM would
    store them (``auto_now``/``auto_now_add`` fields take the current moment, other fields than
    the plain ones go through the field's ``pre_save``/``get_db_prep_save``; primary keys are
    written only when every instance has one). ``table``: another table of the same columns
    (a staging copy of the model's table, PostgreSQL only)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        QuerySet(model).bulk_create(objs, batch_size=batch_size)  # type: ignore[arg-type]
        return
    pk = model._meta.pk
    with_pk = pk is not None and all(getattr(o, pk.attname) is not None for o in objs)
    now = timezone.now()
    names: list[str] = []
    attnames: list[str] = []
    fields: list[Any] = []
    now_idx: list[int] = []
    json_idx: list[int] = []
    plain_idx: list[int] = []
    other: list[tuple[int, Any]] = []
    for f in model._meta.concrete_fields:
        if f.primary_key and not with_pk:
            continue
        i = len(names)
        names.append(connection.ops.quote_name(f.column))
        attnames.append(f.attname)
        fields.append(f)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            now_idx.append(i)
        elif isinstance(f, models.JSONField):
            json_idx.append(i)
        elif type(f) in _PLAIN or (isinstance(f, _PLAIN) and not isinstance(f, models.FileField)):
            plain_idx.append(i)
        else:
            other.append((i, f))
    target = connection.ops.quote_name(table or model._meta.db_table)
    sql = f"COPY {target} ({', '.join(names)}) FROM STDIN"
    # One C-level lookup of every column's attribute per row; a missing one (deferred) is None,
    # as ``dict.get`` gives.
    take = itemgetter(*attnames) if len(attnames) > 1 else (lambda d: (d[attnames[0]],))
    # Which values need converting depends only on the types in the row: Enum members that
    # psycopg would dump by name go through their field's conversion, as the ORM's would —
    # not the ``TextChoices``/``IntegerChoices`` members of the models' choices, which are
    # ``str``/``int`` first and dumped as their value. One plan per tuple of types met: a
    # row's check is a tuple and a dict look-up in C.
    plans: dict[tuple[type, ...], list[int]] = {}
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            d = obj.__dict__
            try:
                row = list(take(d))
            except KeyError:
                row = [d.get(a) for a in attnames]
            types = tuple(map(type, row))
            plan = plans.get(types)
            if plan is None:
                plan = plans[types] = [i for i in plain_idx if _by_name(types[i])]
            for i in plan:
                row[i] = fields[i].get_db_prep_save(row[i], connection)
            for i in now_idx:
                row[i] = now
            for i in json_idx:
                row[i] = _json(row[i])
            for i, f in other:
                row[i] = f.get_db_prep_save(f.pre_save(obj, True), connection)
            copy.write_row(row)


def copy_tuples(table: str, columns: Iterable[str], rows: Iterable[Sequence[Any]]) -> None:
    """``COPY table (columns) FROM STDIN`` of ready-made rows (PostgreSQL only)."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


_INSERT_SQL: dict[type[models.Model], tuple[str, list[models.Field[Any, Any]]]] = {}


def insert_one(obj: models.Model) -> None:
    """``obj.save(force_insert=True)`` for a new instance whose primary key the database
    assigns, without the ORM's per-call compilation (the statement is built once per model): the
    same values (each field's ``pre_save`` then ``get_db_prep_save``, as the ORM's insert does),
    the key set from ``RETURNING``, the instance marked saved. No ``pre_save``/``post_save``
    signals and no ``save()`` override: for models with neither on the insert path. Elsewhere
    than on PostgreSQL it is ``save(force_insert=True)``."""
    model = type(obj)
    if connection.vendor != "postgresql" or obj.pk is not None:
        obj.save(force_insert=True)
        return
    found = _INSERT_SQL.get(model)
    if found is None:
        pk = model._meta.pk
        if pk is None:  # pragma: no cover - every concrete model has a key
            raise TypeError(f"{model.__name__} has no primary key")
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(pk.column)}"
        )
        found = _INSERT_SQL[model] = (sql, fields)
    sql, fields = found
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # pragma: no cover - RETURNING always yields the row
        raise RuntimeError(f"the {model.__name__} insert returned nothing")
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
