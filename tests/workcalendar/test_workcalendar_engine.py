"""The due-date engine: fixed cases for each convention, hypothesis properties, bad input."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.workcalendar.engine import NO_CUTOFF, TZ, WorkingCalendar
from motcua.workcalendar.errors import InvalidAmount, InvalidDate, OutOfRange
from motcua.workcalendar.rules import build_calendar_data, shipped_calendar_data, shipped_rules
from motcua.workcalendar.units import TimeLimitUnit as U


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


# --- fixed cases ---------------------------------------------------------------------------


def test_the_issue_example(shipped: WorkingCalendar) -> None:
    # Thursday before Tết 2026: Fri 13/02 is day 1, Tết 16–20/02, Mon 23/02 day 2, Tue 24/02 day 3.
    assert shipped.due(at("2026-02-12T09:30"), 3, U.WORKING_DAYS) == at("2026-02-24T09:30")


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        ("2026-03-10T09:00", 2.5, "2026-03-10T11:30"),  # lands on the end of the morning: stays
        ("2026-03-10T13:00", 3.5, "2026-03-10T17:00"),  # lunch → 13:30, lands on 17:00: stays
        ("2026-03-10T11:00", 1, "2026-03-10T14:00"),  # over the lunch break
        ("2026-03-10T16:00", 1, "2026-03-10T17:00"),  # lands on the close: stays
        ("2026-03-10T16:00", 2, "2026-03-11T08:00"),  # over the night
        ("2026-03-13T16:00", 2, "2026-03-16T08:00"),  # over the weekend
        ("2026-02-13T16:00", 2, "2026-02-23T08:00"),  # over Tết
        ("2026-03-10T06:00", 1, "2026-03-10T08:00"),  # before opening: counts from 07:00
        ("2026-03-14T10:00", 1, "2026-03-16T08:00"),  # received on Saturday
        ("2026-01-09T16:00", 2, "2026-01-10T08:00"),  # the Saturday worked instead (làm bù)
        ("2026-03-10T12:00", 0, "2026-03-10T13:30"),  # zero from the lunch break: next start
        ("2026-03-10T11:30", 0, "2026-03-10T11:30"),  # zero at a period end: stays
    ],
)
def test_working_hours(shipped: WorkingCalendar, start: str, hours: float, due: str) -> None:
    assert shipped.add_working_hours(at(start), hours) == at(due)
    assert shipped.due(at(start), hours, U.WORKING_HOURS) == at(due)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-03-10T09:30", 0.5, "2026-03-10T15:30"),  # half a day = 4 working hours
        ("2026-03-10T10:00", 0.5, "2026-03-10T16:00"),
        ("2026-03-10T14:59", 1, "2026-03-11T14:59"),  # before the cut-off: from the moment
        ("2026-03-10T15:00", 1, "2026-03-11T17:00"),  # at the cut-off: from 11/03 07:00
        ("2026-03-10T16:30", 1, "2026-03-11T17:00"),
        ("2026-03-14T09:00", 1, "2026-03-16T17:00"),  # Saturday: from Monday 07:00
        ("2026-03-10T07:00", 1, "2026-03-10T17:00"),  # 8 working hours from opening
        ("2026-03-10T07:00", 5, "2026-03-16T17:00"),  # ends at a close: stays there
        ("2026-04-24T09:00", 3, "2026-05-04T09:00"),  # Giỗ Tổ (bù 27/4), 30/4, 1/5
    ],
)
def test_working_days(shipped: WorkingCalendar, start: str, days: float, due: str) -> None:
    assert shipped.due(at(start), days, U.WORKING_DAYS) == at(due)


def test_cutoff_can_be_changed_or_disabled(shipped: WorkingCalendar) -> None:
    start = at("2026-03-10T15:30")
    assert shipped.due(start, 1, U.WORKING_DAYS, cutoff=time(17, 0)) == at("2026-03-11T15:30")
    assert shipped.due(start, 1, U.WORKING_DAYS, cutoff=NO_CUTOFF) == at("2026-03-11T15:30")
    assert shipped.due(start, 1, U.WORKING_DAYS) == at("2026-03-11T17:00")
    # Working hours count from the moment unless a cut-off is passed.
    assert shipped.due(start, 1, U.WORKING_HOURS) == at("2026-03-10T16:30")
    assert shipped.due(start, 1, U.WORKING_HOURS, cutoff=time(15)) == at("2026-03-11T08:00")


@pytest.mark.parametrize(
    ("start", "due"),
    [
        ("2026-03-10T14:00", "2026-03-10T17:00"),
        ("2026-03-10T15:30", "2026-03-11T17:00"),  # after the cut-off: next working day
        ("2026-02-13T15:30", "2026-02-23T17:00"),  # Friday before Tết
        ("2026-03-14T09:00", "2026-03-16T17:00"),  # Saturday
    ],
)
def test_same_day(shipped: WorkingCalendar, start: str, due: str) -> None:
    assert shipped.due(at(start), 0, U.SAME_DAY) == at(due)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [
        ("2026-02-12T09:30", 15, U.CALENDAR_DAYS, "2026-02-27T17:00"),
        ("2026-04-15T09:00", 15, U.CALENDAR_DAYS, "2026-05-04T17:00"),  # ends on 30/4: moved
        ("2026-03-10T15:30", 1, U.CALENDAR_DAYS, "2026-03-12T17:00"),  # after the cut-off
        ("2026-03-10T09:00", 1, U.MONTHS, "2026-04-10T17:00"),
        ("2025-12-31T09:00", 2, U.MONTHS, "2026-03-02T17:00"),  # 28/02 (Saturday) → Monday
        ("2026-01-30T09:00", 1, U.MONTHS, "2026-03-02T17:00"),  # no 30/02: last day of Feb
    ],
)
def test_calendar_days_and_months(
    shipped: WorkingCalendar, start: str, amount: int, unit: U, due: str
) -> None:
    assert shipped.due(at(start), amount, unit) == at(due)


def test_working_time_between(shipped: WorkingCalendar) -> None:
    assert shipped.working_time_between(at("2026-02-13T16:00"), at("2026-02-23T08:00")) == (
        timedelta(hours=2)
    )
    assert shipped.working_time_between(at("2026-03-10T07:00"), at("2026-03-11T07:00")) == (
        shipped.daily_duration
    )
    assert shipped.working_time_between(at("2026-03-11T07:00"), at("2026-03-10T07:00")) == (
        -timedelta(hours=8)
    )


def test_is_working_time(shipped: WorkingCalendar) -> None:
    assert shipped.is_working_time(at("2026-03-10T07:00"))
    assert shipped.is_working_time(at("2026-03-10T11:29"))
    assert not shipped.is_working_time(at("2026-03-10T11:30"))
    assert not shipped.is_working_time(at("2026-03-10T12:00"))
    assert not shipped.is_working_time(at("2026-03-10T17:00"))
    assert not shipped.is_working_time(at("2026-02-17T09:00"))  # Tết
    assert shipped.is_working_time(at("2026-01-10T09:00"))  # làm bù
    assert shipped.is_working_time(datetime(2026, 3, 10, 2, 0, tzinfo=UTC))  # 09:00 +07


def test_results_are_in_vietnam_time(shipped: WorkingCalendar) -> None:
    due = shipped.due(datetime(2026, 2, 12, 2, 30, tzinfo=UTC), 3, U.WORKING_DAYS)
    assert due == at("2026-02-24T09:30")
    assert due.utcoffset() == timedelta(hours=7)


def test_an_agency_schedule_with_saturday_mornings() -> None:
    data = build_calendar_data(range(2026, 2028), shipped_rules(), weekdays={0, 1, 2, 3, 4, 5})
    calendar = WorkingCalendar.from_data(
        data,
        periods=((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0))),
        cutoff=time(16, 0),
    )
    assert calendar.daily_duration == timedelta(hours=8)
    assert calendar.is_working_day(date(2026, 3, 14))
    assert calendar.due(at("2026-03-13T15:30"), 1, U.WORKING_DAYS) == at("2026-03-14T15:30")
    # Giỗ Tổ 2026 falls on Sunday, the only rest day: the compensatory day is Monday.
    assert not calendar.is_working_day(date(2026, 4, 27))


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("unit", list(U))
def test_negative_amounts_are_refused(shipped: WorkingCalendar, unit: U) -> None:
    with pytest.raises(InvalidAmount, match="không được là số âm"):
        shipped.due(at("2026-03-10T09:00"), -1, unit)


@pytest.mark.parametrize("amount", [math.nan, math.inf, "3", True, None])
def test_amounts_that_are_not_numbers(shipped: WorkingCalendar, amount: object) -> None:
    with pytest.raises(InvalidAmount, match="Thời hạn"):
        shipped.due(at("2026-03-10T09:00"), amount, U.WORKING_DAYS)  # type: ignore[arg-type]


def test_fractions_of_calendar_days_and_months(shipped: WorkingCalendar) -> None:
    with pytest.raises(InvalidAmount, match="số nguyên"):
        shipped.due(at("2026-03-10T09:00"), 1.5, U.CALENDAR_DAYS)
    with pytest.raises(InvalidAmount, match="số nguyên"):
        shipped.due(at("2026-03-10T09:00"), 0.5, U.MONTHS)
    assert shipped.due(at("2026-03-10T09:00"), 2.0, U.CALENDAR_DAYS) == at("2026-03-12T17:00")


def test_naive_moments_and_unknown_units(shipped: WorkingCalendar) -> None:
    with pytest.raises(InvalidDate, match="múi giờ"):
        shipped.due(datetime(2026, 3, 10, 9), 1, U.WORKING_DAYS)
    with pytest.raises(InvalidAmount, match="Đơn vị thời hạn không hợp lệ"):
        shipped.due(at("2026-03-10T09:00"), 1, "weeks")


def test_outside_the_calendar_years(shipped: WorkingCalendar) -> None:
    with pytest.raises(OutOfRange, match="ngoài phạm vi"):
        shipped.is_working_day(date(2051, 1, 2))
    with pytest.raises(OutOfRange, match="vượt quá phạm vi"):
        shipped.due(at("2050-12-20T09:00"), 30, U.WORKING_DAYS)
    with pytest.raises(OutOfRange):
        shipped.due(at("2050-12-20T09:00"), 2, U.MONTHS)


@pytest.mark.parametrize(
    "periods",
    [(), ((time(11), time(7)),), ((time(7), time(12)), (time(11), time(17)))],
)
def test_bad_schedules(periods: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(InvalidDate):
        WorkingCalendar(first_year=2026, last_year=2026, periods=periods)
    with pytest.raises(InvalidDate, match="ít nhất một ngày làm việc"):
        WorkingCalendar(first_year=2026, last_year=2026, weekdays=())


# --- properties ----------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(TZ)
)
utc_moments = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)
minutes = st.integers(min_value=0, max_value=60 * 8 * 60)  # up to 60 working days
half_days = st.integers(min_value=0, max_value=120).map(lambda n: Fraction(n, 2))
PROPERTY = settings(max_examples=150, deadline=None)
CAL = WorkingCalendar.from_data(shipped_calendar_data())


@PROPERTY
@given(moments | utc_moments, half_days, st.sampled_from(list(U)))
def test_due_is_never_before_the_start(start: datetime, amount: Fraction, unit: U) -> None:
    if unit in (U.CALENDAR_DAYS, U.MONTHS):
        amount = Fraction(int(amount))
    assert CAL.due(start, amount, unit) >= start


@PROPERTY
@given(moments, half_days, half_days, st.sampled_from(list(U)))
def test_due_is_monotonic_in_the_amount(start: datetime, a: Fraction, b: Fraction, unit: U) -> None:
    if unit in (U.CALENDAR_DAYS, U.MONTHS):
        a, b = Fraction(int(a)), Fraction(int(b))
    small, large = sorted((a, b))
    assert CAL.due(start, small, unit) <= CAL.due(start, large, unit)


@PROPERTY
@given(moments, moments, st.integers(0, 40))
def test_due_is_monotonic_in_the_start(s1: datetime, s2: datetime, days: int) -> None:
    early, late = sorted((s1, s2))
    for unit in (U.WORKING_DAYS, U.CALENDAR_DAYS, U.SAME_DAY):
        assert CAL.due(early, days, unit) <= CAL.due(late, days, unit)


@PROPERTY
@given(moments, minutes, minutes)
def test_adding_a_then_b_working_hours_is_adding_a_plus_b(start: datetime, a: int, b: int) -> None:
    ha, hb = Fraction(a, 60), Fraction(b, 60)
    assert CAL.add_working_hours(CAL.add_working_hours(start, ha), hb) == (
        CAL.add_working_hours(start, ha + hb)
    )


@PROPERTY
@given(moments | utc_moments, minutes)
def test_working_time_between_inverts_add_working_hours(start: datetime, m: int) -> None:
    due = CAL.add_working_hours(start, Fraction(m, 60))
    assert CAL.working_time_between(start, due) == timedelta(minutes=m)


@PROPERTY
@given(moments | utc_moments, minutes)
def test_adding_whole_minutes_is_adding_their_fraction_of_hours(start: datetime, m: int) -> None:
    assert CAL.add_working_minutes(start, m) == CAL.add_working_hours(start, Fraction(m, 60))


@pytest.mark.parametrize("bad", [-1, 1.5, True, "5", None])
def test_adding_minutes_refuses_what_is_not_a_whole_number_of_minutes(bad: object) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    with pytest.raises(InvalidAmount, match="Số phút phải là số nguyên không âm"):
        CAL.add_working_minutes(start, bad)  # type: ignore[arg-type]


@PROPERTY
@given(moments, minutes)
def test_working_hour_and_day_results_land_in_working_hours(start: datetime, m: int) -> None:
    assert CAL.in_working_hours(CAL.add_working_hours(start, Fraction(m, 60)))
    assert CAL.in_working_hours(CAL.due(start, Fraction(m, 480), U.WORKING_DAYS))


@PROPERTY
@given(moments, st.integers(0, 200), st.sampled_from([U.CALENDAR_DAYS, U.MONTHS, U.SAME_DAY]))
def test_day_based_limits_end_when_a_working_day_ends(
    start: datetime, amount: int, unit: U
) -> None:
    if unit is U.MONTHS:
        amount %= 60
    due = CAL.due(start, amount, unit)
    assert CAL.is_working_day(due.date())
    assert due.time() == time(17, 0)


@st.composite
def working_moments_before_cutoff(draw: st.DrawFn) -> datetime:
    """A moment inside working time, after 07:00 and before the 15:00 cut-off (no filtering)."""
    day = CAL.next_working_day(draw(st.dates(date(2019, 1, 1), date(2026, 12, 1))))
    minute = draw(
        st.one_of(
            st.integers(7 * 60 + 1, 11 * 60 + 29),  # morning period
            # 13:30 itself is excluded: it equals 11:30 in working time, and a due moment
            # on a period boundary stays at the end of the earlier period (11:30).
            st.integers(13 * 60 + 31, 14 * 60 + 59),  # afternoon, before the cut-off
        )
    )
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=TZ)


@PROPERTY
@given(working_moments_before_cutoff())
def test_a_working_moment_plus_one_day_keeps_its_clock_time(start: datetime) -> None:
    # 07:00 is the boundary between days: 07:00 + 1 day ends at 17:00 the same day.
    assert CAL.is_working_time(start)
    due = CAL.due(start, 1, U.WORKING_DAYS)
    assert due.time() == start.time()
    assert due.date() == CAL.next_working_day(start.date(), include=False)
