"""Bulk loads on PostgreSQL: drop a table's secondary indexes and foreign keys for the load,
rebuild them after.

Maintaining a b-tree row by row costs a random page visit per index per row — at millions of
rows, for random keys (UUIDs, applicants, audit object ids), more than the rows themselves.
Building the index once, after the load, is a sort: what ``pg_restore`` does and what the
PostgreSQL manual advises for populating a database ("Remove Indexes", §14.4.3).

Only **non-unique, whole-table** indexes that back no constraint are dropped: primary keys and
unique constraints stay, so the load is checked exactly as before, and partial indexes (small:
open dossiers only) are kept too. Each dropped index's definition is
saved first in ``DeferredIndex``; the rebuild deletes the row. A load killed half-way leaves the
rows, and :func:`restore_deferred_indexes` (run at the start of every deferred load, and by
``motcua simulate``) rebuilds them. On other databases nothing is dropped.

**Foreign keys** of the loaded tables are dropped too and added back at the end, as
``pg_restore`` does and the manual advises ("Remove Foreign Key Constraints", §14.4.4). Row by
row, each key costs a trigger per inserted row that looks the referenced row up and locks it
(``FOR KEY SHARE`` — a write, WAL-logged, on the dossier row for every event, document and
clock event of the dossier). Added back, each key is checked over the whole table by one join:
a row pointing nowhere makes the load fail then, so what is loaded is checked as strictly as
before, once. Their definitions (``ALTER TABLE … ADD CONSTRAINT …``) go in ``DeferredIndex``
like the indexes', and come back the same way after a crash.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import IntegrityError, connection, transaction

from motcua.common.models import DeferredIndex

log = logging.getLogger(__name__)

#: Memory for each index build (a sort); per session, only during the rebuild.
BUILD_MEMORY = "512MB"

_SECONDARY = """
SELECT i.indexname, i.tablename, i.indexdef
  FROM pg_indexes i
  JOIN pg_class c ON c.relname = i.indexname
  JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
  JOIN pg_index x ON x.indexrelid = c.oid
 WHERE i.schemaname = current_schema()
   AND i.tablename = ANY(%s)
   AND NOT x.indisunique
   AND NOT x.indisprimary
   AND x.indpred IS NULL
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
 ORDER BY i.tablename, i.indexname
"""


_FOREIGN_KEYS = """
SELECT k.conname, t.relname, pg_get_constraintdef(k.oid)
  FROM pg_constraint k
  JOIN pg_class t ON t.oid = k.conrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE k.contype = 'f'
   AND n.nspname = current_schema()
   AND t.relname = ANY(%s)
 ORDER BY t.relname, k.conname
"""

_ADD = "ALTER TABLE "


def foreign_keys(tables: Iterable[str]) -> list[tuple[str, str, str]]:
    """(name, table, ALTER TABLE … ADD CONSTRAINT …) of the foreign keys of ``tables``."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(_FOREIGN_KEYS, [list(tables)])
        return [
            (name, table, f"{_ADD}{qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
            for name, table, definition in cursor.fetchall()
        ]


def secondary_indexes(tables: Iterable[str]) -> list[tuple[str, str, str]]:
    """(name, table, CREATE INDEX …) of the droppable indexes of ``tables`` (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(_SECONDARY, [list(tables)])
        return [(name, table, definition) for name, table, definition in cursor.fetchall()]


def restore_deferred_indexes() -> list[str]:
    """Rebuild every index and add back every foreign key a load dropped and did not restore
    (the indexes first: they were dropped last); returns their names."""
    if connection.vendor != "postgresql":
        return []
    names = []
    refused: list[str] = []
    rows = list(DeferredIndex.objects.order_by("pk"))
    for row in [r for r in rows if not r.definition.startswith(_ADD)] + [
        r for r in rows if r.definition.startswith(_ADD)
    ]:
        if row.definition.startswith(_ADD):
            try:
                _add_key(row.name, row.table, row.definition)
            except IntegrityError as exc:  # rows point nowhere: keep the row, go on, then say
                refused.append(f"{row.table}.{row.name}: {str(exc).splitlines()[0]}")
                continue
        else:
            _build(row.name, row.definition)
        row.delete()
        names.append(row.name)
    if refused:
        raise IntegrityError(
            "Khóa ngoại không thêm lại được vì có dòng trỏ tới bản ghi không tồn tại (sửa dữ "
            "liệu rồi chạy lại; định nghĩa vẫn lưu trong DeferredIndex): " + "; ".join(refused)
        )
    return names


def _add_key(name: str, table: str, definition: str) -> None:
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        # No IF NOT EXISTS for constraints: a crash between the ALTER and the row's deletion
        # must not fail twice.
        cursor.execute(
            "SELECT 1 FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE k.conname = %s AND t.relname = %s AND n.nspname = current_schema()",
            [name, table],
        )
        if cursor.fetchone() is None:
            # The check is one join over the table (a hash join wants memory).
            cursor.execute(f"SET LOCAL work_mem = '{BUILD_MEMORY}'")
            cursor.execute(definition)
    log.info("foreign key %s added back and checked in %.1f s", name, time.monotonic() - started)


def _build(name: str, definition: str) -> None:
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
        # IF NOT EXISTS: a crash between the build and the row's deletion must not fail twice.
        cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
    log.info("index %s rebuilt in %.1f s", name, time.monotonic() - started)


@contextmanager
def deferred_indexes(tables: Iterable[str], *, enabled: bool = True) -> Iterator[list[str]]:
    """Drop the secondary indexes and the foreign keys of ``tables`` for the ``with`` block and
    restore them at its end, whatever happens inside. Yields the names dropped (empty when not
    on PostgreSQL or not ``enabled``). Nothing else should use those tables meanwhile: their
    queries lose the indexes, and their writes the key checks, until the block ends."""
    if not enabled or connection.vendor != "postgresql":
        yield []
        return
    tables = list(tables)
    restore_deferred_indexes()
    qn = connection.ops.quote_name
    keys = foreign_keys(tables)
    for name, table, definition in keys:
        with transaction.atomic():
            DeferredIndex.objects.create(name=name, table=table, definition=definition)
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
    dropped = secondary_indexes(tables)
    for name, table, definition in dropped:
        with transaction.atomic():
            DeferredIndex.objects.create(name=name, table=table, definition=definition)
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX {qn(name)}")
    dropped += keys
    try:
        yield [name for name, _table, _definition in dropped]
    finally:
        restore_deferred_indexes()
