"""Keeping the aggregate tables current, rebuilding them, and verifying them by full scan.

**Incremental path.** :func:`refresh` reads ``DossierEvent`` rows after the watermark (the last
event id processed), re-derives the facts of the dossiers they touch and applies the *difference*
between each dossier's new and stored contribution to ``DailyFact``. A dossier's refresh is
idempotent, so the refresh re-reads the last :data:`LAG_EVENTS` events each time: an event whose
transaction committed after a higher id had been read is still picked up. Ratings refresh the
dossier they rate (QĐ 766 5.4 "dislike") and ``RatingDaily`` is recomputed for each day that got
a rating; ``RatingMonthly`` moves by the same differences (new − stored rows of those days), in
the same transaction. New ``NationalSync`` (QĐ 766 1.4) and ``ResultStorePush`` (4.4) rows
refresh their dossier through their own id watermarks, with the same lag window: they arrive
without a dossier event. One refresh runs at a time (the watermark row is locked). The worker runs
:func:`refresh` as a task after the sweeps; ``motcua metrics refresh`` runs it once.

**Raw path.** :func:`verify` recomputes every dossier's contribution and every day's ratings from
the dossiers, events, components and ratings, sums them and compares with the tables;
:func:`rebuild` replaces the tables with that recomputation. On PostgreSQL both run in forked
parts over dossier-id ranges, the rebuild in staging tables swapped in at once
(:mod:`motcua.monitoring.scan`); on SQLite in this process, the rebuild in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from motcua.dossiers import clock
from motcua.dossiers.models import DossierEvent
from motcua.feedback.models import Feedback
from motcua.integrations.models import NationalSync, ResultStorePush
from motcua.monitoring import scan
from motcua.monitoring.facts import Fact, _Context, derive
from motcua.monitoring.feedback import verify as feedback_verify
from motcua.monitoring.models import (
    COUNTERS,
    FLOAT_COUNTERS,
    DailyFact,
    DossierFact,
    MonthlyFact,
    RatingDaily,
    RatingMonthly,
    Watermark,
)
from motcua.ratings.models import Rating

#: Events re-read at every refresh (out-of-order commits; a dossier's refresh is idempotent).
LAG_EVENTS = 500
DEFAULT_BATCH = 2000
WATERMARK = "main"

Key = tuple[str, int, int, int, int, str]  # day, agency, procedure, field, officer, channel
FactModel = type[DailyFact] | type[MonthlyFact]


def _split(contrib: dict[str, Any]) -> Iterator[tuple[Key, str, float]]:
    if not contrib:
        return
    agency, procedure, field_id, officer, channel = contrib["k"]
    for name, value in contrib["c"].items():
        day, counter = name.split("|", 1)
        yield (day, agency, procedure, field_id, officer, channel), counter, value


def _accumulate(into: dict[Key, dict[str, float]], contrib: dict[str, Any], sign: int = 1) -> None:
    for key, counter, value in _split(contrib):
        row = into.setdefault(key, defaultdict(float))
        row[counter] += sign * value


def _fact_row(fact: Fact) -> DossierFact:
    return DossierFact(
        dossier_id=fact.dossier_id,
        agency_id=fact.agency_id,
        receiving_agency_id=fact.receiving_agency_id,
        procedure_id=fact.procedure_id,
        field_id=fact.field_id,
        officer_id=fact.officer_id,
        channel=fact.channel,
        submitted_at=fact.submitted_at,
        received_at=fact.received_at,
        due_at=fact.due_at,
        ended_at=fact.ended_at,
        end_kind=fact.end_kind,
        outcome=fact.outcome,
        supplement_wait_from=fact.supplement_wait_from,
        supplements=fact.supplements,
        res_hours=fact.res_hours,
        tt01=fact.tt01,
        flags=fact.flags,
        contrib=fact.contrib,
    )


_FACT_FIELDS = [
    f.name for f in DossierFact._meta.concrete_fields if f.name not in ("dossier", "refreshed_at")
]


def monthly(deltas: dict[Key, dict[str, float]]) -> dict[Key, dict[str, float]]:
    """The same counts keyed by the first day of their month (``MonthlyFact``)."""
    out: dict[Key, dict[str, float]] = {}
    for key, row in deltas.items():
        mkey = (key[0][:8] + "01", *key[1:])
        target = out.setdefault(mkey, defaultdict(float))
        for counter, value in row.items():
            target[counter] += value
    return out


def _apply_deltas(deltas: dict[Key, dict[str, float]]) -> None:
    """Add ``deltas`` to ``DailyFact`` and ``MonthlyFact``."""
    _apply_to(DailyFact, deltas)
    _apply_to(MonthlyFact, monthly(deltas))


def _apply_to(
    model: type[DailyFact] | type[MonthlyFact], deltas: dict[Key, dict[str, float]]
) -> None:
    """Add ``deltas`` to ``model`` (rows created when missing, deleted when all zero)."""
    deltas = {k: {c: v for c, v in row.items() if abs(v) > 1e-9} for k, row in deltas.items()}
    deltas = {k: row for k, row in deltas.items() if row}
    if not deltas:
        return
    days = {dt.date.fromisoformat(k[0]) for k in deltas}
    agencies = {k[1] for k in deltas}
    existing: dict[Key, Any] = {}
    for row in model.objects.select_for_update().filter(day__in=days, agency_id__in=agencies):
        key = (
            row.day.isoformat(),
            row.agency_id,
            row.procedure_id,
            row.field_id,
            row.officer_id,
            row.channel,
        )
        if key in deltas:
            existing[key] = row
    to_create: list[Any] = []
    to_update: list[Any] = []
    to_delete: list[int] = []
    for key, row_deltas in deltas.items():
        found = existing.get(key)
        if found is None:
            row = model(
                day=dt.date.fromisoformat(key[0]),
                agency_id=key[1],
                procedure_id=key[2],
                field_id=key[3],
                officer_id=key[4],
                channel=key[5],
            )
            to_create.append(row)
        else:
            row = found
            to_update.append(row)
        for counter, value in row_deltas.items():
            current = getattr(row, counter)
            new = current + value
            setattr(row, counter, round(new, 4) if counter in FLOAT_COUNTERS else round(new))
        if row.pk is not None and all(not getattr(row, c) for c in COUNTERS):
            to_delete.append(row.pk)
    if to_create:
        model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        model.objects.bulk_update(to_update, list(COUNTERS), batch_size=1000)
    if to_delete:
        model.objects.filter(pk__in=to_delete).delete()


def refresh_dossiers(dossier_ids: Iterable[int], ctx: _Context | None = None) -> int:
    """Re-derive the given dossiers and move their contributions in ``DailyFact``.
    Call inside a transaction holding the watermark lock (:func:`refresh`, :func:`rebuild`)."""
    ids = sorted(set(dossier_ids))
    if not ids:
        return 0
    stored = {f.dossier_id: f.contrib for f in DossierFact.objects.filter(dossier_id__in=ids)}
    facts = derive(ids, ctx)
    deltas: dict[Key, dict[str, float]] = {}
    for fact in facts:
        old = stored.get(fact.dossier_id)
        if old == fact.contrib:
            continue
        if old:
            _accumulate(deltas, old, -1)
        _accumulate(deltas, fact.contrib, +1)
    _apply_deltas(deltas)
    rows = [_fact_row(f) for f in facts]
    new = [r for r in rows if r.dossier_id not in stored]
    old_rows = [r for r in rows if r.dossier_id in stored]
    if new:
        DossierFact.objects.bulk_create(new, batch_size=1000)
    if old_rows:
        DossierFact.objects.bulk_update(old_rows, _FACT_FIELDS, batch_size=500)
    return len(facts)


def _local_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start, end


RatingKey = tuple[int, int, int, int]  # agency, officer, procedure, field
#: (day, agency, officer, procedure, field) → (count, satisfied, TT01 points).
RatingRows = dict[tuple[Any, ...], tuple[int, int, int]]
_RATING_VALUES = ("ratings", "satisfied", "points_sum")


def ratings_of_day(day: dt.date) -> dict[RatingKey, tuple[int, int, int]]:
    """Ratings of one local day per (agency, officer, procedure, field): count, satisfied, TT01
    points (:func:`motcua.monitoring.scan.ratings_by_day` over that day)."""
    return {key[1:]: value for key, value in scan.ratings_by_day(*_local_bounds(day)).items()}


def rating_row(key: tuple[Any, ...], value: tuple[int, int, int]) -> RatingDaily:
    """The ``RatingDaily`` row of a (day, agency, officer, procedure, field) key and its
    (count, satisfied, points)."""
    return _rating_row(RatingDaily, key, value)


def _rating_row(model: Any, key: tuple[Any, ...], value: tuple[int, int, int]) -> Any:
    day, agency, officer, procedure, field_id = key
    ratings, satisfied, points = value
    return model(
        day=day,
        agency_id=agency,
        officer_id=officer,
        procedure_id=procedure,
        field_id=field_id,
        ratings=ratings,
        satisfied=satisfied,
        points_sum=points,
    )


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def monthly_ratings(rows: RatingRows) -> RatingRows:
    """The same ratings keyed by the first day of their month (``RatingMonthly``)."""
    out: dict[tuple[Any, ...], list[int]] = {}
    for (day, *rest), value in rows.items():
        target = out.setdefault((_month_start(day), *rest), [0, 0, 0])
        for i, v in enumerate(value):
            target[i] += v
    return {key: (v[0], v[1], v[2]) for key, v in out.items()}


def _rating_key(row: Any) -> tuple[Any, ...]:
    return (row.day, row.agency_id, row.officer_id, row.procedure_id, row.field_id)


def recompute_rating_days(days: Iterable[dt.date]) -> None:
    """Recompute ``RatingDaily`` for ``days`` and move ``RatingMonthly`` by the difference
    (new − stored rows). Call inside the transaction holding the watermark lock."""
    days = sorted(set(days))
    if not days:
        return
    deltas: dict[tuple[Any, ...], list[int]] = {}

    def add(key: tuple[Any, ...], value: tuple[int, int, int], sign: int) -> None:
        target = deltas.setdefault((_month_start(key[0]), *key[1:]), [0, 0, 0])
        for i, v in enumerate(value):
            target[i] += sign * v

    for row in RatingDaily.objects.filter(day__in=days):
        add(_rating_key(row), (row.ratings, row.satisfied, row.points_sum), -1)
    for day in days:
        new = ratings_of_day(day)
        for key, value in new.items():
            add((day, *key), value, +1)
        RatingDaily.objects.filter(day=day).delete()
        RatingDaily.objects.bulk_create(rating_row((day, *k), v) for k, v in new.items())
    _apply_rating_deltas(deltas)


def _apply_rating_deltas(deltas: dict[tuple[Any, ...], list[int]]) -> None:
    """Add ``deltas`` (month-start keys) to ``RatingMonthly``: rows created when missing,
    deleted when they fall to zero ratings."""
    deltas = {k: v for k, v in deltas.items() if any(v)}
    if not deltas:
        return
    existing = {
        _rating_key(row): row
        for row in RatingMonthly.objects.select_for_update().filter(
            day__in={k[0] for k in deltas}, agency_id__in={k[1] for k in deltas}
        )
    }
    to_create: list[RatingMonthly] = []
    to_update: list[RatingMonthly] = []
    to_delete: list[int] = []
    for key, delta in deltas.items():
        row = existing.get(key)
        if row is None:
            to_create.append(_rating_row(RatingMonthly, key, (delta[0], delta[1], delta[2])))
            continue
        for name, v in zip(_RATING_VALUES, delta, strict=True):
            setattr(row, name, getattr(row, name) + v)
        if not (row.ratings or row.satisfied or row.points_sum):
            to_delete.append(row.pk)
        else:
            to_update.append(row)
    if to_create:
        RatingMonthly.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        RatingMonthly.objects.bulk_update(to_update, list(_RATING_VALUES), batch_size=1000)
    if to_delete:
        RatingMonthly.objects.filter(pk__in=to_delete).delete()


def _watermark() -> Watermark:
    Watermark.objects.get_or_create(name=WATERMARK)
    return Watermark.objects.select_for_update().get(name=WATERMARK)


@dataclass
class RefreshResult:
    dossiers: int = 0
    events_to: int = 0
    ratings_to: int = 0
    rating_days: int = 0
    syncs_to: int = 0
    pushes_to: int = 0


def refresh(batch: int = DEFAULT_BATCH) -> RefreshResult:
    """Process the events and ratings recorded since the last refresh (see the module doc).
    Processes at most ``batch`` new events; call again while ``dossiers`` > 0 to catch up."""
    result = RefreshResult()
    with transaction.atomic():
        wm = _watermark()
        start = max(wm.event_id - LAG_EVENTS, 0)
        rows = list(
            DossierEvent.objects.filter(id__gt=start)
            .order_by("id")
            .values_list("id", "dossier_id")[: batch + (wm.event_id - start)]
        )
        dossier_ids = {d for _i, d in rows}
        last_event = max((i for i, _d in rows), default=wm.event_id)
        rstart = max(wm.rating_id - LAG_EVENTS, 0)
        ratings = list(
            Rating.objects.filter(id__gt=rstart)
            .order_by("id")
            .values_list("id", "dossier_id", "created_at")[: batch + (wm.rating_id - rstart)]
        )
        dossier_ids |= {d for _i, d, _at in ratings if d is not None}
        # Every day of the window (the lag too: a rating committed late is still counted).
        new_rating_days = {clock.local_day(at) for _i, _d, at in ratings}
        last_rating = max((i for i, _d, _at in ratings), default=wm.rating_id)
        # QĐ 766 1.4: dossiers newly known to the Cổng DVCQG (same lag window as the events).
        sstart = max(wm.sync_id - LAG_EVENTS, 0)
        syncs = list(
            NationalSync.objects.filter(id__gt=sstart)
            .order_by("id")
            .values_list("id", "dossier_id")[: batch + (wm.sync_id - sstart)]
        )
        dossier_ids |= {d for _i, d in syncs}
        last_sync = max((i for i, _d in syncs), default=wm.sync_id)
        # QĐ 766 4.4: e-results newly pushed to the citizen's store — usually days after the
        # reception, so without a new event of the dossier (same lag window as the events).
        pstart = max(wm.push_id - LAG_EVENTS, 0)
        pushes = list(
            ResultStorePush.objects.filter(id__gt=pstart)
            .order_by("id")
            .values_list("id", "dossier_id")[: batch + (wm.push_id - pstart)]
        )
        dossier_ids |= {d for _i, d in pushes}
        last_push = max((i for i, _d in pushes), default=wm.push_id)
        new_events = any(i > wm.event_id for i, _d in rows)
        new_ratings = last_rating > wm.rating_id
        # A new month: the open dossiers gain a month-start snapshot (carried over / in progress).
        now = timezone.now()
        new_month = wm.refreshed_at is not None and clock.local_day(wm.refreshed_at).replace(
            day=1
        ) < clock.local_day(now).replace(day=1)
        if new_month:
            dossier_ids |= set(
                DossierFact.objects.filter(
                    ended_at__isnull=True, received_at__isnull=False
                ).values_list("dossier_id", flat=True)
            )
        # Feedback about a dossier (QĐ 766 5.4) recorded since the last run, with a lag window.
        pakn = _feedback_dossiers(wm.refreshed_at)
        dossier_ids |= pakn
        new_links = last_sync > wm.sync_id or last_push > wm.push_id
        if new_events or new_ratings or new_month or pakn or new_links:
            result.dossiers = refresh_dossiers(dossier_ids)
            recompute_rating_days(new_rating_days)
        wm.event_id = max(wm.event_id, last_event)
        wm.rating_id = max(wm.rating_id, last_rating)
        wm.sync_id = result.syncs_to = max(wm.sync_id, last_sync)
        wm.push_id = result.pushes_to = max(wm.push_id, last_push)
        wm.refreshed_at = timezone.now()
        wm.save()
        result.events_to, result.ratings_to = wm.event_id, wm.rating_id
        result.rating_days = len(new_rating_days)
    return result


#: How far back a refresh looks for feedback rows (a transaction committing late is still seen).
FEEDBACK_LAG = dt.timedelta(minutes=10)


def _feedback_dossiers(since: dt.datetime | None) -> set[int]:
    """The dossiers of the feedback recorded since ``since`` − the lag (none on the first run,
    which reads every event and so derives every dossier anyway)."""
    if since is None:
        return set()
    return set(
        Feedback.objects.filter(recorded_at__gte=since - FEEDBACK_LAG, dossier__isnull=False)
        .values_list("dossier_id", flat=True)
        .distinct()
    )


def refresh_all(batch: int = DEFAULT_BATCH) -> int:
    """Refresh until no new event or rating is left; the number of dossier refreshes."""
    total = 0
    while True:
        wm = Watermark.objects.filter(name=WATERMARK).first()
        before = (wm.event_id, wm.rating_id, wm.sync_id, wm.push_id) if wm else (0, 0, 0, 0)
        r = refresh(batch)
        total += r.dossiers
        if (r.events_to, r.ratings_to, r.syncs_to, r.pushes_to) == before:
            return total


def _dossier_batches(batch: int) -> Iterator[list[int]]:
    return scan.dossier_batches(batch)


def effective_processes(processes: int | None) -> int:
    """Forked parts only on PostgreSQL and outside a transaction (a forked process has its own
    connection: it cannot see what the caller has not committed); else in this process."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(processes or scan.DEFAULT_PROCESSES, 1)


