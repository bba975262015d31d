"""The raw path in parts: ``motcua metrics rebuild`` and ``verify`` over dossier-id ranges, in
forked processes on PostgreSQL (docs/monitoring.md, "Rebuild and verification in parts").

**Parts.** The dossiers are split into ``processes`` id ranges of about as many dossiers each.
Each part derives its dossiers' facts (:func:`motcua.monitoring.facts.derive`, the one
derivation of the refresh) batch by batch,
writes the ``DossierFact`` rows by ``COPY`` into a staging table (rebuild only), and sums their
contributions per key (day, agency, procedure, field, officer, channel) in memory, flushed by
``COPY`` into an unlogged table of partial sums every :data:`FLUSH_KEYS` keys. Working hours
(``res_hours_sum``) are summed as integers of 1/10 000 hour — every dossier's value is rounded to
4 decimals by ``derive`` — so the total divided by 10 000 is exactly the float the incremental
path's ``round(…, 4)`` gives, whatever the order or the split.

**Rebuild.** The parent sums the partial sums into staging copies of ``DailyFact`` and
``MonthlyFact`` (``INSERT … SELECT … SUM … GROUP BY``), computes ``RatingDaily`` into a staging
copy too and sums that per month into a staging ``RatingMonthly``, gives the staging tables the
real tables' keys and indexes, then **swaps** them in one short transaction holding the watermark
row lock (so ``refresh`` cannot interleave): the old tables are dropped and the staging ones
renamed, with their indexes', constraints' and sequences' names. Readers see the old aggregates
or the new ones, never a mix; a crash before the swap leaves the old tables and the watermark
untouched (the next run drops the staging tables and starts again). A session-level advisory
lock, on a connection of its own, keeps two rebuilds apart. The watermark is set to the last ids
read *before* the parts started, and its ``refreshed_at`` to that moment: the next refresh
re-derives whatever changed meanwhile (a dossier's refresh is idempotent).

**Verify.** The parts write only partial sums (a table of the run's own); the parent compares
their sums with ``DailyFact`` and ``MonthlyFact`` in SQL (a full outer join), fetching only the
differing rows. The ratings (``RatingDaily``, ``RatingMonthly``) are compared with one grouped
query of the ratings by :func:`motcua.monitoring.aggregate.verify`.

On SQLite (and for tests of the in-process path) :mod:`motcua.monitoring.aggregate` keeps the
one-process code: the same derivation, the same integer sums.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from motcua.common.copy import copy_tuples
from motcua.common.errors import MotcuaError
from motcua.common.forked import in_forked_processes
from motcua.dossiers.models import Dossier
from motcua.monitoring.facts import Fact, _Context, derive
from motcua.monitoring.models import (
    COUNTERS,
    FLOAT_COUNTERS,
    DailyFact,
    DossierFact,
    MonthlyFact,
    RatingDaily,
    RatingMonthly,
)
from motcua.ratings.models import Rating

log = logging.getLogger(__name__)

#: Processes of a rebuild / verification on PostgreSQL unless ``--processes`` says otherwise.
DEFAULT_PROCESSES = min(os.cpu_count() or 1, 2)
#: A part writes its partial sums when it holds this many keys (bounded memory).
FLUSH_KEYS = 200_000
#: Integer scale of the float counters in the partial sums (``derive`` rounds to 4 decimals).
SCALE = 10_000
#: ``pg_advisory_lock`` key of the rebuild (one at a time).
REBUILD_LOCK = 0x6D6F6E72  # "monr"

#: Test hook: called by every part after each batch with (part index, dossiers done). A test
#: sets it to raise in one part to check that a crash leaves the old aggregates intact.
part_hook: Callable[[int, int], None] | None = None

Key = tuple[str, int, int, int, int, str]
_INDEX = {c: i for i, c in enumerate(COUNTERS)}
_FLOAT_IDX = frozenset(_INDEX[c] for c in FLOAT_COUNTERS)
_DIMS = ("day", "agency_id", "procedure_id", "field_id", "officer_id", "channel")
#: The columns of ``DossierFact`` in the order of :func:`_fact_tuple`.
_FACT_COLUMNS = [
    "dossier_id",
    "agency_id",
    "receiving_agency_id",
    "procedure_id",
    "field_id",
    "officer_id",
    "channel",
    "submitted_at",
    "received_at",
    "due_at",
    "ended_at",
    "end_kind",
    "outcome",
    "supplement_wait_from",
    "supplements",
    "res_hours",
    "tt01",
    "flags",
    "contrib",
    "refreshed_at",
]

STAGE_PREFIX = "monitoring_rb_"


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


# --- the parts -------------------------------------------------------------------------------


def add_contrib(sums: dict[Key, list[int]], contrib: dict[str, Any]) -> None:
    """Add one dossier's contribution to ``sums`` (integers; float counters × :data:`SCALE`)."""
    if not contrib:
        return
    agency, procedure, field_id, officer, channel = contrib["k"]
    for name, value in contrib["c"].items():
        day, counter = name.split("|", 1)
        key = (day, agency, procedure, field_id, officer, channel)
        row = sums.get(key)
        if row is None:
            row = sums[key] = [0] * len(COUNTERS)
        i = _INDEX[counter]
        row[i] += round(value * SCALE) if i in _FLOAT_IDX else round(value)


