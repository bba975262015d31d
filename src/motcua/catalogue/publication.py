"""Publication deadlines of a procedure (QĐ 766/QĐ-TTg indicators 1.1 and 1.2, rules.md §4.2,
group 1 — the province's figures), in working days of a ``WorkingCalendar``. Pure: no database.

* 1.1: the publication decision (QĐ công bố) must be dated ≤ the latest effective date of the
  legal bases minus 5 working days (20 for a ministry).
* 1.2: the procedure must be made public ("công khai") on the national procedure database
  ≤ 5 working days (10 for a ministry) after the decision's date; the count starts the day after
  the decision (BLDS 2015 Điều 147).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from motcua.workcalendar.engine import WorkingCalendar
from motcua.workcalendar.errors import OutOfRange

#: Working days for a province (rules.md §4.2: 20 for ministries on 1.1, 10 on 1.2).
DECISION_LEAD_DAYS = 5
PUBLIC_WITHIN_DAYS = 5


def working_days_before(cal: WorkingCalendar, day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day before ``day`` (``day`` itself not counted)."""
    count = 0
    while count < n:
        day -= dt.timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    return day


def working_days_after(cal: WorkingCalendar, day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day`` (the count starts the next day, BLDS Điều 147)."""
    count = 0
    while count < n:
        day += dt.timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    return day


def decision_deadline(
    cal: WorkingCalendar, effective_dates: Iterable[dt.date | None]
) -> dt.date | None:
    """QĐ 766 1.1: the last day a province may date the decision — the latest effective date of
    the legal bases minus 5 working days; ``None`` when no basis has a date (or it lies outside
    the calendar's years)."""
    dates = [d for d in effective_dates if d is not None]
    if not dates:
        return None
    try:
        return working_days_before(cal, max(dates), DECISION_LEAD_DAYS)
    except OutOfRange:
        return None


def public_deadline(cal: WorkingCalendar, decision_date: dt.date) -> dt.date | None:
    """QĐ 766 1.2: the last day to make the procedure public — 5 working days after the
    decision's date; ``None`` outside the calendar's years."""
    try:
        return working_days_after(cal, decision_date, PUBLIC_WITHIN_DAYS)
    except OutOfRange:
        return None