def _last_ids() -> dict[str, int]:
    return {
        "event_id": DossierEvent.objects.aggregate(m=Max("id"))["m"] or 0,
        "rating_id": Rating.objects.aggregate(m=Max("id"))["m"] or 0,
        "sync_id": NationalSync.objects.aggregate(m=Max("id"))["m"] or 0,
        "push_id": ResultStorePush.objects.aggregate(m=Max("id"))["m"] or 0,
    }


def _set_watermark(last: dict[str, int], started: dt.datetime) -> None:
    """The watermark at the ids read before the recomputation, ``refreshed_at`` at its start:
    the next refresh re-derives what changed meanwhile (idempotent)."""
    wm = _watermark()
    for name, value in last.items():
        setattr(wm, name, value)
    wm.refreshed_at = started
    wm.save()


def rebuild(
    batch: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
    processes: int | None = None,
) -> int:
    """Replace every aggregate with a recomputation from the dossiers; the dossiers processed.

    On PostgreSQL: in ``processes`` forked parts over dossier-id ranges, built in staging tables
    and swapped in at once (:mod:`motcua.monitoring.scan`). Elsewhere (SQLite) in this process and
    one transaction: the same derivation and the same integer sums."""
    if connection.vendor == "postgresql":
        done = scan.rebuild_parallel(
            effective_processes(processes), batch, _last_ids, _set_watermark
        )
        if progress:
            progress(done)
        return done
    with transaction.atomic():
        _watermark()  # locked: no refresh in between
        started = timezone.now()
        last = _last_ids()
        DailyFact.objects.all().delete()
        MonthlyFact.objects.all().delete()
        DossierFact.objects.all().delete()
        RatingDaily.objects.all().delete()
        RatingMonthly.objects.all().delete()
        ctx = _Context()
        sums: dict[Key, list[int]] = {}
        done = 0
        for ids in _dossier_batches(batch):
            facts = derive(ids, ctx, every_in_range=True)
            DossierFact.objects.bulk_create([_fact_row(f) for f in facts], batch_size=1000)
            for fact in facts:
                scan.add_contrib(sums, fact.contrib)
            done += len(facts)
            if scan.part_hook is not None:
                scan.part_hook(0, done)
            if progress:
                progress(done)
        _create_facts(DailyFact, sums)
        _create_facts(MonthlyFact, _monthly_sums(sums))
        by_day = scan.ratings_by_day()
        RatingDaily.objects.bulk_create(
            (rating_row(k, v) for k, v in sorted(by_day.items())), batch_size=1000
        )
        RatingMonthly.objects.bulk_create(
            (_rating_row(RatingMonthly, k, v) for k, v in sorted(monthly_ratings(by_day).items())),
            batch_size=1000,
        )
        _set_watermark(last, started)
    return done


