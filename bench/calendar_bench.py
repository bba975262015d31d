"""Benchmark: due-date computations with the working-calendar engine vs a naive day-by-day loop.

Both compute the same thing — the due moment of "N working days" received at a random moment
of 2024–2027 (cut-off 15:00, working hours 07:00–11:30 and 13:30–17:00, the shipped holidays
and swaps) — in the same run, and every result is checked to be identical. Pure Python: no
database (the calendar is built from the shipped data, as a fresh install has it).

    bench/calendar [--n 100000] [--seed 2026]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from pathlib import Path

# This folder would shadow the standard library (e.g. a module named like it): drop it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from motcua.workcalendar.engine import TZ, WorkingCalendar  # noqa: E402
from motcua.workcalendar.rules import (  # noqa: E402
    DEFAULT_CUTOFF,
    DEFAULT_PERIODS,
    DEFAULT_WEEKDAYS,
    shipped_calendar_data,
)
from motcua.workcalendar.units import TimeLimitUnit  # noqa: E402

US_PER_HOUR = 3_600_000_000


def _tod(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


class NaiveCalendar:
    """The obvious implementation: walk day by day, period by period."""

    def __init__(self, days_off: set[date], extra: set[date]) -> None:
        self.days_off = days_off
        self.extra = extra
        self.periods = [(_tod(s), _tod(e)) for s, e in DEFAULT_PERIODS]
        self.daily = sum(e - s for s, e in self.periods)
        self.cutoff = _tod(DEFAULT_CUTOFF)

    def working(self, day: date) -> bool:
        return day in self.extra or (day.weekday() in DEFAULT_WEEKDAYS and day not in self.days_off)

    def due_working_days(self, start: datetime, days: float) -> datetime:
        local = start.astimezone(TZ)
        day = local.date()
        tod = _tod(local.time())
        if not self.working(day) or tod >= self.cutoff:
            day += timedelta(days=1)
            while not self.working(day):
                day += timedelta(days=1)
            tod = self.periods[0][0]
        remaining = round(days * self.daily)
        while True:
            if self.working(day):
                for begin, end in self.periods:
                    if tod >= end:
                        continue
                    begin = max(tod, begin)
                    available = end - begin
                    if remaining <= available:
                        midnight = datetime(day.year, day.month, day.day, tzinfo=TZ)
                        return midnight + timedelta(microseconds=begin + remaining)
                    remaining -= available
            day += timedelta(days=1)
            tod = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="computations per method")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    built = clock.perf_counter()
    data = shipped_calendar_data()
    engine = WorkingCalendar.from_data(data)
    build_ms = (clock.perf_counter() - built) * 1000
    naive = NaiveCalendar(set(data.days_off), set(data.extra_working_days))

    rng = random.Random(args.seed)
    first = datetime(2024, 1, 1, tzinfo=TZ)
    span_minutes = 4 * 365 * 24 * 60
    cases = [
        (
            first + timedelta(minutes=rng.randrange(span_minutes)),
            rng.randint(1, 60) / 2,  # ½ to 30 working days
        )
        for _ in range(args.n)
    ]

    unit = TimeLimitUnit.WORKING_DAYS
    t0 = clock.perf_counter()
    fast = [engine.due(start, amount, unit) for start, amount in cases]
    t_engine = clock.perf_counter() - t0

    t0 = clock.perf_counter()
    slow = [naive.due_working_days(start, amount) for start, amount in cases]
    t_naive = clock.perf_counter() - t0

    mismatches = sum(1 for a, b in zip(fast, slow, strict=True) if a != b)
    rate_engine = args.n / t_engine
    rate_naive = args.n / t_naive
    print(
        f"machine: {os.cpu_count()} CPU, Python {platform.python_version()}, {platform.machine()}"
    )
    print(f"calendar built in {build_ms:.1f} ms (2013–2050, {len(data.days_off)} days off)")
    print(f"cases: {args.n:,} due dates of ½–30 working days from 2024–2027 (seed {args.seed})")
    print(f"engine (index + bisect): {rate_engine:>12,.0f} computations/s  ({t_engine:.3f} s)")
    print(f"naive day-by-day loop:   {rate_naive:>12,.0f} computations/s  ({t_naive:.3f} s)")
    print(f"ratio engine/naive:      {rate_engine / rate_naive:>12.1f}×")
    print(f"identical results: {args.n - mismatches:,}/{args.n:,}")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
