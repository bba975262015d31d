"""Which days civil servants are off: statutory holidays, compensatory days, the Prime
Minister's yearly decisions. Pure: no ORM; the selectors feed it rows from the database, the
tests and the benchmark feed it the shipped JSON data.

The rules implemented here:

* **Statutory holidays** — Bộ luật Lao động 2012, Điều 115 khoản 1 (until 31/12/2020: Tết
  Dương lịch 1/1, Tết Âm lịch 5 days, Giỗ Tổ Hùng Vương 10/3 âm lịch, 30/4, 1/5, Quốc khánh
  2/9 one day) and Bộ luật Lao động 2019, Điều 112 khoản 1 (from 01/01/2021: the same, but
  Quốc khánh two days: 2/9 and an adjacent day). Lunar dates are computed at UTC+7
  (:mod:`motcua.workcalendar.lunar`).
* **The Prime Minister's decision** — BLLĐ 2019 Điều 112 khoản 3: the concrete Tết days and
  the second Quốc khánh day are decided each year. A rule marked ``decided_yearly`` uses the
  decided days of a year when they have been entered, and its default pattern otherwise
  (Tết: the last day of the lunar year and the first four days of the new year; Quốc khánh:
  1/9 and 2/9) — a provisional answer until the decision is published.
* **Compensatory days (nghỉ bù)** — BLLĐ 2019 Điều 111 khoản 3 (BLLĐ 2012 Điều 115 khoản 3):
  a holiday that falls on the weekly rest day gives the next working day off. With several
  holidays in a row the compensatory days follow the run, in date order.
* **Swaps and other overrides** — the yearly swap of a working day sandwiched between days off
  for a Saturday worked instead (hoán đổi / làm bù), agreed by the Prime Minister through a
  Government Office letter; and any day an administrator marks off or working. Overrides
  are applied last, so they win over everything else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

from motcua.workcalendar.errors import InvalidDate
from motcua.workcalendar.lunar import lunar_month_length, lunar_to_solar

#: Monday..Friday (``date.weekday()`` numbers): civil servants rest on Saturday and Sunday
#: (Quyết định 188/1999/QĐ-TTg, chế độ tuần làm việc 40 giờ).
DEFAULT_WEEKDAYS: frozenset[int] = frozenset({0, 1, 2, 3, 4})
#: 07:00–11:30 and 13:30–17:00: the usual office hours of a provincial service centre.
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(7, 0), time(11, 30)),
    (time(13, 30), time(17, 0)),
)
#: Paper dossiers received after 15:00 count from the next working day (Nghị định 118/2025
#: Điều 18 khoản 2).
DEFAULT_CUTOFF = time(15, 0)
#: Years the statutory rules cover (BLLĐ 2012 from 2013) up to the horizon of due dates.
DEFAULT_YEARS = range(2013, 2051)

WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
COMPENSATORY_PREFIX = "Nghỉ bù"


class CalendarKind(StrEnum):
    SOLAR = "solar"
    LUNAR = "lunar"


@dataclass(frozen=True)
class HolidayRuleSpec:
    """A statutory holiday: ``days`` days off starting ``offset`` days after the anchor
    ``day/month`` of the solar or lunar calendar, valid ``first_year``..``last_year``."""

    code: str
    name: str
    calendar: CalendarKind
    month: int
    day: int
    days: int = 1
    offset: int = 0
    first_year: int = 2013
    last_year: int | None = None
    compensatory: bool = True
    decided_yearly: bool = False
    legal_basis: str = ""

    def applies_to(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)

    def anchor(self, year: int) -> date:
        """The anchor date in solar ``year``. A lunar anchor on the 30th of a month that has
        29 days that year falls back to the 29th (the last day of the month)."""
        if self.calendar is CalendarKind.LUNAR:
            day = min(self.day, lunar_month_length(self.month, year))
            return lunar_to_solar(day, self.month, year)
        try:
            return date(year, self.month, self.day)
        except ValueError as exc:
            raise InvalidDate(
                f"Ngày lễ “{self.name}”: ngày {self.day}/{self.month} không có trong năm {year}."
            ) from exc

    def default_dates(self, year: int) -> list[date]:
        start = self.anchor(year) + timedelta(days=self.offset)
        return [start + timedelta(days=i) for i in range(self.days)]


@dataclass(frozen=True)
class OverrideSpec:
    """One day decided by a text, not by a rule.

    ``rule`` set: the day is one of the concrete days of that holiday decided for the year
    (BLLĐ 2019 Điều 112 khoản 3) — it is a holiday, so compensatory days apply. ``rule``
    empty: a plain day off (``working`` false: nghỉ hoán đổi, a local day off) or a working
    day (``working`` true: làm bù on a Saturday)."""

    day: date
    working: bool
    reason: str
    source: str = ""
    rule: str | None = None


@dataclass(frozen=True)
class CalendarData:
    """The days that differ from the weekly pattern, with the reason shown to people."""

    first_year: int
    last_year: int
    weekdays: frozenset[int]
    days_off: Mapping[date, str] = field(default_factory=dict)
    extra_working_days: Mapping[date, str] = field(default_factory=dict)


def build_calendar_data(
    years: Iterable[int],
    rules: Iterable[HolidayRuleSpec],
    overrides: Sequence[OverrideSpec] = (),
    weekdays: Iterable[int] = DEFAULT_WEEKDAYS,
) -> CalendarData:
    """Days off and extra working days for ``years``.

    ``overrides`` are applied in order: put the all-agency rows first and an agency's own rows
    after them, so the agency's rows win on the same date.
    """
    year_list = sorted(set(years))
    if not year_list:
        raise InvalidDate("Cần ít nhất một năm để lập lịch làm việc.")
    first, last = year_list[0], year_list[-1]
    work = frozenset(weekdays)
    rule_list = list(rules)

    decided: dict[tuple[str, int], list[date]] = {}
    plain: list[OverrideSpec] = []
    for item in overrides:
        if item.rule is not None and not item.working:
            decided.setdefault((item.rule, item.day.year), []).append(item.day)
        else:
            plain.append(item)

    holidays: dict[date, HolidayRuleSpec] = {}
    for year in year_list:
        for rule in rule_list:
            if not rule.applies_to(year):
                continue
            if rule.decided_yearly and (rule.code, year) in decided:
                days = decided[(rule.code, year)]
            else:
                days = rule.default_dates(year)
            for day in days:
                holidays.setdefault(day, rule)

    days_off: dict[date, str] = {day: rule.name for day, rule in holidays.items()}
    # BLLĐ 2019 Điều 111 khoản 3: a holiday on the weekly rest day → the next working day.
    taken: set[date] = set()
    for day in sorted(holidays):
        rule = holidays[day]
        if day.weekday() in work or not rule.compensatory:
            continue
        candidate = day + timedelta(days=1)
        while candidate.weekday() not in work or candidate in holidays or candidate in taken:
            candidate += timedelta(days=1)
        taken.add(candidate)
        days_off.setdefault(candidate, f"{COMPENSATORY_PREFIX} {rule.name}")

    extra_working: dict[date, str] = {}
    for item in plain:
        if not first <= item.day.year <= last:
            continue
        if item.working:
            days_off.pop(item.day, None)
            if item.day.weekday() not in work:
                extra_working[item.day] = item.reason
        else:
            extra_working.pop(item.day, None)
            days_off[item.day] = item.reason
    days_off = {d: r for d, r in days_off.items() if first <= d.year <= last}
    return CalendarData(first, last, work, days_off, extra_working)


# --- The shipped data -------------------------------------------------------------------


def _read_json(name: str) -> Any:
    text = resources.files("motcua.workcalendar").joinpath("data", name).read_text("utf-8")
    return json.loads(text)


def rule_from_dict(raw: Mapping[str, Any]) -> HolidayRuleSpec:
    return HolidayRuleSpec(
        code=raw["code"],
        name=raw["name"],
        calendar=CalendarKind(raw["calendar"]),
        month=raw["month"],
        day=raw["day"],
        days=raw["days"],
        offset=raw["offset"],
        first_year=raw["first_year"],
        last_year=raw["last_year"],
        compensatory=raw["compensatory"],
        decided_yearly=raw["decided_yearly"],
        legal_basis=raw["legal_basis"],
    )


@lru_cache(maxsize=1)
def shipped_rules() -> tuple[HolidayRuleSpec, ...]:
    """The statutory holiday rules shipped in ``data/rules.json``."""
    return tuple(rule_from_dict(raw) for raw in _read_json("rules.json")["rules"])


@lru_cache(maxsize=1)
def shipped_announcements() -> tuple[OverrideSpec, ...]:
    """The announced decisions of 2019–2026 shipped in ``data/announced.json``."""
    items: list[OverrideSpec] = []
    for block in _read_json("announced.json")["years"].values():
        for holiday in block["holidays"]:
            for raw_day in holiday["dates"]:
                items.append(
                    OverrideSpec(
                        day=date.fromisoformat(raw_day),
                        working=False,
                        reason="",
                        source=holiday["source"],
                        rule=holiday["rule"],
                    )
                )
        for raw in block["overrides"]:
            items.append(
                OverrideSpec(
                    day=date.fromisoformat(raw["date"]),
                    working=raw["working"],
                    reason=raw["reason"],
                    source=raw["source"],
                )
            )
    return tuple(items)


def shipped_calendar_data(years: Iterable[int] = DEFAULT_YEARS) -> CalendarData:
    """The calendar of a fresh install (what the data migration seeds), without a database."""
    return build_calendar_data(years, shipped_rules(), shipped_announcements())
