"""Bulk loads on PostgreSQL: drop a table's secondary indexes for the load, rebuild them after.

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
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction

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


def secondary_indexes(tables: Iterable[str]) -> list[tuple[str, str, str]]:
    """(name, table, CREATE INDEX …) of the droppable indexes of ``tables`` (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(_SECONDARY, [list(tables)])
        return [(name, table, definition) for name, table, definition in cursor.fetchall()]


def restore_deferred_indexes() -> list[str]:
    """Rebuild every index a load dropped and did not rebuild; returns their names."""
    if connection.vendor != "postgresql":
        return []
    names = []
    for row in DeferredIndex.objects.order_by("pk"):
        _build(row.name, row.definition)
        row.delete()
        names.append(row.name)
    return names


def _build(name: str, definition: str) -> None:
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
        # IF NOT EXISTS: a crash between the build and the row's deletion must not fail twice.
        cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
    log.info("index %s rebuilt in %.1f s", name, time.monotonic() - started)


@contextmanager
def deferred_indexes(tables: Iterable[str], *, enabled: bool = True) -> Iterator[list[str]]:
    """Drop the secondary indexes of ``tables`` for the ``with`` block and rebuild them at its
    end, whatever happens inside. Yields the names dropped (empty when not on PostgreSQL or not
    ``enabled``). Nothing else should read those tables meanwhile: their queries lose the
    indexes until the block ends."""
    if not enabled or connection.vendor != "postgresql":
        yield []
        return
    restore_deferred_indexes()
    dropped = secondary_indexes(tables)
    for name, table, definition in dropped:
        with transaction.atomic():
            DeferredIndex.objects.create(name=name, table=table, definition=definition)
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield [name for name, _table, _definition in dropped]
    finally:
        restore_deferred_indexes()
