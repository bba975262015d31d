"""The incremental aggregate against the full-scan recomputation: refresh, rebuild, verify."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from tests.dossiers.conftest import World, at
from tests.monitoring.helpers import decide, received, resolved, sync, to_appraisal

from motcua.dossiers import services as sv
from motcua.monitoring import aggregate as agg
from motcua.monitoring.models import DailyFact, DossierFact, RatingDaily, RatingMonthly, Watermark
from motcua.ratings.services import rating_record

pytestmark = pytest.mark.django_db


def table() -> dict[tuple[object, ...], dict[str, float]]:
    out = {}
    for row in DailyFact.objects.all():
        key = (row.day, row.agency_id, row.procedure_id, row.field_id, row.officer_id, row.channel)
        out[key] = {c: getattr(row, c) for c in agg.COUNTERS if getattr(row, c)}
    return out


def test_incremental_equals_rebuild_and_verify_is_clean(world: World) -> None:
    resolved(world, 1, at(2, 9), at(4, 9), returned=True)
    d = received(world, 2, at(2, 9))
    sync()
    assert agg.verify().ok
    # The dossier moves on: assignment changes its officer dimension, the decision its day.
    d = to_appraisal(world, d, at(3, 9))
    rating_record(level=1, source="portal", dossier=d, at=at(3, 10))
    sync()
    d = decide(world, d, at(10, 9))
    sync()
    report = agg.verify()
    assert report.ok, report.differences
    assert report.pending_events == 0
    incremental = table()
    ratings = list(RatingDaily.objects.values_list("day", "ratings", "satisfied"))
    rollup = list(RatingMonthly.objects.values_list("day", "ratings", "satisfied", "points_sum"))
    assert [r[:3] for r in rollup] == [(r[0].replace(day=1), *r[1:]) for r in ratings]
    agg.rebuild()
    assert table() == incremental
    assert list(RatingDaily.objects.values_list("day", "ratings", "satisfied")) == ratings
    assert (
        list(RatingMonthly.objects.values_list("day", "ratings", "satisfied", "points_sum"))
        == rollup
    )
    assert DossierFact.objects.count() == 2


def test_refresh_is_idempotent_and_rereads_the_lag(world: World) -> None:
    resolved(world, 1, at(2, 9), at(4, 9))
    sync()
    before = table()
    wm = Watermark.objects.get()
    # Pretend the last events were not seen: the lag window re-reads them, nothing doubles.
    Watermark.objects.filter(pk=wm.pk).update(event_id=wm.event_id - 3)
    agg.refresh()
    assert table() == before
    assert agg.verify().ok


def test_verify_reports_a_tampered_aggregate(world: World) -> None:
    resolved(world, 1, at(2, 9), at(4, 9))
    sync()
    row = DailyFact.objects.filter(received__gt=0).get()
    DailyFact.objects.filter(pk=row.pk).update(received=5)
    report = agg.verify()
    assert not report.ok
    assert "received tổng hợp 5 ≠ tính lại 1" in report.differences[0]
    agg.rebuild()
    assert agg.verify().ok


def test_verify_counts_pending_events(world: World) -> None:
    resolved(world, 1, at(2, 9), at(4, 9))
    sync()
    received(world, 2, at(5, 9))
    report = agg.verify()
    assert report.pending_events == 2  # receive + accept, not yet refreshed
    assert not report.ok


def test_metrics_command(world: World) -> None:
    resolved(world, 1, at(2, 9), at(4, 9))
    out = StringIO()
    call_command("metrics", "refresh", stdout=out)
    call_command("metrics", "verify", "--json", stdout=out)
    data = json.loads(out.getvalue().splitlines()[-1])
    assert data["differences"] == []
    assert data["dossiers"] == 1
    call_command("metrics", "rebuild", stdout=out)
    assert "1 hồ sơ" in out.getvalue()
    DailyFact.objects.update(received=9)
    with pytest.raises(SystemExit) as exc:
        call_command("metrics", "verify", stdout=StringIO())
    assert exc.value.code == 1


def test_withdrawn_after_refresh_moves_counts(world: World) -> None:
    d = received(world, 1, at(2, 9))
    sync()
    assert sum(r.received for r in DailyFact.objects.all()) == 1
    sv.dossier_withdraw(actor=world.reception, dossier=d.code, reason="Rút", at=at(3, 9))
    sync()
    assert sum(r.withdrawn for r in DailyFact.objects.all()) == 1
    assert agg.verify().ok


def test_worker_loop_refreshes_the_aggregates(world: World) -> None:
    from motcua.dossiers.management.commands.worker import enqueue_sweeps

    received(world, 1, at(2, 9))
    assert not DailyFact.objects.exists()
    enqueue_sweeps()  # the immediate backend of the tests runs the tasks now
    assert sum(r.received for r in DailyFact.objects.all()) == 1


def test_monthly_table_follows_and_is_verified(world: World) -> None:
    from motcua.monitoring.models import MonthlyFact

    resolved(world, 1, at(2, 9), at(4, 9))
    resolved(world, 2, at(3, 9), at(5, 9))
    sync()
    month = MonthlyFact.objects.get(day="2026-03-01")
    assert str(month.day) == "2026-03-01"
    assert (month.received, month.decided_early) == (2, 2)
    MonthlyFact.objects.filter(pk=month.pk).update(received=7)
    report = agg.verify()
    assert any("theo tháng" in d and "received tổng hợp 7" in d for d in report.differences)
