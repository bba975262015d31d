"""The rebuild and the verification in parts (``motcua.monitoring.scan``, docs/monitoring.md):
forked parts give exactly the tables of one process and of the incremental refresh; a crash in a
part leaves the old aggregates and the watermark; ``verify`` in two processes finds a tampered
row; SQLite and a caller's transaction run in this process."""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from tests.dossiers.conftest import World, at
from tests.monitoring.helpers import received, resolved, sync, to_appraisal

from motcua.common.errors import MotcuaError
from motcua.demo.services import demo_prepare
from motcua.dossiers import services as sv
from motcua.dossiers.simulation import simulate
from motcua.integrations.simulation import (
    simulate_national_sync,
    simulate_result_push,
    simulate_store_origin,
)
from motcua.monitoring import aggregate as agg
from motcua.monitoring import scan
from motcua.monitoring.models import (
    COUNTERS,
    DailyFact,
    DossierFact,
    MonthlyFact,
    RatingDaily,
    RatingMonthly,
    Watermark,
)

END = dt.datetime(2026, 3, 20, 17, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
_DIMS = ("day", "agency_id", "procedure_id", "field_id", "officer_id", "channel")

_POSTGRES_ONLY = (
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="forked processes need PostgreSQL (they cannot see the test's in-memory SQLite)",
    ),
)


def postgres_only(fn: Any) -> Any:
    for mark in _POSTGRES_ONLY:
        fn = mark(fn)
    return fn


_RATING = ("day", "agency_id", "officer_id", "procedure_id", "field_id")
_RATING_VALUES = ("ratings", "satisfied", "points_sum")


def rating_rollup_of_daily() -> list[tuple[Any, ...]]:
    """``RatingDaily`` summed per month in Python: what ``RatingMonthly`` must hold."""
    sums: dict[tuple[Any, ...], list[int]] = {}
    for row in RatingDaily.objects.values_list(*_RATING, *_RATING_VALUES):
        key = (row[0].replace(day=1), *row[1:5])
        target = sums.setdefault(key, [0, 0, 0])
        for i, value in enumerate(row[5:]):
            target[i] += value
    return sorted((*key, *values) for key, values in sums.items())


def tables() -> dict[str, Any]:
    """Every aggregate's contents, without row ids and ``refreshed_at`` (exact floats); the
    ratings' monthly rollup is checked against the daily rows on the way."""
    fact_fields = [f.attname for f in DossierFact._meta.concrete_fields if f.name != "refreshed_at"]
    rating_monthly = list(
        RatingMonthly.objects.order_by(*_RATING).values_list(*_RATING, *_RATING_VALUES)
    )
    assert rating_monthly == rating_rollup_of_daily()
    return {
        "facts": list(DossierFact.objects.order_by("dossier_id").values_list(*fact_fields)),
        "daily": list(DailyFact.objects.order_by(*_DIMS).values_list(*_DIMS, *COUNTERS)),
        "monthly": list(MonthlyFact.objects.order_by(*_DIMS).values_list(*_DIMS, *COUNTERS)),
        "ratings": list(
            RatingDaily.objects.order_by(
                "day", "agency_id", "officer_id", "procedure_id", "field_id"
            ).values_list(
                "day",
                "agency_id",
                "officer_id",
                "procedure_id",
                "field_id",
                "ratings",
                "satisfied",
                "points_sum",
            )
        ),
        "rating_monthly": rating_monthly,
    }


def watermark() -> tuple[Any, ...]:
    wm = Watermark.objects.get(name=agg.WATERMARK)
    return (wm.event_id, wm.rating_id, wm.sync_id, wm.push_id, wm.refreshed_at)


def schema() -> list[tuple[str, ...]]:
    """Names and definitions of the aggregates' indexes, constraints and sequences."""
    names = [
        m._meta.db_table for m in (DossierFact, DailyFact, MonthlyFact, RatingDaily, RatingMonthly)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = ANY(%s) ORDER BY 1, 2",
            [names],
        )
        rows = [tuple(r) for r in cursor.fetchall()]
        cursor.execute(
            "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "JOIN pg_class t ON t.oid = k.conrelid WHERE t.relname = ANY(%s) ORDER BY 1, 2",
            [names],
        )
        rows += [tuple(r) for r in cursor.fetchall()]
        for name in names:
            if name != DossierFact._meta.db_table:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [name])
                rows.append((name, cursor.fetchone()[0]))
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename LIKE 'monitoring_rb_%%' ORDER BY 1"
        )
        rows += [("staging", r[0]) for r in cursor.fetchall()]
    return rows


