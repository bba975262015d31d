"""``common.bulkload``: secondary indexes dropped for a bulk load come back exactly as they
were — after the load, after a failure inside it, and after a load killed half-way."""

from __future__ import annotations

import pytest
from django.db import connection

from motcua.common.bulkload import (
    deferred_indexes,
    restore_deferred_indexes,
    secondary_indexes,
)
from motcua.common.models import DeferredIndex

pytestmark = pytest.mark.django_db

TABLES = ["dossiers_dossier", "dossiers_dossierevent", "audit_entry"]
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="indexes are deferred on PostgreSQL only"
)


def _indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = ANY(%s)",
            [TABLES],
        )
        return dict(cursor.fetchall())


@needs_postgres
def test_secondary_indexes_are_dropped_for_the_block_and_rebuilt_identically() -> None:
    before = _indexes()
    with deferred_indexes(TABLES) as dropped:
        assert "dossiers_worklist" in dropped
        assert "audit_entry_object_at" in dropped
        inside = _indexes()
        assert set(inside) == set(before) - set(dropped)
        # Keys and unique constraints stay, so the load is checked as before.
        for kept in ("dossiers_dossier_pkey", "dossiers_dossier_code_key", "audit_entry_chain_seq"):
            assert kept in inside
        assert DeferredIndex.objects.count() == len(dropped)
    assert _indexes() == before
    assert not DeferredIndex.objects.exists()


@needs_postgres
def test_indexes_come_back_when_the_load_fails() -> None:
    before = _indexes()
    with pytest.raises(RuntimeError, match="boom"), deferred_indexes(TABLES):
        raise RuntimeError("boom")
    assert _indexes() == before
    assert not DeferredIndex.objects.exists()


@needs_postgres
def test_a_load_killed_half_way_is_repaired_by_the_next_restore() -> None:
    before = _indexes()
    name, table, definition = next(
        row for row in secondary_indexes(TABLES) if row[0] == "dossiers_worklist"
    )
    DeferredIndex.objects.create(name=name, table=table, definition=definition)
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX dossiers_worklist")
    assert "dossiers_worklist" not in _indexes()
    assert restore_deferred_indexes() == ["dossiers_worklist"]
    assert _indexes() == before
    assert not DeferredIndex.objects.exists()


@needs_postgres
def test_disabled_drops_nothing() -> None:
    before = _indexes()
    with deferred_indexes(TABLES, enabled=False) as dropped:
        assert dropped == []
        assert _indexes() == before


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite no-op")
def test_other_databases_drop_nothing() -> None:
    with deferred_indexes(TABLES) as dropped:
        assert dropped == []
    assert restore_deferred_indexes() == []
