"""Vietnamese lunisolar calendar (âm lịch), computed for Vietnam's time zone, UTC+7.

An independent implementation of the method published by Hồ Ngọc Đức ("Thuật toán tính âm
lịch"): new moons from Meeus' series, the sun's longitude at local midnight, month 11 always
contains the winter solstice, and in a 13-month year the first month without a principal
solar term (trung khí) is the leap month. Every step depends on *local* midnight, so the
time zone matters: the Chinese calendar uses UTC+8 and differs in some years (Tết 1985, 2007,
2030; Giỗ Tổ Hùng Vương 2009, 2037, 2038). Statutory lunar holidays (Bộ luật Lao động 2019,
Điều 112 khoản 1) follow the Vietnamese calendar, so ``TZ_VIETNAM`` is the default.

Pure: no Django, no I/O. Results are cached per (solar year, time zone).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import cache

from motcua.workcalendar.errors import InvalidDate

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "TZ_CHINA",
    "TZ_VIETNAM",
    "InvalidDate",
    "LunarDate",
    "lunar_month_length",
    "lunar_to_solar",
    "solar_to_lunar",
]

TZ_VIETNAM = 7.0
TZ_CHINA = 8.0

#: Years this module accepts. The astronomical series are good for centuries around 2000;
#: the project only needs 1990–2050, so stay well inside what has been checked.
FIRST_YEAR = 1900
LAST_YEAR = 2199

_JDN_OFFSET = 1_721_425  # date.toordinal() + _JDN_OFFSET == Julian day number
_SYNODIC_MONTH = 29.530588853
_EPOCH_NEW_MOON = 2_415_021.076998695  # first new moon of 1900, in Julian days
_RAD = math.pi / 180


@dataclass(frozen=True, order=True)
class LunarDate:
    """A date of the Vietnamese lunar calendar. ``leap`` marks the leap month (tháng nhuận)."""

    year: int
    month: int
    day: int
    leap: bool = False

    def __str__(self) -> str:
        leap = " nhuận" if self.leap else ""
        return f"{self.day}/{self.month}{leap}/{self.year} âm lịch"


@dataclass(frozen=True)
class _Month:
    start: int  # Julian day number of day 1
    length: int  # 29 or 30
    number: int  # 1..12
    leap: bool
    year: int  # lunar year the month belongs to


def _new_moon(k: int) -> float:
    """Moment (Julian day, UT) of the k-th new moon after the one of 1900-01-01."""
    t = k / 1236.85
    t2 = t * t
    t3 = t2 * t
    mean = 2_415_020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    mean += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * _RAD)
    sun_anomaly = (359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3) * _RAD
    moon_anomaly = (306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3) * _RAD
    latitude = (21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3) * _RAD
    m, mp, f = sun_anomaly, moon_anomaly, latitude
    correction = (
        (0.1734 - 0.000393 * t) * math.sin(m)
        + 0.0021 * math.sin(2 * m)
        - 0.4068 * math.sin(mp)
        + 0.0161 * math.sin(2 * mp)
        - 0.0004 * math.sin(3 * mp)
        + 0.0104 * math.sin(2 * f)
        - 0.0051 * math.sin(m + mp)
        - 0.0074 * math.sin(m - mp)
        + 0.0004 * math.sin(2 * f + m)
        - 0.0004 * math.sin(2 * f - m)
        - 0.0006 * math.sin(2 * f + mp)
        + 0.0010 * math.sin(2 * f - mp)
        + 0.0005 * math.sin(2 * mp + m)
    )
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return mean + correction - delta_t


def _new_moon_day(k: int, tz: float) -> int:
    """Julian day number of the local civil day on which the k-th new moon falls."""
    return math.floor(_new_moon(k) + 0.5 + tz / 24)


def _sun_sector(jdn: int, tz: float) -> int:
    """Which 30° sector (0..11) of ecliptic longitude the sun is in at local midnight that
    starts day ``jdn``. Sector 9 starts at the winter solstice (270°)."""
    t = (jdn - 0.5 - tz / 24 - 2_451_545.0) / 36525
    t2 = t * t
    anomaly = (357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2) * _RAD
    mean_longitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    centre = (
        (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(anomaly)
        + (0.019993 - 0.000101 * t) * math.sin(2 * anomaly)
        + 0.000290 * math.sin(3 * anomaly)
    )
    longitude = ((mean_longitude + centre) * _RAD) % (2 * math.pi)
    return math.floor(longitude / math.pi * 6)


@cache
def _month_11(year: int, tz: float) -> int:
    """Julian day number of day 1 of lunar month 11 that contains the winter solstice of
    ``year``."""
    last_day = date(year, 12, 31).toordinal() + _JDN_OFFSET
    k = math.floor((last_day - 2_415_021) / _SYNODIC_MONTH)
    start = _new_moon_day(k, tz)
    if _sun_sector(start, tz) >= 9:  # the solstice has already passed: month 11 is earlier
        start = _new_moon_day(k - 1, tz)
    return start


@cache
def _solstice_year(year: int, tz: float) -> tuple[_Month, ...]:
    """The months from month 11 of ``year - 1`` up to (not including) month 11 of ``year``.

    12 months, or 13 when a leap month is needed; then the first month after month 11 whose
    span contains no principal term (the sun stays in one sector) is the leap month and
    repeats the number of the month before it.
    """
    begin = _month_11(year - 1, tz)
    end = _month_11(year, tz)
    k = math.floor(0.5 + (begin - _EPOCH_NEW_MOON) / _SYNODIC_MONTH)
    count = 13 if end - begin > 365 else 12
    starts = [_new_moon_day(k + i, tz) for i in range(count)] + [end]
    leap_at = -1
    if count == 13:
        for i in range(1, 13):
            if _sun_sector(starts[i], tz) == _sun_sector(starts[i + 1], tz):
                leap_at = i
                break
    months = []
    for i in range(count):
        position = i if leap_at < 0 or i < leap_at else i - 1
        number = (position + 10) % 12 + 1
        lunar_year = year - 1 if number >= 11 and i < 4 else year
        months.append(
            _Month(
                start=starts[i],
                length=starts[i + 1] - starts[i],
                number=number,
                leap=i == leap_at,
                year=lunar_year,
            )
        )
    return tuple(months)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidDate(f"Chỉ tính được âm lịch cho các năm từ {FIRST_YEAR} đến {LAST_YEAR}.")


def solar_to_lunar(day: date, *, tz: float = TZ_VIETNAM) -> LunarDate:
    """The lunar date of a solar (Gregorian) date, at time zone ``tz`` (hours east of UTC)."""
    _check_year(day.year)
    jdn = day.toordinal() + _JDN_OFFSET
    year = day.year + 1 if jdn >= _month_11(day.year, tz) else day.year
    months = _solstice_year(year, tz)
    index = bisect_right([m.start for m in months], jdn) - 1
    month = months[index]
    return LunarDate(month.year, month.number, jdn - month.start + 1, month.leap)


def _find_month(month: int, year: int, leap: bool, tz: float) -> _Month:
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise InvalidDate(f"Tháng âm lịch phải từ 1 đến 12 (đã nhận: {month}).")
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidDate(f"Năm âm lịch không hợp lệ: {year}.")
    _check_year(year)
    holder = year + 1 if month >= 11 else year
    for candidate in _solstice_year(holder, tz):
        if candidate.year == year and candidate.number == month and candidate.leap == leap:
            return candidate
    leap_months = [
        m.number
        for m in (*_solstice_year(year, tz), *_solstice_year(year + 1, tz))
        if m.leap and m.year == year
    ]
    if leap_months:
        raise InvalidDate(
            f"Năm {year} âm lịch không có tháng {month} nhuận "
            f"(tháng nhuận năm đó là tháng {leap_months[0]})."
        )
    raise InvalidDate(f"Năm {year} âm lịch không có tháng nhuận.")


def lunar_month_length(month: int, year: int, leap: bool = False, *, tz: float = TZ_VIETNAM) -> int:
    """29 or 30: the number of days of a lunar month. Raises :class:`InvalidDate` for a leap
    month the year does not have."""
    return _find_month(month, year, leap, tz).length


def lunar_to_solar(
    day: int, month: int, year: int, leap: bool = False, *, tz: float = TZ_VIETNAM
) -> date:
    """The solar date of a lunar date. Strict: a day the lunar month does not have (30th of a
    29-day month) or a leap month the year does not have raises :class:`InvalidDate`."""
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 30:
        raise InvalidDate(f"Ngày âm lịch phải từ 1 đến 30 (đã nhận: {day}).")
    found = _find_month(month, year, leap, tz)
    if day > found.length:
        leap_text = " nhuận" if leap else ""
        raise InvalidDate(
            f"Tháng {month}{leap_text} âm lịch năm {year} chỉ có {found.length} ngày."
        )
    return date.fromordinal(found.start + day - 1 - _JDN_OFFSET)