def counters_of(row: list[int]) -> dict[str, float]:
    """The counters of an integer sum row, as ``DailyFact`` stores them (zeros left out)."""
    out: dict[str, float] = {}
    for i, value in enumerate(row):
        if value:
            out[COUNTERS[i]] = value / SCALE if i in _FLOAT_IDX else value
    return out


def dossier_batches(batch: int, lo: int = 0, hi: int | None = None) -> Iterator[list[int]]:
    """The dossier ids in ``[lo, hi]``, ``batch`` at a time, in id order."""
    last = lo - 1
    while True:
        qs = Dossier.objects.filter(pk__gt=last)
        if hi is not None:
            qs = qs.filter(pk__lte=hi)
        ids = list(qs.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _fact_tuple(fact: Fact, now: dt.datetime) -> tuple[Any, ...]:
    from psycopg.types.json import Jsonb

    return (
        fact.dossier_id,
        fact.agency_id,
        fact.receiving_agency_id,
        fact.procedure_id,
        fact.field_id,
        fact.officer_id,
        fact.channel,
        fact.submitted_at,
        fact.received_at,
        fact.due_at,
        fact.ended_at,
        fact.end_kind,
        fact.outcome,
        fact.supplement_wait_from,
        fact.supplements,
        fact.res_hours,
        Jsonb(fact.tt01),
        Jsonb(fact.flags),
        Jsonb(fact.contrib),
        now,
    )


def _flush(sums_table: str, sums: dict[Key, list[int]]) -> None:
    copy_tuples(
        sums_table,
        [*_DIMS, *COUNTERS],
        ((dt.date.fromisoformat(k[0]), *k[1:], *row) for k, row in sums.items()),
    )
    sums.clear()


def run_part(k: int, lo: int, hi: int, batch: int, sums_table: str, facts_table: str | None) -> int:
    """One part: the dossiers of ids ``lo``–``hi`` derived; their facts written to
    ``facts_table`` (when given) and their partial sums to ``sums_table``. The dossiers done."""
    ctx = _Context()
    sums: dict[Key, list[int]] = {}
    done = 0
    now = timezone.now()
    for ids in dossier_batches(batch, lo, hi):
        facts = derive(ids, ctx, every_in_range=True)
        if facts_table is not None:
            copy_tuples(facts_table, _FACT_COLUMNS, (_fact_tuple(f, now) for f in facts))
        for fact in facts:
            add_contrib(sums, fact.contrib)
        done += len(facts)
        if part_hook is not None:
            part_hook(k, done)
        if len(sums) >= FLUSH_KEYS:
            _flush(sums_table, sums)
    _flush(sums_table, sums)
    return done


def id_ranges(parts: int) -> list[tuple[int, int]]:
    """``parts`` ranges of dossier ids holding about as many dossiers each (the ids at every
    ``count / parts``-th position, read on the primary key's index)."""
    total = Dossier.objects.count()
    if not total:
        return []
    parts = max(min(parts, total), 1)
    ids = Dossier.objects.order_by("pk").values_list("pk", flat=True)
    starts = [ids[k * total // parts] for k in range(parts)]
    last = Dossier.objects.aggregate(hi=Max("pk"))["hi"]
    return [
        (start, (starts[k + 1] - 1) if k + 1 < parts else last) for k, start in enumerate(starts)
    ]


def run_parts(
    processes: int, batch: int, sums_table: str, facts_table: str | None, what: str
) -> int:
    """Every dossier through :func:`run_part`: in ``processes`` forked processes (PostgreSQL,
    more than one), else in this process. The dossiers done."""
    ranges = id_ranges(max(processes, 1))
    tasks = [
        functools.partial(run_part, k, lo, hi, batch, sums_table, facts_table)
        for k, (lo, hi) in enumerate(ranges)
    ]
    if processes > 1 and len(tasks) > 1:
        return sum(in_forked_processes(tasks, what=what))
    return sum(task() for task in tasks)


# --- staging tables and the swap --------------------------------------------------------------


def _create_sums_table(name: str) -> None:
    columns = ", ".join(
        [
            "day date NOT NULL",
            "agency_id bigint NOT NULL",
            "procedure_id bigint NOT NULL",
            "field_id bigint NOT NULL",
            "officer_id bigint NOT NULL",
            "channel varchar(10) NOT NULL",
            *(f"{_qn(c)} bigint NOT NULL" for c in COUNTERS),
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_qn(name)}")
        cursor.execute(f"CREATE UNLOGGED TABLE {_qn(name)} ({columns})")


def _drop(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {_qn(name)}")


def _stage_name(model: Any) -> str:
    return STAGE_PREFIX + str(model._meta.db_table).removeprefix("monitoring_")


def _create_stage(model: Any) -> str:
    """An empty copy of ``model``'s table: columns, defaults, checks, identity; no index."""
    real, stage = model._meta.db_table, _stage_name(model)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_qn(stage)}")
        cursor.execute(
            f"CREATE TABLE {_qn(stage)} (LIKE {_qn(real)} INCLUDING DEFAULTS "
            "INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING STORAGE)"
        )
    return stage


def _sum_columns(scaled: bool) -> str:
    out = []
    for c in COUNTERS:
        if c in FLOAT_COUNTERS:
            out.append(f"SUM({_qn(c)})::float8 / {SCALE}" if scaled else f"SUM({_qn(c)})")
        else:
            out.append(f"SUM({_qn(c)})")
    return ", ".join(out)


def _fill_facts(sums_table: str, daily: str, monthly: str) -> None:
    """The partial sums added up per day and per month into the staging tables."""
    dims = ", ".join(_DIMS)
    rest = ", ".join(_DIMS[1:])
    counters = ", ".join(_qn(c) for c in COUNTERS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_qn(daily)} ({dims}, {counters}) "  # noqa: S608
            f"SELECT {dims}, {_sum_columns(True)} FROM {_qn(sums_table)} GROUP BY {dims}"
        )
        cursor.execute(
            f"INSERT INTO {_qn(monthly)} ({dims}, {counters}) "  # noqa: S608
            f"SELECT date_trunc('month', day)::date, {rest}, {_sum_columns(True)} "
            f"FROM {_qn(sums_table)} GROUP BY date_trunc('month', day)::date, {rest}"
        )


def ratings_by_day(
    start: dt.datetime | None = None, end: dt.datetime | None = None
) -> dict[tuple[Any, ...], tuple[int, int, int]]:
    """The ratings recorded from ``start`` to before ``end`` (default: all) per local day,
    agency, officer, procedure and field, in one query: count, satisfied, TT01 points. The
    procedure and field are those of the rated dossier's procedure version (as in
    ``DossierFact``), 0 for a rating without a dossier (a queue ticket, the counter)."""
    zone = timezone.get_default_timezone()
    ratings = Rating.objects.all()
    if start is not None:
        ratings = ratings.filter(created_at__gte=start)
    if end is not None:
        ratings = ratings.filter(created_at__lt=end)
    rows = (
        ratings.annotate(local_day=TruncDate("created_at", tzinfo=zone))
        .values(
            "local_day",
            "agency_id",
            "officer_id",
            "dossier__procedure_version__procedure_id",
            "dossier__procedure_version__field_id",
        )
        .annotate(n=Count("id"), sat=Count("id", filter=Q(satisfied=True)), pts=Sum("points"))
        .order_by()
    )
    return {
        (
            r["local_day"],
            r["agency_id"] or 0,
            r["officer_id"] or 0,
            r["dossier__procedure_version__procedure_id"] or 0,
            r["dossier__procedure_version__field_id"] or 0,
        ): (r["n"], r["sat"], r["pts"] or 0)
        for r in rows
    }


_RATING_COLUMNS = [
    "day",
    "agency_id",
    "officer_id",
    "procedure_id",
    "field_id",
    "ratings",
    "satisfied",
    "points_sum",
]


def _fill_ratings(daily: str, monthly: str) -> None:
    """The ratings per day into the staging ``RatingDaily``, summed from there per month into
    the staging ``RatingMonthly``."""
    copy_tuples(
        daily,
        _RATING_COLUMNS,
        (
            (day, a, o, p, f, n, s, pts)
            for (day, a, o, p, f), (n, s, pts) in sorted(ratings_by_day().items())
        ),
    )
    rest = ", ".join(_RATING_COLUMNS[1:5])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_qn(monthly)} ({', '.join(_RATING_COLUMNS)}) "  # noqa: S608
            f"SELECT date_trunc('month', day)::date, {rest}, "
            "SUM(ratings), SUM(satisfied), SUM(points_sum) "
            f"FROM {_qn(daily)} GROUP BY date_trunc('month', day)::date, {rest}"
        )


_CONSTRAINTS = """
SELECT k.conname, pg_get_constraintdef(k.oid)
  FROM pg_constraint k
 WHERE k.conrelid = %s::regclass AND k.contype IN ('p', 'u', 'f')
 ORDER BY k.contype, k.conname
"""
_INDEXES = """
SELECT c.relname, pg_get_indexdef(c.oid)
  FROM pg_index x
  JOIN pg_class c ON c.oid = x.indexrelid
 WHERE x.indrelid = %s::regclass
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
 ORDER BY c.relname
"""


def _index_like(stage: str, real: str, token: str) -> list[tuple[str, str, str]]:
    """Give ``stage`` the keys, foreign keys and indexes of ``real`` under temporary names;
    (kind, temporary name, real name) for the swap."""
    renames: list[tuple[str, str, str]] = []
    with connection.cursor() as cursor:
        cursor.execute(_CONSTRAINTS, [real])
        constraints = cursor.fetchall()
        cursor.execute(_INDEXES, [real])
        indexes = cursor.fetchall()
        for i, (name, definition) in enumerate(constraints):
            tmp = f"rb_{token}_c{i}"
            cursor.execute(f"ALTER TABLE {_qn(stage)} ADD CONSTRAINT {_qn(tmp)} {definition}")
            renames.append(("constraint", tmp, name))
        for i, (name, definition) in enumerate(indexes):
            tmp = f"rb_{token}_i{i}"
            sql, n = re.subn(
                r" INDEX \S+ ON (ONLY )?\S+ ",
                f" INDEX {_qn(tmp)} ON {_qn(stage)} ",
                definition,
                count=1,
            )
            if n != 1:  # pragma: no cover - pg_get_indexdef's fixed form
                raise RuntimeError(f"unexpected index definition: {definition}")
            cursor.execute(sql)
            renames.append(("index", tmp, name))
        cursor.execute(f"ANALYZE {_qn(stage)}")
    return renames


def _swap(stage: str, real: str, renames: list[tuple[str, str, str]]) -> None:
    """Inside the final transaction: ``real`` dropped, ``stage`` renamed to it with the names of
    its constraints, indexes and identity sequence."""
    with connection.cursor() as cursor:
        old_seq = None
        if _has_id(cursor, real):
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [real])
            old_seq = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {_qn(real)}")
        cursor.execute(f"ALTER TABLE {_qn(stage)} RENAME TO {_qn(real)}")
        for kind, tmp, name in renames:
            if kind == "constraint":
                cursor.execute(
                    f"ALTER TABLE {_qn(real)} RENAME CONSTRAINT {_qn(tmp)} TO {_qn(name)}"
                )
            else:
                cursor.execute(f"ALTER INDEX {_qn(tmp)} RENAME TO {_qn(name)}")
        if old_seq:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [real])
            new_seq = cursor.fetchone()[0]
            if new_seq and new_seq != old_seq:
                cursor.execute(f"ALTER SEQUENCE {new_seq} RENAME TO {_qn(old_seq.split('.')[-1])}")