@pytest.fixture
def province() -> None:
    """A small simulated province, its national syncs, reused components and pushed results,
    refreshed incrementally."""
    demo_prepare()
    simulate(dossiers=80, years=0.25, seed=13, end=END)
    simulate_national_sync()
    simulate_store_origin()
    simulate_result_push()
    agg.refresh_all()


@pytest.mark.usefixtures("province")
@postgres_only
def test_forked_rebuild_equals_one_process_and_the_incremental_refresh() -> None:
    incremental = tables()
    assert incremental["facts"]
    assert incremental["daily"]
    assert incremental["ratings"]
    assert incremental["rating_monthly"]
    assert DailyFact.objects.filter(res_hours_sum__gt=0).exists()
    before = schema()
    mark_before = watermark()
    assert agg.rebuild(processes=1, batch=25) == 80
    assert tables() == incremental
    assert schema() == before  # same names: keys, indexes, foreign key, sequences; no staging
    assert agg.rebuild(processes=2, batch=25) == 80
    assert tables() == incremental
    assert schema() == before
    # The same last ids; refreshed_at is the rebuild's start (the next refresh looks back there).
    assert watermark()[:4] == mark_before[:4]
    assert watermark()[4] > mark_before[4]
    assert agg.verify(processes=2).differences == []
    # A refresh after the rebuild has nothing to move.
    agg.refresh_all()
    assert tables() == incremental


@pytest.mark.usefixtures("province")
@pytest.mark.parametrize("processes", [1, 2])
@postgres_only
def test_a_crash_in_a_part_leaves_the_old_aggregates_and_the_watermark(
    processes: int,
) -> None:
    # An aggregate that differs from a recomputation, to see that the rebuild did not land.
    row = DailyFact.objects.filter(received__gt=0).order_by("pk").first()
    DailyFact.objects.filter(pk=row.pk).update(received=row.received + 5)
    before, mark_before = tables(), watermark()

    def crash(k: int, done: int) -> None:
        """The last part fails after its first batch (some facts and sums already written);
        forked parts inherit the hook."""
        if k == processes - 1:
            raise RuntimeError("sự cố giả lập")

    scan.part_hook = crash
    try:
        # In this process the error itself; from a forked part, the error named by the parent.
        error = RuntimeError if processes == 1 else MotcuaError
        with pytest.raises(error, match="sự cố giả lập") as exc:
            agg.rebuild(processes=processes, batch=10)
        if processes > 1:
            assert "Tính lại số liệu thất bại: RuntimeError" in str(exc.value)
    finally:
        scan.part_hook = None
    assert tables() == before
    assert watermark() == mark_before
    # A re-run works (the staging tables of the crashed run are dropped first).
    agg.rebuild(processes=processes)
    assert tables() != before
    assert agg.verify(processes=processes).differences == []
    assert ("staging", "monitoring_rb_dossierfact") not in schema()


