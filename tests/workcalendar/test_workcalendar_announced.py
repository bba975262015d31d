"""Every day of 2019–2026 against the days off the government announced.

The table below is written from the announcements themselves (Công văn 6519/VPCP-KGVX 2018;
the 2020 notice; Thông báo 4875/TB-LĐTBXH; Công văn 245/VPCP-KGVX 2022; Công văn
8056/VPCP-KGVX 2022; Thông báo 5015/TB-LĐTBXH and Công văn 2450/VPCP-KGVX; Thông báo
6150/TB-LĐTBXH; Thông báo 9441/TB-BNV and Công văn 12729/VPCP-KGVX), not from the shipped data
file: it lists the weekdays (Monday–Friday) off — holidays, compensatory days (BLLĐ Điều 111
khoản 3) and swapped days — and the Saturdays worked instead.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from motcua.workcalendar.engine import WorkingCalendar
from motcua.workcalendar.selectors import calendar_for

WEEKDAYS_OFF = {
    2019: "01-01 02-04 02-05 02-06 02-07 02-08 04-15 04-29 04-30 05-01 09-02",
    2020: "01-01 01-23 01-24 01-27 01-28 01-29 04-02 04-30 05-01 09-02",
    2021: "01-01 02-10 02-11 02-12 02-15 02-16 04-21 04-30 05-03 09-02 09-03",
    2022: "01-03 01-31 02-01 02-02 02-03 02-04 04-11 05-02 05-03 09-01 09-02",
    2023: "01-02 01-20 01-23 01-24 01-25 01-26 05-01 05-02 05-03 09-01 09-04",
    2024: "01-01 02-08 02-09 02-12 02-13 02-14 04-18 04-29 04-30 05-01 09-02 09-03",
    2025: "01-01 01-27 01-28 01-29 01-30 01-31 04-07 04-30 05-01 05-02 09-01 09-02",
    2026: "01-01 01-02 02-16 02-17 02-18 02-19 02-20 04-27 04-30 05-01 08-31 09-01 09-02",
}
SATURDAYS_WORKED = {
    2019: "01-05 05-04",
    2024: "05-04",
    2025: "04-26",
    2026: "01-10 08-22",
}


def _expected(year: int) -> dict[date, bool]:
    off = {date.fromisoformat(f"{year}-{md}") for md in WEEKDAYS_OFF[year].split()}
    worked = {date.fromisoformat(f"{year}-{md}") for md in SATURDAYS_WORKED.get(year, "").split()}
    result = {}
    day = date(year, 1, 1)
    while day.year == year:
        result[day] = day in worked or (day.weekday() < 5 and day not in off)
        day += timedelta(days=1)
    return result


def _check_year(calendar: WorkingCalendar, year: int) -> None:
    expected = _expected(year)
    actual = {day: working for day, working, _ in calendar.year_days(year)}
    wrong = {d: (actual[d], expected[d]) for d in expected if actual[d] != expected[d]}
    assert not wrong, f"{year}: (calendar, announced) differ on {wrong}"


@pytest.mark.parametrize("year", range(2019, 2027))
def test_shipped_calendar_matches_the_announcements(shipped: WorkingCalendar, year: int) -> None:
    _check_year(shipped, year)


@pytest.mark.django_db
def test_database_calendar_matches_the_announcements() -> None:
    calendar = calendar_for()
    for year in range(2019, 2027):
        _check_year(calendar, year)


@pytest.mark.parametrize(
    ("day", "working", "reason"),
    [
        ("2026-01-01", False, "Tết Dương lịch"),
        ("2026-02-17", False, "Tết Nguyên đán"),
        ("2026-04-26", False, "Giỗ Tổ Hùng Vương"),
        ("2026-04-27", False, "Nghỉ bù Giỗ Tổ Hùng Vương"),
        ("2026-04-30", False, "Ngày Chiến thắng"),
        ("2026-05-01", False, "Ngày Quốc tế Lao động"),
        ("2026-09-02", False, "Quốc khánh"),
        ("2026-01-02", False, "Nghỉ hoán đổi (làm bù thứ Bảy 10/01/2026)"),
        ("2026-01-10", True, "Làm bù (nghỉ thứ Sáu 02/01/2026)"),
        ("2026-01-03", False, "Thứ Bảy"),
        ("2026-01-04", False, "Chủ nhật"),
        ("2026-01-05", True, ""),
        ("2020-01-28", False, "Nghỉ bù Tết Nguyên đán"),
        ("2023-09-04", False, "Nghỉ bù Quốc khánh"),
        ("2022-01-03", False, "Nghỉ bù Tết Dương lịch"),
        ("2019-09-02", False, "Quốc khánh"),
        ("2019-09-03", True, ""),
    ],
)
def test_reasons_are_in_vietnamese(
    shipped: WorkingCalendar, day: str, working: bool, reason: str
) -> None:
    d = date.fromisoformat(day)
    assert shipped.is_working_day(d) is working
    assert shipped.day_reason(d) == reason


def test_python_holidays_agrees_except_where_it_is_known_to_differ(
    shipped: WorkingCalendar,
) -> None:
    """python-holidays lists days off, not worked Saturdays; it misses the 02/01/2026 swap
    (Công văn 12729/VPCP-KGVX, 25/12/2025) and already lists 24/11/2026 (Ngày Văn hóa Việt
    Nam), which is a policy (Nghị quyết 80-NQ/TW) not yet in the Labour Code."""
    known = {date(2026, 1, 2), date(2026, 11, 24)}
    vietnam = holidays.Vietnam(years=range(2019, 2027))
    for year in range(2019, 2027):
        for day, working, _ in shipped.year_days(year):
            if day.weekday() >= 5 or day in known:
                continue
            assert working == (day not in vietnam), day