def _create_facts(model: FactModel, sums: dict[Key, list[int]]) -> None:
    rows: list[Any] = [
        model(
            day=dt.date.fromisoformat(key[0]),
            agency_id=key[1],
            procedure_id=key[2],
            field_id=key[3],
            officer_id=key[4],
            channel=key[5],
            **scan.counters_of(row),
        )
        for key, row in sorted(sums.items())
    ]
    QuerySet(model).bulk_create(rows, batch_size=1000)


def _monthly_sums(sums: dict[Key, list[int]]) -> dict[Key, list[int]]:
    out: dict[Key, list[int]] = {}
    for key, row in sums.items():
        mkey = (key[0][:8] + "01", *key[1:])
        target = out.get(mkey)
        if target is None:
            out[mkey] = list(row)
        else:
            for i, value in enumerate(row):
                target[i] += value
    return out


@dataclass
class VerifyReport:
    dossiers: int = 0
    daily_rows: int = 0
    rating_rows: int = 0
    pending_events: int = 0
    feedback: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def full_scan(
    batch: int = DEFAULT_BATCH, processes: int | None = None
) -> tuple[dict[Key, dict[str, float]], int]:
    """Every dossier's contribution recomputed from the raw data and summed (the raw path); in
    forked parts on PostgreSQL (:mod:`motcua.monitoring.scan`)."""
    if connection.vendor == "postgresql":
        name, n = scan.scan_sums(effective_processes(processes), batch)
        try:
            return scan.read_sums(name), n
        finally:
            scan.drop_sums(name)
    sums: dict[Key, list[int]] = {}
    ctx = _Context()
    n = 0
    for ids in _dossier_batches(batch):
        for fact in derive(ids, ctx, every_in_range=True):
            scan.add_contrib(sums, fact.contrib)
            n += 1
    return {key: scan.counters_of(row) for key, row in sums.items()}, n


