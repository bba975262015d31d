"""The monthly rollup of the ratings (``RatingMonthly``, docs/monitoring.md "Scale design"): kept
equal to the monthly sums of ``RatingDaily`` by the refresh and the rebuild, verified, and read
for a period's whole months (``indicators.rating_parts``) with the same numbers as summing the
daily rows. Hand-computed.

Ratings (default scale 1–4: 1 = dislike, 0 points; 2 = satisfied, 1 point; 3, 4 = satisfied,
2 points), local time (Asia/Ho_Chi_Minh):

===  ================  ======  ==========  =====  =========  ======
r    moment            agency  officer     level  satisfied  points
===  ================  ======  ==========  =====  =========  ======
r1   2025-12-30 10:00  center  —           4      yes        2
r2   2025-12-31 23:30  center  —           1      no         0
r3   2026-01-01 00:15  center  —           2      yes        1      (UTC: still 31 December)
r4   2026-01-15 09:00  center  specialist  3      yes        2
r5   2026-01-31 16:00  land    —           1      no         0
r6   2026-02-10 09:00  center  specialist  4      yes        2
r7   2026-02-28 16:00  land    —           2      yes        1
r8   2026-03-01 09:00  center  —           4      yes        2
r9   2026-03-10 09:00  center  specialist  1      no         0      (the dossier received 2 March)
r10  2026-03-31 16:00  center  —           3      yes        2
r11  2026-04-01 09:00  center  —           4      yes        2
===  ================  ======  ==========  =====  =========  ======
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from collections import defaultdict
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from tests.dossiers.conftest import TZ, World, at
from tests.monitoring.helpers import received, sync

from motcua.monitoring import aggregate as agg
from motcua.monitoring import dashboard as db
from motcua.monitoring import indicators as ind
from motcua.monitoring.models import RatingDaily, RatingMonthly, Watermark
from motcua.ratings.services import rating_record

pytestmark = pytest.mark.django_db

_KEY = ("agency_id", "officer_id", "procedure_id", "field_id")


def moment(y: int, m: int, d: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, tzinfo=TZ)


def rate_all(world: World) -> None:
    c, land, s = world.center, world.land, world.specialist
    dossier = received(world, 1, at(2, 9))
    for level, agency, officer, when, on in (
        (4, c, None, moment(2025, 12, 30, 10), None),
        (1, c, None, moment(2025, 12, 31, 23, 30), None),
        (2, c, None, moment(2026, 1, 1, 0, 15), None),
        (3, c, s, moment(2026, 1, 15), None),
        (1, land, None, moment(2026, 1, 31, 16), None),
        (4, c, s, moment(2026, 2, 10), None),
        (2, land, None, moment(2026, 2, 28, 16), None),
        (4, c, None, moment(2026, 3, 1), None),
        (1, c, s, moment(2026, 3, 10), dossier),
        (3, c, None, moment(2026, 3, 31, 16), None),
        (4, c, None, moment(2026, 4, 1), None),
    ):
        rating_record(
            level=level,
            source="kiosk",
            agency=agency,
            officer=officer,
            dossier=on,
            subject="" if on else "ticket:1",
            at=when,
        )


def monthly_rows() -> dict[tuple[Any, ...], tuple[int, int, int]]:
    return {
        (r.day, *(getattr(r, k) for k in _KEY)): (r.ratings, r.satisfied, r.points_sum)
        for r in RatingMonthly.objects.all()
    }


def daily_by_month() -> dict[tuple[Any, ...], tuple[int, int, int]]:
    """``RatingDaily`` summed per month in Python: what ``RatingMonthly`` must hold."""
    out: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in RatingDaily.objects.all():
        t = out[(r.day.replace(day=1), *(getattr(r, k) for k in _KEY))]
        t[0] += r.ratings
        t[1] += r.satisfied
        t[2] += r.points_sum
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def assert_rollup() -> None:
    assert RatingMonthly.objects.exists()
    assert monthly_rows() == daily_by_month()


def daily_sums(period: ind.Period, scope: ind.Scope) -> dict[str, int]:
    """The ratings of a period summed over the daily rows (the read before the rollup)."""
    qs = scope.ratings()
    assert qs is not None
    row = qs.filter(day__gte=period.start, day__lte=period.end).aggregate(
        n=Sum("ratings"), sat=Sum("satisfied"), pts=Sum("points_sum")
    )
    return {"ratings": row["n"] or 0, "satisfied": row["sat"] or 0, "points": row["pts"] or 0}


def P(a: dt.date, b: dt.date) -> ind.Period:
    return ind.Period.range(a, b)


D = dt.date


def test_the_refresh_keeps_the_rollup_equal_to_the_monthly_sums(world: World) -> None:
    rate_all(world)
    sync()
    assert_rollup()
    # Local days: r3 (00:15 on 1 January, still 31 December in UTC) is in January.
    assert RatingMonthly.objects.filter(day=D(2025, 12, 1)).aggregate(n=Sum("ratings"))["n"] == 2
    assert monthly_rows()[(D(2026, 1, 1), world.center.pk, 0, 0, 0)] == (1, 1, 1)
    # A later rating of an existing month moves its row; a new key gets a row.
    rating_record(level=2, source="kiosk", agency=world.land, subject="t", at=moment(2026, 2, 3))
    rating_record(level=4, source="kiosk", agency=world.partner, subject="t", at=moment(2026, 2, 4))
    sync()
    assert_rollup()
    assert monthly_rows()[(D(2026, 2, 1), world.land.pk, 0, 0, 0)] == (2, 2, 2)
    assert monthly_rows()[(D(2026, 2, 1), world.partner.pk, 0, 0, 0)] == (1, 1, 2)
    # The lag window re-reads the last ratings: their days recomputed, nothing doubles.
    before = monthly_rows()
    Watermark.objects.filter(name=agg.WATERMARK).update(rating_id=0)
    agg.refresh()
    assert monthly_rows() == before
    # A stored day row the ratings no longer give (the log is append-only; say a dossier's
    # procedure changed): recomputing its day removes it, and its month row falls to zero and
    # is deleted.
    gone = {"agency_id": world.other_center.pk, "ratings": 1, "satisfied": 1, "points_sum": 2}
    RatingDaily.objects.create(day=D(2026, 2, 5), **gone)
    RatingMonthly.objects.create(day=D(2026, 2, 1), **gone)
    assert_rollup()
    agg.recompute_rating_days([D(2026, 2, 5)])
    assert not RatingMonthly.objects.filter(agency_id=world.other_center.pk).exists()
    assert monthly_rows() == before
    assert_rollup()
    assert agg.verify().differences == []


def test_the_rebuild_fills_the_rollup_as_the_refresh(world: World) -> None:
    rate_all(world)
    sync()
    incremental = monthly_rows()
    RatingMonthly.objects.all().delete()
    agg.rebuild()
    assert monthly_rows() == incremental
    assert_rollup()
    assert agg.verify().differences == []


def test_verify_reports_a_tampered_monthly_row(world: World) -> None:
    rate_all(world)
    sync()
    assert agg.verify().differences == []
    key = (D(2026, 2, 1), world.center.pk, world.specialist.pk, 0, 0)
    row = RatingMonthly.objects.get(day=key[0], agency_id=key[1], officer_id=key[2])
    RatingMonthly.objects.filter(pk=row.pk).update(satisfied=0)
    differences = agg.verify().differences
    assert differences == [
        f"đánh giá tổng hợp theo tháng 2026-02-01 cơ quan {world.center.pk} cán bộ "
        f"{world.specialist.pk} thủ tục 0 lĩnh vực 0: tổng hợp (1, 0, 2) ≠ tính lại (1, 1, 2)"
    ]
    # A missing month row is found too; the rebuild puts it back.
    RatingMonthly.objects.filter(pk=row.pk).delete()
    differences = agg.verify().differences
    assert len(differences) == 1
    assert "theo tháng" in differences[0]
    assert "tổng hợp None" in differences[0]
    agg.rebuild()
    assert agg.verify().differences == []


#: Edges of the periods compared with the daily sums: month starts and ends, mid-month days,
#: both sides of the year boundary.
EDGES = [
    D(2025, 12, 1),
    D(2025, 12, 30),
    D(2025, 12, 31),
    D(2026, 1, 1),
    D(2026, 1, 15),
    D(2026, 1, 31),
    D(2026, 2, 1),
    D(2026, 2, 28),
    D(2026, 3, 1),
    D(2026, 3, 10),
    D(2026, 3, 31),
    D(2026, 4, 1),
]


def test_a_period_reads_whole_months_from_the_rollup_with_the_daily_numbers(
    world: World,
) -> None:
    rate_all(world)
    sync()
    province = ind.Scope()
    center = ind.Scope(agency_ids=(world.center.pk,))
    land = ind.Scope(agency_ids=(world.land.pk,))
    specialist = ind.Scope(officer_id=world.specialist.pk)
    procedure = ind.Scope(procedure_id=world.procedure.pk)
    # Hand-computed. Partial December, whole January and February, partial March.
    p1 = P(D(2025, 12, 15), D(2026, 3, 15))
    assert [m for m, _lo, _hi in ind.rating_parts(p1)] == [RatingMonthly, RatingDaily, RatingDaily]
    assert ind.rating_sums(p1, province) == {"ratings": 9, "satisfied": 6, "points": 10}
    assert ind.rating_sums(p1, specialist) == {"ratings": 3, "satisfied": 2, "points": 4}
    assert ind.rating_sums(p1, land) == {"ratings": 2, "satisfied": 1, "points": 1}
    assert ind.rating_sums(p1, procedure) == {"ratings": 1, "satisfied": 0, "points": 0}
    # Inside one month: daily rows only.
    p2 = P(D(2026, 1, 10), D(2026, 1, 20))
    assert [m for m, _lo, _hi in ind.rating_parts(p2)] == [RatingDaily]
    assert ind.rating_sums(p2, province) == {"ratings": 1, "satisfied": 1, "points": 2}
    # Over the year boundary: 31 December from the daily rows, January from the rollup.
    p3 = P(D(2025, 12, 31), D(2026, 1, 31))
    assert ind.rating_parts(p3) == [
        (RatingMonthly, D(2026, 1, 1), D(2026, 1, 1)),
        (RatingDaily, D(2025, 12, 31), D(2025, 12, 31)),
    ]
    assert ind.rating_sums(p3, province) == {"ratings": 4, "satisfied": 2, "points": 3}
    # Whole months only: a quarter, a year.
    assert ind.rating_sums(ind.Period.quarter(2026, 1), province) == {
        "ratings": 8,
        "satisfied": 6,
        "points": 10,
    }
    assert ind.rating_sums(ind.Period.year(2026), province) == {
        "ratings": 9,
        "satisfied": 7,
        "points": 12,
    }
    assert ind.rating_sums(p1, ind.Scope(channel="online")) is None
    # Every period between two edges, in every scope: the numbers of the daily rows.
    for a, b in itertools.combinations_with_replacement(EDGES, 2):
        for scope in (province, center, land, specialist, procedure):
            assert ind.rating_sums(P(a, b), scope) == daily_sums(P(a, b), scope), (a, b, scope)


def test_the_dashboard_tables_and_trend_read_the_rollup(world: World) -> None:
    rate_all(world)
    sync()
    p1 = P(D(2025, 12, 15), D(2026, 3, 15))
    agencies = {r.agency.pk: (r.ratings, r.satisfied) for r in db.agency_table(p1, ind.Scope())}
    assert agencies[world.center.pk] == (7, db.rate(5, 7))
    assert agencies[world.land.pk] == (2, db.rate(1, 2))
    officers = {o.officer_id: o for o in db.officer_table(p1, ind.Scope())}
    assert (officers[world.specialist.pk].ratings, officers[world.specialist.pk].satisfied) == (
        3,
        db.rate(2, 3),
    )
    assert 0 not in officers  # ratings of no officer are in no officer's row
    trend = db.trend(ind.Period.month(2026, 3), ind.Scope(), months=4)
    assert [(m.label, m.satisfied) for m in trend] == [
        ("12/25", db.rate(1, 2)),
        ("01/26", db.rate(2, 3)),
        ("02/26", db.rate(2, 2)),
        ("03/26", db.rate(2, 3)),
    ]
    assert db.ratings_total() == 11


def test_a_whole_year_reads_the_monthly_rollup_not_the_daily_rows(world: World) -> None:
    rate_all(world)
    sync()
    with CaptureQueriesContext(connection) as q:
        assert ind.rating_sums(ind.Period.year(2026), ind.Scope())["ratings"] == 9  # type: ignore[index]
        db.agency_table(ind.Period.year(2026), ind.Scope())
        db.officer_table(ind.Period.year(2026), ind.Scope())
    sql = [x["sql"] for x in q.captured_queries]
    monthly, daily = RatingMonthly._meta.db_table, RatingDaily._meta.db_table
    assert sum(f'"{monthly}"' in s for s in sql) == 3
    assert not any(f'"{daily}"' in s for s in sql)
    # A period with edge days reads both, one query each.
    with CaptureQueriesContext(connection) as q:
        ind.rating_sums(P(D(2025, 12, 15), D(2026, 3, 15)), ind.Scope())
    sql = [x["sql"] for x in q.captured_queries]
    assert sum(f'"{monthly}"' in s for s in sql) == 1
    assert sum(f'"{daily}"' in s for s in sql) == 2


def test_the_migration_fills_the_rollup_from_the_daily_rows(world: World) -> None:
    """``0009_rating_monthly_fill`` sums the existing ``RatingDaily`` rows per month, so an
    upgraded database verifies and reads whole months without a rebuild."""
    fill = importlib.import_module("motcua.monitoring.migrations.0009_rating_monthly_fill").fill
    rate_all(world)
    sync()
    want = monthly_rows()
    RatingMonthly.objects.all().delete()
    fill(django_apps, None)
    assert monthly_rows() == want
    assert agg.verify().differences == []
