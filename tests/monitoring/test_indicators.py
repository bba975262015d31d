"""Hand-computed small worlds for every indicator (QĐ 766/QĐ-TTg, TT 01/2018/TT-VPCP and the
operational counts), through the real engine and the aggregate tables.

Schedule: 8 working hours a day (07:00–11:30, 13:30–17:00), Monday–Friday; the procedure has 5
working days. A dossier accepted Monday 2 March 09:00 is due Monday 9 March 09:00.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.dossiers.conftest import World, at
from tests.monitoring.helpers import decide, received, resolved, sync, to_appraisal

from motcua.common.errors import ValidationFailed
from motcua.dossiers import services as sv
from motcua.monitoring import indicators as ind
from motcua.monitoring.models import DailyFact, DossierFact
from motcua.ratings.services import rating_record

pytestmark = pytest.mark.django_db

MARCH = ind.Period.month(2026, 3)
APRIL = ind.Period.month(2026, 4)
PROVINCE = ind.Scope()


def card(period: ind.Period, scope: ind.Scope = PROVINCE) -> dict[str, ind.Indicator]:
    groups = ind.scorecard(ind.numbers(period, scope))
    return {i.code: i for g in groups for i in g.indicators}


def ops(period: ind.Period, scope: ind.Scope = PROVINCE) -> dict[str, int]:
    return ind.operational(ind.numbers(period, scope))


def drill_count(code: str, period: ind.Period, scope: ind.Scope = PROVINCE) -> int:
    return ind.drill(code, period, scope).count()


@pytest.fixture
def three(world: World) -> World:
    """A early (decided Wed 4/3), B late (Mon 9/3 11:00), C on time (Mon 9/3 08:30)."""
    resolved(world, 1, at(2, 9), at(4, 9), returned=True)
    resolved(world, 2, at(2, 9), at(9, 11))
    resolved(world, 3, at(2, 9), at(9, 8, 30))
    sync()
    return world


def test_timeliness_and_average_time(three: World) -> None:
    c = card(MARCH)
    assert (c["2.1"].numerator, c["2.1"].denominator) == (2, 3)
    assert c["2.1"].rate_display == "66,67 %"
    assert c["2.1"].score == Decimal("13.33")  # 20 × 2/3, no threshold
    # 2.2: (16 h + 42 h + 39.5 h) / 3 / 8 h = 4.0625 working days.
    assert c["2.2"].rate == Decimal("4.0625")
    assert c["2.2"].rate_display == "4,06 ngày"
    assert c["2.2"].score is None  # monitored, not scored
    o = ops(MARCH)
    assert o["received"] == o["received_direct"] == 3
    assert (o["decided_early"], o["decided_on_time"], o["decided_late"]) == (1, 1, 1)
    assert o["returned"] == 1
    assert o["in_progress"] == 0
    for code in ("received", "decided", "decided_early", "decided_on_time", "decided_late"):
        assert drill_count(code, MARCH) == o[code], code
    assert drill_count("returned", MARCH) == 1
    assert drill_count("timely_766", MARCH) == 2
    assert drill_count("all_766", MARCH) == 3


def test_zero_denominator_is_na_not_an_error(world: World) -> None:
    c = card(APRIL)
    for code in ("2.1", "2.2", "3.3", "3.6", "4.1", "4.2", "4.3", "5.4"):
        assert c[code].denominator == 0
        assert c[code].rate is None
        assert c[code].rate_display == "N/A"
        assert c[code].score is None
    assert c["5.2"].rate is None  # no PAKN received: N/A (zero denominator)
    assert not c["5.2"].unavailable
    groups = ind.scorecard(ind.numbers(APRIL, PROVINCE))
    score, available = ind.total(groups)
    # Only the catalogue indicators 1.3 and 3.1 have data: 2 procedures, none online,
    # none published with every component (no target groups) → 0 of 14 points.
    assert available == 14
    assert score == 0
    t = ind.tt01(ind.numbers(APRIL, PROVINCE))
    assert t.staff_score is None
    assert t.staff_band == "N/A"


def test_two_supplement_requests_count_late(world: World) -> None:
    d = world.receive(at=at(2, 9), n=1)
    d = sv.dossier_request_supplement(
        actor=world.reception, dossier=d.code, reason="Thiếu đơn", at=at(2, 9, 10)
    )
    d = sv.dossier_resubmit(actor=world.reception, dossier=d.code, at=at(2, 10))
    d = sv.dossier_accept(actor=world.reception, dossier=d.code, at=at(2, 10, 30))
    d = to_appraisal(world, d, at(2, 11))
    d = sv.dossier_request_supplement_after_appraisal(
        actor=world.specialist, dossier=d.code, reason="Thiếu bản vẽ", at=at(3, 9)
    )
    d = sv.dossier_receive_supplement(actor=world.reception, dossier=d.code, at=at(4, 9))
    d = decide(world, d, at(5, 9))
    assert d.outcome == "early"  # the engine's dates alone: early
    sync()
    fact = DossierFact.objects.get(dossier=d)
    assert fact.supplements == 2
    assert fact.outcome == "late"  # QĐ 766 2.1: more than one supplement request is late
    assert fact.tt01["c3"] == 0
    o = ops(MARCH)
    assert o["supplement_requested"] == 2
    assert o["decided_late"] == 1
    assert card(MARCH)["2.1"].rate == 0
    assert drill_count("supplement_requested", MARCH) == 1  # one dossier, two requests


def test_supplement_time_is_subtracted(world: World) -> None:
    d = received(world, 1, at(2, 9))
    d = to_appraisal(world, d, at(2, 9, 30))
    d = sv.dossier_request_supplement_after_appraisal(
        actor=world.specialist, dossier=d.code, reason="Thiếu bản vẽ", at=at(3, 9)
    )
    d = sv.dossier_receive_supplement(actor=world.reception, dossier=d.code, at=at(10, 14))
    d = decide(world, d, at(13, 9))
    sync()
    fact = DossierFact.objects.get(dossier=d)
    # 9 working days from reception to decision (72 h) — more than the 5 allowed — but the
    # supplement wait (Tue 3/3 09:00 → Tue 10/3 14:00 = 40 h + 3 h) is not the agency's.
    assert fact.outcome == "early"
    assert fact.res_hours == pytest.approx(72 - 43)
    c = card(MARCH)
    assert c["2.1"].rate == 1
    assert c["2.2"].rate == Decimal(29) / Decimal(8)


def test_extension_moves_the_due_date(world: World) -> None:
    d = received(world, 1, at(2, 9))
    d = to_appraisal(world, d, at(2, 9, 30))
    d = sv.dossier_request_extension(
        actor=world.head, dossier=d.code, new_due_at=at(12, 17), reason="Xác minh", at=at(5, 9)
    )
    d = decide(world, d, at(11, 9))  # after the original due moment, before the new one
    sync()
    assert DossierFact.objects.get(dossier=d).outcome == "early"
    assert ops(MARCH)["decided_early"] == 1
    assert ind.sums(MARCH, PROVINCE)["extended"] == 1
    assert drill_count("extended", MARCH) == 1


def test_stopped_and_withdrawn(world: World) -> None:
    d = received(world, 1, at(2, 9))
    d = sv.dossier_withdraw(actor=world.reception, dossier=d.code, reason="Xin rút", at=at(3, 9))
    d = sv.dossier_stop(actor=world.reception, dossier=d.code, at=at(3, 10))
    sync()
    o = ops(MARCH)
    assert (o["withdrawn"], o["stopped"], o["decided"], o["in_progress"]) == (1, 1, 0, 0)
    assert drill_count("withdrawn", MARCH) == drill_count("stopped", MARCH) == 1
    fact = DossierFact.objects.get(dossier=d)
    assert (fact.end_kind, fact.outcome) == ("withdrawn", "early")
    assert fact.tt01 == {}  # TT01 criteria are for decided dossiers
    # QĐ 766 2.1 counts a withdrawn dossier as ended (before its due moment).
    assert (card(MARCH)["2.1"].numerator, card(MARCH)["2.1"].denominator) == (1, 1)


def test_dossier_spanning_two_periods(world: World) -> None:
    d = received(world, 1, at(30, 9))
    sync()
    o = ops(MARCH)
    assert (o["received"], o["in_progress"], o["not_yet_due"], o["overdue"]) == (1, 1, 1, 0)
    assert card(MARCH)["2.1"].rate == 1  # open, not overdue at the end of March
    d = to_appraisal(world, d, at(30, 10))
    decide(world, d, at(2, 9, month=4))
    sync()
    o = ops(APRIL)
    assert (o["carried_over"], o["received"], o["decided_early"], o["in_progress"]) == (
        1,
        0,
        1,
        0,
    )
    assert drill_count("carried_over", APRIL) == 1
    assert ops(MARCH)["in_progress"] == 1  # March is unchanged by April's decision
    year = ind.Period.year(2026)
    assert ops(year)["carried_over"] == 0
    assert ops(year)["received"] == 1


def test_overdue_open_dossier(world: World) -> None:
    received(world, 1, at(2, 9))
    sync()
    o = ops(MARCH)
    assert (o["in_progress"], o["overdue"], o["not_yet_due"]) == (1, 1, 0)
    c = card(MARCH)
    assert (c["2.1"].numerator, c["2.1"].denominator) == (0, 1)
    assert drill_count("overdue", MARCH) == 1


def test_satisfaction_and_tt01(three: World) -> None:
    world = three
    a, b, _c = (DossierFact.objects.order_by("dossier_id")[i].dossier for i in range(3))
    rating_record(
        level=4, source="counter_device", dossier=a, officer=world.specialist, at=at(4, 10)
    )
    rating_record(level=1, source="portal", dossier=b, officer=world.specialist, at=at(10, 9))
    sync()
    card_ = card(MARCH)
    # 5.4 = 100 % − (1 late / 3 + 1 disliked / 3) = 33.33 %; threshold 90 % → 6 × 0.3333 / 0.9.
    assert card_["5.4"].rate == Decimal(1) / Decimal(3)
    assert card_["5.4"].score == Decimal("2.22")
    r = ind.rating_sums(MARCH, ind.Scope(officer_id=world.specialist.pk))
    assert r == {"ratings": 2, "satisfied": 1, "points": 2}
    t = ind.tt01(ind.numbers(MARCH, PROVINCE))
    assert t.dossiers == 3
    assert t.criteria["c1"] == Decimal("1.0")  # (2 + 0 + 1) / 3
    assert t.criteria["c3"] == Decimal("2.0")
    assert t.criteria["c4"] == Decimal("1.0")
    assert t.criteria["c6"] == Decimal("0.0")  # published without target groups
    assert t.criteria["c7"] == Decimal("1.0")  # A early 2, B complaint 0, C on time 1
    # Both procedures are received and returned at the center, appraised at the land office.
    assert t.criteria["c5"] == 1
    assert t.criteria["c8"] == 2  # no PAKN at all: 2 (TT 01/2018 Đ13)
    assert t.criteria["c9"] == 0  # no procedure offers an online service
    assert drill_count("disliked", MARCH) == 1


def test_scopes_agency_officer_procedure(three: World) -> None:
    world = three
    land = ind.Scope(agency_ids=(world.land.pk,), label="VPĐKĐĐ")
    other = ind.Scope(agency_ids=(world.partner.pk,), label="Sở Tài chính")
    assert ops(MARCH, land)["received"] == 3
    assert ops(MARCH, other)["received"] == 0
    assert card(MARCH, other)["2.1"].rate is None
    officer = ind.Scope(officer_id=world.specialist.pk)
    assert ops(MARCH, officer)["decided"] == 3
    proc = ind.Scope(procedure_id=world.procedure.pk)
    assert ops(MARCH, proc)["decided"] == 3
    # No rating in this world: zero ratings in the procedure's scope (kept per procedure too).
    assert ind.rating_sums(MARCH, proc) == {"ratings": 0, "satisfied": 0, "points": 0}


def test_online_payment_digitisation(world: World) -> None:
    from motcua.dossiers.services import DocumentInput

    d = received(world, 1, at(2, 9))
    d = to_appraisal(world, d, at(2, 9, 30))
    d = sv.dossier_request_payment(
        actor=world.specialist, dossier=d.code, amount=50_000, at=at(3, 9)
    )
    sv.dossier_record_payment(actor=None, dossier=d.code, at=at(3, 10))  # the gateway
    e = received(world, 2, at(2, 9))
    e = to_appraisal(world, e, at(2, 9, 30))
    e = sv.dossier_request_payment(
        actor=world.specialist, dossier=e.code, amount=50_000, at=at(3, 9)
    )
    sv.dossier_record_payment(actor=world.reception, dossier=e.code, at=at(3, 10))  # counter
    assert DocumentInput  # components without files: not digitised
    sync()
    c = card(MARCH)
    assert (c["3.6"].numerator, c["3.6"].denominator) == (1, 2)
    assert c["3.6"].score == Decimal("5.00")
    assert (c["4.2"].numerator, c["4.2"].denominator) == (0, 2)
    assert c["4.2"].score == 0
    assert drill_count("paid_online", MARCH) == 1


@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({"ky": "2026"}, "Năm 2026"),
        ({"ky": "2026-03"}, "Tháng 03/2026"),
        ({"ky": "2026-Q2"}, "Quý 2/2026"),
        ({"tu": "2026-03-05", "den": "2026-03-20"}, "Từ 05/03/2026 đến 20/03/2026"),
    ],
)
def test_parse_period(params: dict[str, str], label: str) -> None:
    assert ind.parse_period(params).label == label


@pytest.mark.parametrize(
    "params",
    [
        {"ky": "2026-13"},
        {"ky": "26"},
        {"ky": "1999"},
        {"ky": "2026-Q5"},
        {"tu": "2026-03-20", "den": "2026-03-01"},
        {"tu": "hôm qua", "den": "2026-03-01"},
    ],
)
def test_parse_period_refuses_bad_input(params: dict[str, str]) -> None:
    with pytest.raises(ValidationFailed):
        ind.parse_period(params)


def test_unknown_drill_code(world: World) -> None:
    with pytest.raises(ValidationFailed, match="Không có chỉ số"):
        ind.drill("khong-co", MARCH, PROVINCE)


def test_score_threshold_linear_then_full() -> None:
    i = ind.Indicator(
        "4.2", 4, "x", 6, Decimal("0.8"), numerator=Decimal(2), denominator=Decimal(5)
    )
    assert i.score == Decimal("3.00")  # 40 % of an 80 % threshold: half the points
    i.numerator = Decimal(4)
    assert i.score == Decimal("6.00")  # at the threshold: full
    i.numerator = Decimal(5)
    assert i.score == Decimal("6.00")  # above: still full


def test_tt01_bands() -> None:
    t = ind.Tt01(1, {c: Decimal(1) for c, _ in ind.TT01_CRITERIA})
    assert t.staff_score == 5
    assert t.staff_band == "Hoàn thành 100% nhiệm vụ"
    assert t.agency_score == 9
    assert t.agency_band == "Khá"
    t = ind.Tt01(1, {**{c: Decimal("0.6") for c, _ in ind.TT01_CRITERIA}})
    assert t.staff_band == "Hoàn thành dưới 70%"
    assert t.agency_band == "Yếu"
    assert DailyFact.objects.count() == 0


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # A whole month: the monthly table only.
        ("2026-03-01", "2026-03-31", [("MonthlyFact", "2026-03-01", "2026-03-01")]),
        # Part of a month: the daily table only.
        ("2026-03-05", "2026-03-20", [("DailyFact", "2026-03-05", "2026-03-20")]),
        # Edges on both sides of whole months, across a year.
        (
            "2025-11-15",
            "2026-02-10",
            [
                ("MonthlyFact", "2025-12-01", "2026-01-01"),
                ("DailyFact", "2025-11-15", "2025-11-30"),
                ("DailyFact", "2026-02-01", "2026-02-10"),
            ],
        ),
        ("2026-01-01", "2026-12-31", [("MonthlyFact", "2026-01-01", "2026-12-01")]),
    ],
)
def test_period_parts(start: str, end: str, expected: list[tuple[str, str, str]]) -> None:
    import datetime as dt

    p = ind.Period.range(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    got = [(m.__name__, a.isoformat(), b.isoformat()) for m, a, b in ind.parts(p)]
    assert got == expected


def test_monthly_and_daily_parts_add_up(three: World) -> None:
    # A period cut inside March and April gives the same counts as the days themselves.
    import datetime as dt

    p = ind.Period.range(dt.date(2026, 2, 20), dt.date(2026, 4, 3))
    assert [m.__name__ for m, _a, _b in ind.parts(p)] == ["MonthlyFact", "DailyFact", "DailyFact"]
    assert ind.sums(p, PROVINCE)["received"] == 3
    assert ind.sums(p, PROVINCE)["decided_late"] == 1
    cut = ind.Period.range(dt.date(2026, 3, 3), dt.date(2026, 3, 31))
    assert ind.sums(cut, PROVINCE)["received"] == 0  # all three were received on 2 March


def test_month_start_snapshot_equals_the_open_dossiers(world: World) -> None:
    import datetime as dt

    from django.utils import timezone

    received(world, 1, at(2, 9))  # open, overdue from 9 March
    d = received(world, 2, at(30, 9))
    decide(world, to_appraisal(world, d, at(30, 10)), at(2, 9, month=4))
    sync()
    april_1 = APRIL.bounds()[0]
    # The snapshot counters (one day of DailyFact) and the dossiers behind them agree.
    assert ind.open_counts(april_1, PROVINCE) == (2, 1)
    facts = DossierFact.objects.filter(ind.open_q(april_1))
    assert facts.count() == 2
    assert facts.filter(ind.overdue_q(april_1)).count() == 1
    # A moment that is not a month start is counted in DossierFact: same answer.
    assert ind.open_counts(april_1 + dt.timedelta(hours=1), PROVINCE) == (2, 1)
    # A period still running is taken at now, not at its future end.
    today = timezone.localdate()
    current = ind.Period.month(today.year, today.month)
    assert ind.open_counts(current.bounds()[1], PROVINCE) == (1, 1)


def test_new_month_refreshes_open_dossiers(world: World) -> None:
    import datetime as dt

    from motcua.monitoring import aggregate as agg
    from motcua.monitoring.models import Watermark

    received(world, 1, at(2, 9))
    sync()
    assert agg.refresh().dossiers == 0  # nothing new
    Watermark.objects.update(refreshed_at=at(2, 9) - dt.timedelta(days=40))
    assert agg.refresh().dossiers == 1  # a month began: the open dossier is re-derived
    assert agg.verify().ok


def test_score_trend_matches_each_month_scorecard(three: World) -> None:
    from motcua.monitoring.dashboard import score_trend

    world = three
    received(world, 7, at(2, 9))  # open and overdue at the end of March and April
    d = received(world, 8, at(30, 9))  # spans March → April
    decide(world, to_appraisal(world, d, at(30, 10)), at(2, 9, month=4))
    sync()
    trend = dict(score_trend(APRIL, PROVINCE, months=3))
    assert list(trend) == ["02/26", "03/26", "04/26"]
    for label, period in (("02/26", ind.Period.month(2026, 2)), ("03/26", MARCH), ("04/26", APRIL)):
        expected, _available = ind.total(ind.scorecard(ind.numbers(period, PROVINCE)))
        assert trend[label] == expected, label
    assert trend["03/26"] != trend["04/26"]