def _has_id(cursor: Any, table: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s AND column_name = 'id'",
        [table],
    )
    return cursor.fetchone() is not None


def _lock_connection() -> Any:
    """A connection of its own holding the rebuild's advisory lock (the parts are forked with
    the default connection closed, which would release a lock taken there)."""
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True
    raw.execute("SELECT pg_advisory_lock(%s)", [REBUILD_LOCK])
    return raw


def rebuild_parallel(
    processes: int,
    batch: int,
    marks: Callable[[], dict[str, int]],
    finish: Callable[[dict[str, int], dt.datetime], None],
) -> int:
    """The PostgreSQL rebuild (module doc). ``marks`` reads the last ids (before the parts);
    ``finish`` sets the watermark inside the swap transaction, after taking its lock."""
    lock = _lock_connection()
    try:
        started = timezone.now()
        last = marks()
        sums_table = STAGE_PREFIX + "sums"
        _create_sums_table(sums_table)
        stages = {model: _create_stage(model) for model in _MODELS}
        clock = time.perf_counter()
        done = run_parts(processes, batch, sums_table, stages[DossierFact], "Tính lại số liệu")
        log.info(
            "rebuild: %d dossiers derived in %d parts in %.1f s",
            done,
            processes,
            time.perf_counter() - clock,
        )
        clock = time.perf_counter()
        _fill_facts(sums_table, stages[DailyFact], stages[MonthlyFact])
        _fill_ratings(stages[RatingDaily], stages[RatingMonthly])
        _drop(sums_table)
        log.info("rebuild: daily, monthly and rating sums in %.1f s", time.perf_counter() - clock)
        clock = time.perf_counter()
        token = secrets.token_hex(3)
        renames = {
            model: _index_like(stages[model], model._meta.db_table, f"{token}_{m}")
            for m, model in enumerate(_MODELS)
        }
        log.info("rebuild: keys and indexes in %.1f s", time.perf_counter() - clock)
        clock = time.perf_counter()
        try:
            _swap_all(stages, renames, lambda: finish(last, started))
        except MotcuaError:
            _drop(*stages.values())
            raise
        log.info("rebuild: swapped in %.2f s", time.perf_counter() - clock)
        return done
    finally:
        lock.close()


