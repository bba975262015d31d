"""Lunar calendar at UTC+7: fixed Tết / Giỗ Tổ dates 1990–2050, the years where Vietnam and
China differ, round-trip properties, strict validation."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest
from holidays.calendars.chinese import VIETNAMESE_CALENDAR, _ChineseLunisolar
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.common.errors import ValidationFailed
from motcua.workcalendar.lunar import (
    TZ_CHINA,
    InvalidDate,
    LunarDate,
    lunar_month_length,
    lunar_to_solar,
    solar_to_lunar,
)

# Tết Nguyên đán (1/1 âm lịch) and Giỗ Tổ Hùng Vương (10/3 âm lịch), Vietnamese calendar.
# Table of published dates (month-day), as carried by python-holidays' Vietnamese tables.
TET = {
    1990: "01-27", 1991: "02-15", 1992: "02-04", 1993: "01-23", 1994: "02-10", 1995: "01-31",
    1996: "02-19", 1997: "02-07", 1998: "01-28", 1999: "02-16", 2000: "02-05", 2001: "01-24",
    2002: "02-12", 2003: "02-01", 2004: "01-22", 2005: "02-09", 2006: "01-29", 2007: "02-17",
    2008: "02-07", 2009: "01-26", 2010: "02-14", 2011: "02-03", 2012: "01-23", 2013: "02-10",
    2014: "01-31", 2015: "02-19", 2016: "02-08", 2017: "01-28", 2018: "02-16", 2019: "02-05",
    2020: "01-25", 2021: "02-12", 2022: "02-01", 2023: "01-22", 2024: "02-10", 2025: "01-29",
    2026: "02-17", 2027: "02-06", 2028: "01-26", 2029: "02-13", 2030: "02-02", 2031: "01-23",
    2032: "02-11", 2033: "01-31", 2034: "02-19", 2035: "02-08", 2036: "01-28", 2037: "02-15",
    2038: "02-04", 2039: "01-24", 2040: "02-12", 2041: "02-01", 2042: "01-22", 2043: "02-10",
    2044: "01-30", 2045: "02-17", 2046: "02-06", 2047: "01-26", 2048: "02-14", 2049: "02-02",
    2050: "01-23",
}  # fmt: skip
GIO_TO = {
    1990: "04-05", 1991: "04-24", 1992: "04-12", 1993: "04-01", 1994: "04-20", 1995: "04-09",
    1996: "04-27", 1997: "04-16", 1998: "04-06", 1999: "04-25", 2000: "04-14", 2001: "04-03",
    2002: "04-22", 2003: "04-11", 2004: "04-28", 2005: "04-18", 2006: "04-07", 2007: "04-26",
    2008: "04-15", 2009: "04-04", 2010: "04-23", 2011: "04-12", 2012: "03-31", 2013: "04-19",
    2014: "04-09", 2015: "04-28", 2016: "04-16", 2017: "04-06", 2018: "04-25", 2019: "04-14",
    2020: "04-02", 2021: "04-21", 2022: "04-10", 2023: "04-29", 2024: "04-18", 2025: "04-07",
    2026: "04-26", 2027: "04-16", 2028: "04-04", 2029: "04-23", 2030: "04-12", 2031: "04-01",
    2032: "04-19", 2033: "04-09", 2034: "04-28", 2035: "04-17", 2036: "04-06", 2037: "04-24",
    2038: "04-13", 2039: "04-03", 2040: "04-20", 2041: "04-10", 2042: "04-29", 2043: "04-19",
    2044: "04-07", 2045: "04-26", 2046: "04-15", 2047: "04-04", 2048: "04-22", 2049: "04-11",
    2050: "04-01",
}  # fmt: skip

YEARS = range(1990, 2051)


@pytest.mark.parametrize("year", YEARS)
def test_tet_and_gio_to_match_the_published_table(year: int) -> None:
    assert lunar_to_solar(1, 1, year) == date.fromisoformat(f"{year}-{TET[year]}")
    assert lunar_to_solar(10, 3, year) == date.fromisoformat(f"{year}-{GIO_TO[year]}")
    assert solar_to_lunar(date.fromisoformat(f"{year}-{TET[year]}")) == LunarDate(year, 1, 1)


def test_python_holidays_vietnamese_tables_agree_over_1990_2050() -> None:
    vietnamese = _ChineseLunisolar(VIETNAMESE_CALENDAR)
    for year in YEARS:
        assert lunar_to_solar(1, 1, year) == vietnamese.lunar_new_year_date(year)[0]
        assert lunar_to_solar(10, 3, year) == vietnamese.hung_kings_date(year)[0]


@pytest.mark.parametrize(
    ("year", "vietnam", "china"),
    [
        (1985, date(1985, 1, 21), date(1985, 2, 20)),
        (2007, date(2007, 2, 17), date(2007, 2, 18)),
        (2030, date(2030, 2, 2), date(2030, 2, 3)),
    ],
)
def test_tet_where_vietnam_and_china_differ(year: int, vietnam: date, china: date) -> None:
    assert lunar_to_solar(1, 1, year) == vietnam
    assert lunar_to_solar(1, 1, year, tz=TZ_CHINA) == china


@pytest.mark.parametrize(
    ("year", "vietnam", "china"),
    [
        (2009, date(2009, 4, 4), date(2009, 4, 5)),
        (2037, date(2037, 4, 24), date(2037, 4, 25)),
        (2038, date(2038, 4, 13), date(2038, 4, 14)),
    ],
)
def test_gio_to_where_vietnam_and_china_differ(year: int, vietnam: date, china: date) -> None:
    assert lunar_to_solar(10, 3, year) == vietnam
    assert lunar_to_solar(10, 3, year, tz=TZ_CHINA) == china


def test_only_the_known_years_differ_between_utc7_and_utc8_in_1990_2050() -> None:
    tet = {y for y in YEARS if lunar_to_solar(1, 1, y) != lunar_to_solar(1, 1, y, tz=TZ_CHINA)}
    gio_to = {y for y in YEARS if lunar_to_solar(10, 3, y) != lunar_to_solar(10, 3, y, tz=TZ_CHINA)}
    assert tet == {2007, 2030}
    assert gio_to == {2009, 2037, 2038}


def test_the_holidays_package_uses_the_vietnamese_dates() -> None:
    assert date(2007, 2, 17) in holidays.Vietnam(years=2007)
    assert date(2030, 2, 2) in holidays.Vietnam(years=2030)


def test_leap_months() -> None:
    assert solar_to_lunar(date(2023, 3, 22)) == LunarDate(2023, 2, 1, leap=True)
    assert lunar_to_solar(1, 6, 2025, leap=True) == date(2025, 7, 25)
    assert lunar_to_solar(1, 4, 2020, leap=True) == date(2020, 5, 23)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((30, 2, 2025), "Tháng 2 âm lịch năm 2025 chỉ có 29 ngày."),
        ((30, 12, 2025), "Tháng 12 âm lịch năm 2025 chỉ có 29 ngày."),
        ((1, 2, 2025, True), "Năm 2025 âm lịch không có tháng 2 nhuận"),
        ((1, 5, 2024, True), "Năm 2024 âm lịch không có tháng nhuận."),
        ((1, 13, 2025), "Tháng âm lịch phải từ 1 đến 12"),
        ((0, 1, 2025), "Ngày âm lịch phải từ 1 đến 30"),
        ((31, 1, 2025), "Ngày âm lịch phải từ 1 đến 30"),
        ((1, 1, 1800), "Chỉ tính được âm lịch cho các năm từ 1900 đến 2199."),
    ],
)
def test_impossible_lunar_dates_are_refused_in_vietnamese(
    args: tuple[int, ...], message: str
) -> None:
    with pytest.raises(InvalidDate) as caught:
        lunar_to_solar(*args)  # type: ignore[arg-type]
    assert message in str(caught.value)
    assert isinstance(caught.value, ValidationFailed)


days_1990_2050 = st.dates(min_value=date(1990, 1, 1), max_value=date(2050, 12, 31))


@settings(max_examples=300, deadline=None)
@given(days_1990_2050)
def test_solar_lunar_solar_round_trip(day: date) -> None:
    lunar = solar_to_lunar(day)
    assert lunar_to_solar(lunar.day, lunar.month, lunar.year, lunar.leap) == day


@settings(max_examples=300, deadline=None)
@given(days_1990_2050)
def test_the_next_day_is_the_next_lunar_day_or_day_one(day: date) -> None:
    today, tomorrow = solar_to_lunar(day), solar_to_lunar(day + timedelta(days=1))
    if tomorrow.day == 1:
        assert today.day in (29, 30)
        assert today.day == lunar_month_length(today.month, today.year, today.leap)
    else:
        assert (tomorrow.year, tomorrow.month, tomorrow.leap) == (
            today.year,
            today.month,
            today.leap,
        )
        assert tomorrow.day == today.day + 1


@settings(max_examples=200, deadline=None)
@given(st.integers(1990, 2050), st.integers(1, 12))
def test_lunar_months_have_29_or_30_days(year: int, month: int) -> None:
    assert lunar_month_length(month, year) in (29, 30)


@given(st.integers(1990, 2050))
def test_tet_is_between_21_january_and_20_february(year: int) -> None:
    assert date(year, 1, 21) <= lunar_to_solar(1, 1, year) <= date(year, 2, 20)
