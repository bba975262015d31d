"""Clock arithmetic of a dossier. Pure: a :class:`WorkingCalendar` and plain values in, moments
out; no database. The services call these and record their inputs in ``ClockEvent`` rows, so
:func:`replay_due` can recompute a dossier's due moment from its history (the invariant the
tests check: ``replay_due(events) == dossier.due_at``).

Rules (rules.md §1.6–1.7):

* **start** — full, valid acceptance starts the time limit (NĐ 118/2025/NĐ-CP Điều 17 khoản 3),
  computed by the calendar with the procedure's cut-off (Điều 18 khoản 2);
* **pause / resume** — while the applicant owes a financial obligation the clock stops, and the
  due moment moves later by the working time paused (Điều 24; QĐ 766 2.1 subtracts waiting time);
* **restart** — a full supplement after appraisal counts the whole time limit again from the
  supplement moment (Điều 19 khoản 5: "tính lại từ đầu");
* **extend** — the single new date of the apology letter (Điều 19 khoản 6), given explicitly;
* **correction** — an erroneous result is corrected within 3 working days (Điều 23 khoản 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from django.utils import timezone

from motcua.workcalendar.engine import WorkingCalendar

_US_PER_HOUR = 3_600_000_000


@dataclass(frozen=True)
class Limit:
    """A time limit: ``value`` ``unit`` (catalogue ``TimeLimitUnit``) with a cut-off hour."""

    value: Decimal
    unit: str
    cutoff: dt.time | None = None


class ClockEventLike(Protocol):
    kind: str
    at: dt.datetime
    due_after: dt.datetime | None
    limit_value: Decimal | None
    limit_unit: str
    limit_cutoff: dt.time | None


def due_from(calendar: WorkingCalendar, start: dt.datetime, limit: Limit) -> dt.datetime:
    """The due moment of ``limit`` counted from ``start`` (cut-off applied by the calendar)."""
    return calendar.due(start, limit.value, limit.unit, limit.cutoff)


def working_hours(calendar: WorkingCalendar, start: dt.datetime, end: dt.datetime) -> Fraction:
    """Working time from ``start`` to ``end`` in hours, exactly (negative if ``end`` < start)."""
    delta = calendar.working_time_between(start, end)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Fraction(micros, _US_PER_HOUR)


def push(
    calendar: WorkingCalendar, due: dt.datetime, paused_from: dt.datetime, at: dt.datetime
) -> dt.datetime:
    """``due`` moved later by the working time between ``paused_from`` and ``at`` (a resume)."""
    hours = working_hours(calendar, paused_from, at)
    if hours <= 0:
        return due
    return calendar.add_working_hours(due, hours)


def working_days_elapsed(
    calendar: WorkingCalendar, received_at: dt.datetime, at: dt.datetime, cutoff: dt.time | None
) -> int:
    """Whole working days begun since the clock started (ceil), for "no later than N working
    days after reception" (Điều 19 khoản 5): 2 h into the 4th day counts as 4."""
    start = calendar.reception(received_at, cutoff)
    delta = calendar.working_time_between(start, at)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if micros <= 0:
        return 0
    # ceil(micros / daily_us) in integers: the hours (micros / 1 h) over a day's hours
    # (daily_us / 1 h), without the Fraction arithmetic (called at every step).
    return -(-micros // calendar.daily_us)


def local_day(moment: dt.datetime) -> dt.date:
    """The date of ``moment`` in the project's zone (``settings.TIME_ZONE``): what
    ``timezone.localtime(moment).date()`` gives — the project never activates another zone —
    without asgiref's thread-local lookup (a hot path of the services and the simulator)."""
    if moment.tzinfo is None:
        raise ValueError("localtime() cannot be applied to a naive datetime")
    return moment.astimezone(timezone.get_default_timezone()).date()


def classify(end: dt.datetime, due: dt.datetime) -> str:
    """QĐ 766/QĐ-TTg indicator 2.1 (rules.md §4.2): ``end ≤ due`` is on time, a day before the
    due day is early, after the due moment is late. Returns a ``Timeliness`` value."""
    if end > due:
        return "late"
    if local_day(end) < local_day(due):
        return "early"
    return "on_time"


_FRACTIONS: dict[Decimal, Fraction] = {}


def _fraction(value: Decimal) -> Fraction:
    """``Fraction(value)``, remembered (step shares are a handful of values)."""
    found = _FRACTIONS.get(value)
    if found is None:
        found = Fraction(value)
        if len(_FRACTIONS) < 10_000:
            _FRACTIONS[value] = found
    return found


def split_remaining(
    calendar: WorkingCalendar,
    at: dt.datetime,
    due: dt.datetime,
    share: Decimal,
    remaining_shares: Decimal,
) -> dt.datetime:
    """The due moment of a step entered at ``at``: its share of the working time left until the
    dossier's due moment, among the shares of the steps still to come (itself included). The last
    step therefore ends exactly at the dossier's due moment, and a late earlier step squeezes the
    later ones instead of pushing the dossier past its due moment."""
    delta = calendar.working_time_between(at, due)
    left_us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if left_us <= 0 or remaining_shares <= 0:
        return due
    if share >= remaining_shares:  # the portion would be the whole time left (or more)
        return due
    # left × share / remaining_shares hours, as one exact fraction (called at every step).
    s, r = _fraction(share), _fraction(remaining_shares)
    portion = Fraction(
        left_us * s.numerator * r.denominator, _US_PER_HOUR * s.denominator * r.numerator
    )
    return calendar.add_working_hours(at, portion)


def replay_due(events: Iterable[ClockEventLike], calendar: WorkingCalendar) -> dt.datetime | None:
    """Recompute the current due moment from a dossier's clock events (ordered by ``seq``).

    ``start``/``restart``/``correction`` compute the due moment from the limit recorded on the
    event (or take ``due_after`` when the officer set it by hand: no limit recorded);
    ``pause``/``resume`` push it by the working time paused; ``extend`` takes the new date;
    ``stop`` and the online breaches leave it as it is.
    """
    due: dt.datetime | None = None
    paused_from: dt.datetime | None = None
    for event in events:
        kind = event.kind
        if kind in ("start", "restart", "correction"):
            if event.limit_value is not None and event.limit_unit:
                limit = Limit(event.limit_value, event.limit_unit, event.limit_cutoff)
                due = due_from(calendar, event.at, limit)
            else:
                due = event.due_after
            paused_from = None
        elif kind == "pause":
            paused_from = event.at
        elif kind == "resume":
            if due is not None and paused_from is not None:
                due = push(calendar, due, paused_from, event.at)
            paused_from = None
        elif kind == "extend":
            due = event.due_after
    return due