#: How long the swap waits for each aggregate table's lock before giving up this attempt. A
#: query still reading a table (a long report) would otherwise keep the swap waiting, and every
#: page reading that table would queue behind the swap's lock request until that query ends.
SWAP_LOCK_TIMEOUT_MS = 2000
#: Attempts at the swap, and the pause before attempt n + 1 (n × this many seconds).
SWAP_ATTEMPTS = 5
SWAP_PAUSE_S = 2.0


def _swap_all(
    stages: dict[Any, str],
    renames: dict[Any, list[tuple[str, str, str]]],
    finish: Callable[[], None],
) -> None:
    """The swap's transaction (module doc), waiting at most :data:`SWAP_LOCK_TIMEOUT_MS` for
    each table's lock and tried :data:`SWAP_ATTEMPTS` times; then a clear error (the old
    aggregates and the watermark untouched)."""
    import psycopg

    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                finish()  # the watermark row locked first: no refresh in between
                with connection.cursor() as cursor:
                    # Inside a caller's transaction (the tests), its deferred key checks on the
                    # old tables must run before they are dropped; at top level there are none.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SELECT current_setting('lock_timeout')")
                    previous = cursor.fetchone()[0]
                    cursor.execute(
                        "SELECT set_config('lock_timeout', %s, true)", [f"{SWAP_LOCK_TIMEOUT_MS}ms"]
                    )
                    for model in _MODELS:
                        _swap(stages[model], model._meta.db_table, renames[model])
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
            return
        except OperationalError as exc:
            if not isinstance(exc.__cause__, psycopg.errors.LockNotAvailable):
                raise
            log.warning(
                "rebuild: the aggregate tables are being read; swap attempt %d of %d gave up "
                "after %d ms",
                attempt,
                SWAP_ATTEMPTS,
                SWAP_LOCK_TIMEOUT_MS,
            )
            if attempt < SWAP_ATTEMPTS:
                time.sleep(SWAP_PAUSE_S * attempt)
    raise MotcuaError(
        f"Không thay được các bảng số liệu tổng hợp sau {SWAP_ATTEMPTS} lần thử: chúng đang được "
        "một truy vấn khác đọc (ví dụ một báo cáo dài). Số liệu tổng hợp cũ được giữ nguyên; "
        "hãy chạy lại lệnh sau ít phút."
    )