@pytest.mark.usefixtures("province")
@postgres_only
def test_verify_in_two_processes_finds_a_tampered_row() -> None:
    out = StringIO()
    call_command("metrics", "verify", "--processes", "2", "--json", stdout=out)
    assert '"differences": []' in out.getvalue()
    row = DailyFact.objects.filter(res_count__gt=0).order_by("pk").first()
    DailyFact.objects.filter(pk=row.pk).update(
        res_hours_sum=row.res_hours_sum + 2, ended_late=row.ended_late + 1
    )
    month = MonthlyFact.objects.order_by("pk").first()
    MonthlyFact.objects.filter(pk=month.pk).update(registered=month.registered + 3)
    rated = RatingMonthly.objects.order_by("pk").first()
    RatingMonthly.objects.filter(pk=rated.pk).update(ratings=rated.ratings + 2)
    report = agg.verify(processes=2)
    assert len(report.differences) == 4, report.differences
    daily = [d for d in report.differences if "theo ngày" in d]
    assert any(
        f"ended_late tổng hợp {row.ended_late + 1} ≠ tính lại {row.ended_late}" in d for d in daily
    )
    assert any(f"res_hours_sum tổng hợp {row.res_hours_sum + 2} ≠ tính lại" in d for d in daily)
    assert any(
        "theo tháng" in d and f"registered tổng hợp {month.registered + 3}" in d
        for d in report.differences
    )
    assert any(
        "đánh giá tổng hợp theo tháng" in d
        and f"tổng hợp ({rated.ratings + 2}, {rated.satisfied}, {rated.points_sum})" in d
        for d in report.differences
    )
    assert agg.verify(processes=1).differences == report.differences
    # A key missing from the table is found too; the command fails.
    DailyFact.objects.filter(pk=row.pk).delete()
    assert len(agg.verify(processes=2).differences) > 4
    with pytest.raises(SystemExit):
        call_command("metrics", "verify", "--processes", "2", stdout=StringIO())
    call_command("metrics", "rebuild", "--processes", "2", stdout=StringIO())
    assert agg.verify(processes=2).differences == []


@pytest.mark.django_db
def test_sqlite_and_a_transaction_run_in_this_process(world: World) -> None:
    """Forked parts cannot see an in-memory SQLite database or uncommitted rows: the rebuild
    runs in this process whatever ``processes`` says."""
    resolved(world, 1, at(2, 9), at(4, 9))
    resolved(world, 2, at(3, 9), at(5, 9))
    sync()
    incremental = tables()
    pids: list[int] = []
    scan.part_hook = lambda k, done: pids.append(os.getpid())
    try:
        assert agg.rebuild(processes=2) == 2
    finally:
        scan.part_hook = None
    assert pids
    assert set(pids) == {os.getpid()}
    assert tables() == incremental
    assert agg.verify(processes=2).ok
    assert agg.full_scan(processes=2)[1] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["rebuild", "verify"])
def test_metrics_command_refuses_zero_processes(action: str) -> None:
    with pytest.raises(CommandError, match="--processes"):
        call_command("metrics", action, "--processes", "0", stdout=StringIO())


@pytest.mark.django_db
def test_derive_reads_a_batch_in_seven_queries(
    world: World, django_assert_num_queries: Any
) -> None:
    """``derive`` loads only the dossier columns it reads: a deferred one read per dossier would
    add a query per dossier (the seven are the dossiers, events, components, dislikes, PAKN,
    national syncs and pushes; calendars and versions are cached in the context)."""
    from motcua.monitoring.facts import _Context, derive

    waiting = to_appraisal(world, received(world, 4, at(2, 9)), at(2, 10))
    waiting = sv.dossier_request_supplement_after_appraisal(
        actor=world.specialist, dossier=waiting.code, reason="Thiếu bản vẽ", at=at(3, 9)
    )
    ids = sorted(
        d.pk
        for d in (
            resolved(world, 1, at(2, 9), at(4, 9), returned=True),
            resolved(world, 2, at(3, 9), at(9, 9)),
            resolved(world, 3, at(3, 10), at(5, 9)),
            waiting,
        )
    )
    ctx = _Context()
    first = derive(ids, ctx)
    assert sum(f.res_hours is not None for f in first) == 3  # the calendar was used
    assert [f.supplement_wait_from for f in first if f.dossier_id == waiting.pk] == [at(3, 9)]
    with django_assert_num_queries(7):
        again = derive(ids, ctx, every_in_range=True)
    assert again == first