def _difference(model: FactModel, key: Key, counter: str, have: float, want: float) -> str:
    return (
        f"{model._meta.verbose_name} {key[0]} cơ quan {key[1]} thủ tục {key[2]} "
        f"lĩnh vực {key[3]} cán bộ {key[4]} {key[5]}: {counter} tổng hợp {have} ≠ "
        f"tính lại {want}"
    )


def verify(
    batch: int = DEFAULT_BATCH, limit: int = 50, processes: int | None = None
) -> VerifyReport:
    """Compare ``DailyFact``, ``MonthlyFact``, ``RatingDaily`` and ``RatingMonthly`` with a
    recomputation from the raw data. On PostgreSQL the dossiers are scanned in forked parts and
    the sums compared in SQL (:mod:`motcua.monitoring.scan`); elsewhere in memory. The ratings
    are recomputed in one grouped query and compared here, per day and per month."""
    report = VerifyReport()
    wm = Watermark.objects.filter(name=WATERMARK).first()
    report.pending_events = DossierEvent.objects.filter(id__gt=wm.event_id if wm else 0).count()
    report.daily_rows = DailyFact.objects.count()
    if connection.vendor == "postgresql":
        name, report.dossiers = scan.scan_sums(effective_processes(processes), batch)
        try:
            for model in (DailyFact, MonthlyFact):
                for key, counter, have, want in scan.differences(name, model):
                    report.differences.append(_difference(model, key, counter, have, want))
        finally:
            scan.drop_sums(name)
    else:
        totals, report.dossiers = full_scan(batch)
        _compare_in_memory(report, totals)
    report.rating_rows = _compare_ratings(report.differences)
    report.feedback, pakn_differences = feedback_verify()
    report.differences += pakn_differences
    if len(report.differences) > limit:
        extra = len(report.differences) - limit
        report.differences = [*report.differences[:limit], f"… và {extra} khác biệt nữa"]
    return report