_MODELS: tuple[Any, ...] = (DossierFact, DailyFact, MonthlyFact, RatingDaily, RatingMonthly)


# --- verification -----------------------------------------------------------------------------


#: ``pg_advisory_lock(class, key)`` class of the verification runs' tables: each run holds the
#: lock keyed by its table's name while the table lives, on a connection of its own.
VERIFY_LOCK_CLASS = 0x6D6F6E76  # "monv"
VERIFY_PREFIX = STAGE_PREFIX + "verify_"
_VERIFY_HOLDERS: dict[str, Any] = {}


def _hold(name: str) -> Any:
    """A connection of its own holding the lock of the table ``name`` (released when the run
    drops its table, or by PostgreSQL when the process dies, however it dies)."""
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True
    raw.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [VERIFY_LOCK_CLASS, name])
    return raw


def drop_orphan_sums(holder: Any) -> list[str]:
    """Drop the partial-sums tables of verification runs that ended without dropping theirs (a
    process killed hard): those whose lock nobody holds. The names dropped."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND starts_with(tablename, %s)",
            [VERIFY_PREFIX],
        )
        names = [row[0] for row in cursor.fetchall()]
    dropped = []
    for name in names:
        free = holder.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s))", [VERIFY_LOCK_CLASS, name]
        ).fetchone()[0]
        if free:
            try:
                _drop(name)
                dropped.append(name)
            finally:
                holder.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))", [VERIFY_LOCK_CLASS, name]
                )
    if dropped:
        log.warning("verify: dropped the tables of runs that ended without: %s", dropped)
    return dropped


def scan_sums(processes: int, batch: int) -> tuple[str, int]:
    """Every dossier's contribution, in parts, into a partial-sums table of this run's own:
    (its name, the dossiers). The caller drops it (:func:`drop_sums`). The run holds its
    table's lock from before the table exists, so another run never takes it for an orphan."""
    name = f"{VERIFY_PREFIX}{os.getpid()}_{secrets.token_hex(3)}"
    holder = _VERIFY_HOLDERS[name] = _hold(name)
    try:
        if not connection.in_atomic_block:  # the caller's transaction could not drop them
            drop_orphan_sums(holder)
        _create_sums_table(name)
        done = run_parts(processes, batch, name, None, "Đối chiếu số liệu")
    except BaseException:
        if not connection.in_atomic_block:  # else the caller's rollback removes it
            _drop(name)
        _release(name)
        raise
    return name, done


