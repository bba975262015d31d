"""``common.bulkload``: secondary indexes and foreign keys dropped for a bulk load come back
exactly as they were — after the load, after a failure inside it, and after a load killed
half-way — and a row loaded meanwhile that points nowhere is refused when its key comes back."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection

from motcua.common.bulkload import (
    deferred_indexes,
    foreign_keys,
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


def _keys() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "JOIN pg_class t ON t.oid = k.conrelid WHERE k.contype = 'f' AND t.relname = ANY(%s)",
            [TABLES],
        )
        return dict(cursor.fetchall())


@needs_postgres
def test_secondary_indexes_are_dropped_for_the_block_and_rebuilt_identically() -> None:
    before = _indexes()
    keys_before = _keys()
    assert len(keys_before) >= 10  # the dossier's agencies, applicant…; the events' dossier…
    with deferred_indexes(TABLES) as dropped:
        assert set(keys_before) <= set(dropped)
        assert not _keys()  # no key checked row by row during the load
        assert "dossiers_worklist" in dropped
        assert "audit_entry_object_at" in dropped
        inside = _indexes()
        assert set(inside) == set(before) - set(dropped)
        # Keys and unique constraints stay, so the load is checked as before.
        for kept in ("dossiers_dossier_pkey", "dossiers_dossier_code_key", "audit_entry_chain_seq"):
            assert kept in inside
        assert DeferredIndex.objects.count() == len(dropped)
    assert _indexes() == before
    assert _keys() == keys_before
    assert not DeferredIndex.objects.exists()


@needs_postgres
def test_indexes_come_back_when_the_load_fails() -> None:
    before = _indexes()
    keys_before = _keys()
    with pytest.raises(RuntimeError, match="boom"), deferred_indexes(TABLES):
        raise RuntimeError("boom")
    assert _indexes() == before
    assert _keys() == keys_before
    assert not DeferredIndex.objects.exists()


@needs_postgres
def test_a_row_loaded_pointing_nowhere_is_refused_when_its_key_comes_back() -> None:
    """The keys are checked once, at the end, over the whole table: an event of a dossier that
    does not exist fails the load, names the key, and the key's definition stays saved (the
    other keys and every index are back)."""
    keys_before = _keys()
    event_key = next(
        n for n, t, _d in foreign_keys(TABLES) if t == "dossiers_dossierevent" and "dossier_id" in n
    )
    with (
        pytest.raises(IntegrityError, match=event_key),
        deferred_indexes(TABLES),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO dossiers_dossierevent (dossier_id, seq, action, from_status, "
            "to_status, at, actor_label, note, data, step_due_at, outcome) "
            "VALUES (987654321, 1, 'accept', 'submitted', 'accepted', now(), '', '', "
            "'{}', NULL, '')"
        )
    assert set(_keys()) == set(keys_before) - {event_key}
    assert list(DeferredIndex.objects.values_list("name", flat=True)) == [event_key]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dossiers_dossierevent WHERE dossier_id = 987654321")
        # The delete's own deferred checks (keys pointing at events), as its commit would run
        # them: a table with checks pending cannot be altered in the same transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert restore_deferred_indexes() == [event_key]  # the data fixed, the key comes back
    assert _keys() == keys_before


@needs_postgres
def test_a_key_already_back_is_not_added_twice() -> None:
    """Killed between adding a key back and deleting its saved row: the next restore sees the
    key and only deletes the row."""
    name, table, definition = foreign_keys(TABLES)[0]
    DeferredIndex.objects.create(name=name, table=table, definition=definition)
    assert restore_deferred_indexes() == [name]
    assert name in _keys()
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
