"""Hand-written ``SELECT``s for hot paths, written once from the models' metadata.

Building an ORM query costs more CPU than PostgreSQL spends running an indexed look-up: the
public tracking page and the API's dossier GET compiled a dozen querysets per request
(docs/benchmarks.md). A :class:`Select` writes its SQL once per database vendor from the
models' table and column names and the backend's converters, runs it with a plain cursor and
turns the rows into model instances as the ORM does (``Model.from_db``; joined rows in the
relation cache where ``select_related`` puts them; a field not loaded is deferred, and reading
it costs a query, as with ``only()``).

The ``WHERE`` is the caller's SQL: every such query has a test comparing its result with the
ORM queryset it stands for, so the two cannot drift apart unnoticed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

#: ``connection.ops.quote_name`` of the database the SQL is written for.
Quote = Callable[[str], str]


def table_name(model: type[Model], qn: Quote) -> str:
    return qn(model._meta.db_table)


def column(model: type[Model], field: str, qn: Quote) -> str:
    """The quoted column of ``model.field`` (``field`` a name or an attname)."""
    return qn(str(cast(models.Field[Any, Any], model._meta.get_field(field)).column))


class Table:
    """One table of a hand-written SELECT: its model, its alias in the SQL and the fields read,
    in the model's concrete-field order (as ``Model.from_db`` takes them), primary key
    included. ``names=None``: every concrete field (what a plain ORM query loads)."""

    def __init__(self, model: type[Model], alias: str, names: Iterable[str] | None = None) -> None:
        pk = model._meta.pk
        self.model = model
        self.alias = alias
        if names is None:
            self.fields = list(model._meta.concrete_fields)
        else:
            wanted = {"pk", *names}
            self.fields = [
                f
                for f in model._meta.concrete_fields
                if f is pk or f.name in wanted or f.attname in wanted
            ]
            known = {"pk"} | {f.name for f in self.fields} | {f.attname for f in self.fields}
            unknown = wanted - known
            if unknown:
                raise ValueError(f"{model.__name__} has no concrete field {sorted(unknown)}")
        self.attnames = [f.attname for f in self.fields]
        self.pk_index = self.fields.index(pk)


Compiled = tuple[str, list[tuple[int, Any, list[Any]]]]


def bound_cursor(conn: BaseDatabaseWrapper) -> Any:
    """A cursor of ``conn`` as ``conn.cursor()`` gives it (Django's wrapper: errors translated,
    queries logged and counted, execute wrappers applied), but on PostgreSQL one that binds the
    parameters on the server (``psycopg.Cursor``), so that psycopg can prepare the statement
    after the connection's ``prepare_threshold`` runs (``MOTCUA_DB_PREPARE_AFTER``; off when
    ``None``): PostgreSQL then no longer plans it on every run. Django's own cursors bind on
    the client and never prepare. Elsewhere: ``conn.cursor()``."""
    if conn.vendor != "postgresql":
        return conn.cursor()
    import psycopg
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    conn.close_if_health_check_failed()
    conn.ensure_connection()
    with conn.wrap_database_errors:
        raw = conn.connection
        cursor = psycopg.Cursor(raw)  # psycopg's own: parameters bound on the server
        # As Django's ``create_cursor``: timestamps read in the connection's zone.
        timestamptz = psycopg.adapters.types["timestamptz"].oid
        if conn.timezone != raw.adapters.get_loader(timestamptz, Format.TEXT).timezone:
            register_tzloader(conn.timezone, cursor)
        conn.validate_thread_sharing()
        dbapi: Any = cursor  # the stubs type the argument as Django's wrapper, not the driver's
        if conn.queries_logged:
            return conn.make_debug_cursor(dbapi)
        return conn.make_cursor(dbapi)


class Select:
    """``SELECT … FROM base JOIN … WHERE … ORDER BY … LIMIT …`` run with a plain cursor.

    ``joins``: ``(path, table)`` pairs, a path being a foreign key of the base
    (``"applicant"``) or of a table joined before it (``"procedure_version__procedure"``),
    joined ``INNER`` when the key is not nullable (``LEFT OUTER`` otherwise, or under a
    ``LEFT OUTER`` join), as ``select_related`` does.
    ``where``: SQL over the aliases with ``%s`` parameters, or a function of the backend's
    ``quote_name`` returning it (to write table and column names from the models' metadata).
    Only names from the metadata and constants go into it: values are parameters."""

    def __init__(
        self,
        base: Table,
        joins: Sequence[tuple[str, Table]] = (),
        *,
        where: str | Callable[[Quote], str],
        order: str = "",
        limit: int | None = None,
    ) -> None:
        self.base = base
        self.joins = list(joins)
        self.where = where
        self.order = order
        self.limit = limit
        self.tables: dict[str, Table] = {"": base}
        #: (path of the parent table, the foreign key's name on it, the path of the joined one)
        self.links: list[tuple[str, str, str]] = []
        for path, table in self.joins:
            parent, _, fk = path.rpartition("__")
            if parent not in self.tables:
                raise ValueError(f"join {path!r} comes before its parent {parent!r}")
            self.tables[path] = table
            self.links.append((parent, fk, path))
        self.slices: dict[str, tuple[int, int]] = {}
        start = 0
        for path, table in self.tables.items():
            self.slices[path] = (start, start + len(table.fields))
            start += len(table.fields)
        self._compiled: dict[str, Compiled] = {}

    def _compile(self, conn: BaseDatabaseWrapper) -> Compiled:
        qn = conn.ops.quote_name
        columns: list[str] = []
        converters: list[tuple[int, Any, list[Any]]] = []
        for table in self.tables.values():
            for f in table.fields:
                col = f.get_col(table.alias)
                found = conn.ops.get_db_converters(col)
                found += f.get_db_converters(conn)  # type: ignore[attr-defined]
                if found:
                    converters.append((len(columns), col, found))
                columns.append(f"{table.alias}.{qn(f.column)}")
        base = self.base
        # Only names from the models' metadata and the caller's constants: no user input.
        sql = f"SELECT {', '.join(columns)} FROM {table_name(base.model, qn)} {base.alias}"  # noqa: S608
        outer: set[str] = set()
        for parent_path, fk, path in self.links:
            parent, table = self.tables[parent_path], self.tables[path]
            field = cast(models.Field[Any, Any], parent.model._meta.get_field(fk))
            if field.null or parent_path in outer:
                outer.add(path)
            kind = "LEFT OUTER" if path in outer else "INNER"
            left = f"{parent.alias}.{qn(str(field.column))}"
            right = f"{table.alias}.{qn(str(table.model._meta.pk.column))}"
            sql += f" {kind} JOIN {table_name(table.model, qn)} {table.alias}"
            sql += f" ON ({left} = {right})"
        where = self.where if isinstance(self.where, str) else self.where(qn)
        sql += f" WHERE {where}"
        if self.order:
            sql += f" ORDER BY {self.order}"
        if self.limit is not None:
            sql += f" LIMIT {int(self.limit)}"
        return sql, converters

    def sql(self, using: str = DEFAULT_DB_ALIAS) -> str:
        """The statement as written for the database ``using`` (for tests and EXPLAIN)."""
        return self._compiled_for(connections[using])[0]

    def _compiled_for(self, conn: BaseDatabaseWrapper) -> Compiled:
        compiled = self._compiled.get(conn.vendor)
        if compiled is None:
            compiled = self._compiled[conn.vendor] = self._compile(conn)
        return compiled

    def run(self, params: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> list[Any]:
        """The base model's instances of the rows, in the statement's order."""
        conn = connections[using]
        sql, converters = self._compiled_for(conn)
        with bound_cursor(conn) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        db = conn.alias
        tables = self.tables
        slices = self.slices
        out = []
        for raw in rows:
            row = list(raw)
            for i, col, convert in converters:
                for c in convert:
                    row[i] = c(row[i], col, conn)
            start, end = slices[""]
            obj = self.base.model.from_db(db, self.base.attnames, row[start:end])
            made: dict[str, Model | None] = {"": obj}
            for parent_path, fk, path in self.links:
                parent = made[parent_path]
                a, b = slices[path]
                values = row[a:b]
                table = tables[path]
                # A NULL primary key: the LEFT OUTER join found nothing (the key is NULL).
                if values[table.pk_index] is None:
                    child = None
                else:
                    child = table.model.from_db(db, table.attnames, values)
                made[path] = child
                if parent is not None:
                    parent._state.fields_cache[fk] = child
            out.append(obj)
        return out

    def first(self, params: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> Any:
        """The first instance, else ``None``."""
        rows = self.run(params, using)
        return rows[0] if rows else None