@postgres_only
def test_a_refresh_during_the_rebuild_is_replaced_then_caught_up(world: World) -> None:
    """A refresh may run while the parts work (into the old tables); the swap replaces its work
    and puts the watermark back at the ids read before the parts, so the next refresh re-derives
    what changed meanwhile — idempotently."""
    resolved(world, 1, at(2, 9), at(4, 9))
    d = received(world, 2, at(3, 9))
    sync()

    def during(k: int, done: int) -> None:
        if done == 1:  # after the first dossier: the second one moves on and is refreshed
            sv.dossier_withdraw(actor=world.reception, dossier=d.code, reason="Rút", at=at(4, 9))
            assert agg.refresh().events_to > 0

    scan.part_hook = during
    try:
        assert agg.rebuild(processes=1, batch=1) == 2
    finally:
        scan.part_hook = None
    assert sum(r.withdrawn for r in DailyFact.objects.all()) == 1  # derived after the change
    assert agg.verify(processes=2).pending_events == 1  # the withdrawal, read again next time
    rebuilt = tables()
    assert agg.refresh().dossiers >= 1  # the withdrawn dossier derived again: no change
    assert tables() == rebuilt
    report = agg.verify(processes=2)
    assert report.differences == []
    assert report.pending_events == 0


def _verify_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND starts_with(tablename, %s)",
            [scan.VERIFY_PREFIX],
        )
        return {row[0] for row in cursor.fetchall()}


@postgres_only
def test_verify_drops_the_tables_of_runs_killed_hard_not_of_runs_alive(world: World) -> None:
    """A verification killed hard (its process gone, its lock with it) leaves its partial-sums
    table; the next run drops it. A table whose run still holds its lock stays."""
    received(world, 1, at(2, 9))
    sync()
    orphan = f"{scan.VERIFY_PREFIX}999999_dead01"
    alive = f"{scan.VERIFY_PREFIX}999998_live01"
    scan._create_sums_table(orphan)
    scan._create_sums_table(alive)
    holder = scan._hold(alive)  # a run in another process, still working
    try:
        report = agg.verify(processes=2)
        assert report.differences == []
        assert _verify_tables() == {alive}  # the orphan dropped, the live run's kept, ours gone
    finally:
        holder.close()
    agg.verify(processes=1)
    assert _verify_tables() == set()  # its run ended without dropping it: an orphan now


@pytest.mark.usefixtures("province")
@postgres_only
def test_the_swap_gives_way_to_a_long_reader_then_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A report still reading an aggregate table: the swap waits a bounded time for its lock
    (so pages are not queued behind it), tries again, and at last gives a clear error, the old
    aggregates, the watermark and no staging table left; once the reader is gone it swaps."""
    monkeypatch.setattr(scan, "SWAP_LOCK_TIMEOUT_MS", 100)
    monkeypatch.setattr(scan, "SWAP_ATTEMPTS", 2)
    monkeypatch.setattr(scan, "SWAP_PAUSE_S", 0.0)
    row = DailyFact.objects.filter(received__gt=0).order_by("pk").first()
    DailyFact.objects.filter(pk=row.pk).update(received=row.received + 5)
    before, mark_before, schema_before = tables(), watermark(), schema()
    params = connection.get_connection_params()
    _swap_with_a_reader(params, before, mark_before, schema_before, monkeypatch)
    assert tables() != before
    assert agg.verify(processes=2).differences == []
    assert schema() == schema_before


def _swap_with_a_reader(
    params: dict[str, Any],
    before: dict[str, Any],
    mark_before: tuple[Any, ...],
    schema_before: list[tuple[str, ...]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    import psycopg

    with psycopg.connect(**params) as reader:
        # Without the swap's own timeout the server ends this reader after 20 s and the swap
        # goes through: the test fails instead of hanging.
        reader.execute("SET idle_in_transaction_session_timeout = '20s'")
        reader.execute("SELECT count(*) FROM monitoring_dailyfact").fetchone()  # lock held
        with pytest.raises(MotcuaError, match="đang được một truy vấn khác đọc"):
            agg.rebuild(processes=2, batch=25)
        assert tables() == before
        assert watermark() == mark_before
        assert schema() == schema_before  # no staging table left behind
        # The reader ends during the pauses: a later attempt swaps.
        monkeypatch.setattr(scan, "SWAP_ATTEMPTS", 20)
        monkeypatch.setattr(scan, "SWAP_PAUSE_S", 0.05)
        threading.Timer(0.3, reader.commit).start()
        agg.rebuild(processes=2, batch=25)
