"""A small simulated province (``motcua simulate``) exercises every indicator the data can fill,
and the aggregates kept by the incremental refresh match the full-scan recomputation."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from motcua.demo.services import demo_prepare
from motcua.dossiers.simulation import simulate
from motcua.integrations.simulation import (
    simulate_national_sync,
    simulate_result_push,
    simulate_store_origin,
)
from motcua.monitoring import aggregate as agg
from motcua.monitoring import indicators as ind
from motcua.monitoring.models import DailyFact, RatingDaily
from motcua.ratings.models import Rating

pytestmark = pytest.mark.django_db

END = dt.datetime(2026, 3, 20, 17, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _verify() -> dict[str, object]:
    out = StringIO()
    call_command("metrics", "verify", "--json", stdout=out)
    result: dict[str, object] = json.loads(out.getvalue().splitlines()[-1])
    return result


def test_simulated_province_fills_every_indicator_with_data_and_verifies() -> None:
    demo_prepare()
    report = simulate(dossiers=300, years=0.5, seed=5, end=END)
    assert report.dossiers == 300
    assert simulate_national_sync() > 0  # the pass `motcua simulate` runs after (QĐ 766 1.4)
    assert simulate_store_origin() > 0  # and the origin of reused components (4.4)
    assert simulate_result_push() > 0  # and the e-results pushed to the citizens' stores (4.4)
    assert report.ratings == Rating.objects.count() > 0
    call_command("metrics", "refresh", stdout=StringIO())
    result = _verify()
    assert result["differences"] == []
    assert result["dossiers"] == 300

    period = ind.Period.range(END.date() - dt.timedelta(days=183), END.date())
    numbers = ind.numbers(period, ind.Scope())
    by_code = {i.code: i for g in ind.scorecard(numbers) for i in g.indicators}
    # Only the indicators whose source the model does not hold are N/A (docs/monitoring.md).
    missing = {code for code, i in by_code.items() if i.rate is None}
    # 1.1 / 1.2 come from the demo catalogue's publication dates, spread over the two years
    # before today (demo.publication), not over this simulated half-year: checked over them.
    assert missing - {"1.1", "1.2"} == set(ind.NO_DATA)
    today = dt.date.today()
    recent = ind.numbers(ind.Period.range(today - dt.timedelta(days=760), today), ind.Scope())
    by_code_recent = {i.code: i for g in ind.scorecard(recent) for i in g.indicators}
    for code in ("1.1", "1.2"):
        rate = by_code_recent[code].rate
        assert rate is not None, code
        assert 0 < rate < 1, (code, rate)
    # The simulator's additions: fees paid online and at the counter, scanned and reused
    # components, ratings (some dissatisfied) — each a share strictly between 0 and 100 %.
    for code in ("1.4", "3.6", "4.2", "4.3", "4.4", "5.4"):
        rate = by_code[code].rate
        assert rate is not None, code
        assert 0 < rate < 1, (code, rate)
    # 4.4 counts both halves, each dossier once: at least the pushed ones, at most the sum.
    pushed = ind.drill("result_pushed", period, ind.Scope()).count()
    components = ind.drill("store_linked", period, ind.Scope()).filter(flags__store_component=True)
    linked = by_code["4.4"].numerator
    assert 0 < pushed <= linked <= pushed + components.count()
    assert linked == ind.drill("store_linked", period, ind.Scope()).count()
    assert numbers.ratings is not None
    assert 0 < numbers.ratings["satisfied"] < numbers.ratings["ratings"]
    criteria = ind.tt01(numbers).criteria
    assert {c for c, v in criteria.items() if v is None} == set()
    # The feedback pass (docs/feedback.md): items, some late or dissatisfied, all verified.
    assert result["feedback"] == numbers.feedback.total > 0  # type: ignore[union-attr]


def test_verify_finds_a_tampered_simulated_aggregate() -> None:
    """The check can fail on the simulated data: a rating count and a received count off by one."""
    demo_prepare()
    simulate(dossiers=60, years=0.25, seed=9, end=END)
    call_command("metrics", "refresh", stdout=StringIO())
    assert _verify()["differences"] == []
    row = RatingDaily.objects.order_by("pk").first()
    assert row is not None
    RatingDaily.objects.filter(pk=row.pk).update(ratings=row.ratings + 1)
    report = agg.verify()
    assert len(report.differences) == 1
    assert "đánh giá" in report.differences[0]
    DailyFact.objects.filter(pk=DailyFact.objects.filter(received__gt=0).first().pk).update(
        received=0
    )
    differences = agg.verify().differences
    assert len(differences) == 2
    assert "received tổng hợp 0" in differences[0]