def _compare_ratings(differences: list[str]) -> int:
    """Compare ``RatingDaily`` and ``RatingMonthly`` with the ratings recomputed in one grouped
    query (and summed per month); the differences appended. The ``RatingDaily`` rows read."""
    want_daily = scan.ratings_by_day()
    daily_rows = 0
    tables: tuple[tuple[type[RatingDaily] | type[RatingMonthly], RatingRows], ...] = (
        (RatingDaily, want_daily),
        (RatingMonthly, monthly_ratings(want_daily)),
    )
    for model, want in tables:
        have: RatingRows = {}
        for r in model.objects.all().iterator(chunk_size=5000):
            have[_rating_key(r)] = (r.ratings, r.satisfied, r.points_sum)
        if model is RatingDaily:
            daily_rows = len(have)
        for key in sorted(set(want) | set(have)):
            if want.get(key) != have.get(key):
                differences.append(
                    f"{model._meta.verbose_name} {key[0]} cơ quan {key[1]} cán bộ {key[2]} "
                    f"thủ tục {key[3]} lĩnh vực {key[4]}: tổng hợp {have.get(key)} ≠ "
                    f"tính lại {want.get(key)}"
                )
    return daily_rows


def _compare_in_memory(report: VerifyReport, totals: dict[Key, dict[str, float]]) -> None:
    for model, want_all in ((DailyFact, totals), (MonthlyFact, monthly(totals))):
        stored: dict[Key, dict[str, float]] = {}
        for row in model.objects.all().iterator(chunk_size=5000):
            key = (
                row.day.isoformat(),
                row.agency_id,
                row.procedure_id,
                row.field_id,
                row.officer_id,
                row.channel,
            )
            stored[key] = {c: getattr(row, c) for c in COUNTERS if getattr(row, c)}
        for key in sorted(set(want_all) | set(stored)):
            want = {c: v for c, v in want_all.get(key, {}).items() if abs(v) > 1e-6}
            have = stored.get(key, {})
            for counter in sorted(set(want) | set(have)):
                a, b = want.get(counter, 0), have.get(counter, 0)
                if abs(a - b) > 1e-3:
                    report.differences.append(_difference(model, key, counter, b, a))


def contributions_total(contribs: Sequence[dict[str, Any]]) -> dict[Key, dict[str, float]]:
    totals: dict[Key, dict[str, float]] = {}
    for c in contribs:
        _accumulate(totals, c)
    return totals