def _release(name: str) -> None:
    holder = _VERIFY_HOLDERS.pop(name, None)
    if holder is not None:
        holder.close()


def drop_sums(name: str) -> None:
    try:
        _drop(name)
    finally:
        _release(name)


def differences(sums_table: str, model: Any) -> Iterator[tuple[Key, str, float, float]]:
    """(key, counter, stored, recomputed) for every counter where ``model``'s table differs from
    the sums of ``sums_table`` (per day for ``DailyFact``, per month for ``MonthlyFact``)."""
    monthly = model is MonthlyFact
    day = "date_trunc('month', day)::date" if monthly else "day"
    rest = ", ".join(_DIMS[1:])
    want_cols = ", ".join(f"SUM({_qn(c)}) AS {_qn(c)}" for c in COUNTERS)
    conds = []
    for c in COUNTERS:
        w, h = f"COALESCE(w.{_qn(c)}, 0)", f"COALESCE(h.{_qn(c)}, 0)"
        if c in FLOAT_COUNTERS:
            conds.append(f"abs({w}::float8 / {SCALE} - {h}) > 1e-3")
        else:
            conds.append(f"{w} <> {h}")
    on = " AND ".join(f"w.{d} = h.{d}" for d in _DIMS)
    keys = ", ".join(f"COALESCE(w.{d}, h.{d})" for d in _DIMS)
    select_w = ", ".join(f"w.{_qn(c)}" for c in COUNTERS)
    select_h = ", ".join(f"h.{_qn(c)}" for c in COUNTERS)
    sql = (
        f"WITH w AS (SELECT {day} AS day, {rest}, {want_cols} FROM {_qn(sums_table)} "  # noqa: S608
        f"GROUP BY {day}, {rest}) "
        f"SELECT {keys}, {select_w}, {select_h} FROM w FULL JOIN {_qn(model._meta.db_table)} h "
        f"ON {on} WHERE {' OR '.join(conds)} ORDER BY 1, 2, 3, 4, 5, 6"
    )
    n = len(COUNTERS)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for row in cursor:
            key = (row[0].isoformat(), *row[1:6])
            want, have = row[6 : 6 + n], row[6 + n :]
            for i in sorted(range(n), key=lambda i: COUNTERS[i]):
                c = COUNTERS[i]
                a = int(want[i] or 0)  # a SUM: numeric
                b = have[i] or 0
                if c in FLOAT_COUNTERS:
                    if abs(a / SCALE - b) > 1e-3:
                        yield key, c, b, a / SCALE
                elif a != b:
                    yield key, c, b, a


def read_sums(sums_table: str) -> dict[Key, dict[str, float]]:
    """The partial sums added up per key, as :func:`motcua.monitoring.aggregate.full_scan`
    returns them."""
    dims = ", ".join(_DIMS)
    totals: dict[Key, dict[str, float]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {dims}, {_sum_columns(False)} FROM {_qn(sums_table)} GROUP BY {dims}"  # noqa: S608
        )
        for row in cursor:
            key = (row[0].isoformat(), *row[1:6])
            totals[key] = counters_of([int(v) for v in row[6:]])
    return totals
