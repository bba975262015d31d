"""Reads: the working calendar of an agency, built from the database.

``calendar_for`` is the one way the rest of motcua gets a :class:`WorkingCalendar`. Building
one takes a few milliseconds, so calendars are cached per process. The cache is dropped

* at once in this process when a HolidayRule, DayOverride or WorkingSchedule is saved or
  deleted (signals, connected in ``apps.py``), and
* in every other process (web workers, the task worker) within ``REVALIDATE_SECONDS``: a cheap
  fingerprint query (row counts and last update times of the three tables) is compared.
"""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Iterable
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from motcua.agencies.models import Agency
from motcua.workcalendar.engine import WorkingCalendar
from motcua.workcalendar.models import DayOverride, HolidayRule, WorkingSchedule
from motcua.workcalendar.rules import (
    DEFAULT_PERIODS,
    DEFAULT_WEEKDAYS,
    DEFAULT_YEARS,
    OverrideSpec,
    build_calendar_data,
)

REVALIDATE_SECONDS = 30.0

_lock = threading.Lock()
_cache: dict[tuple[int | None, tuple[int, ...]], WorkingCalendar] = {}
_state: dict[str, Any] = {"fingerprint": None, "checked_at": -1e18}
# Set in a thread whose open transaction changed calendar data: until it ends, calendars that
# thread builds include uncommitted rows and must not be cached.
_pending = threading.local()


def clear_cache() -> None:
    """Forget every cached calendar in this process (no database access)."""
    with _lock:
        _cache.clear()
        _state["fingerprint"] = None
        _state["checked_at"] = -1e18
    _pending.changed = False


def invalidate_calendars(**_: object) -> None:
    """Forget every cached calendar (signal receiver; also callable directly).

    Cleared now, and again after the commit (so a calendar another thread built meanwhile from
    the old data is not kept). Inside a transaction nothing built in this thread is cached
    until it ends; a rollback is noticed by the next ``calendar_for`` outside it."""
    clear_cache()
    if transaction.get_connection().in_atomic_block:
        _pending.changed = True
    transaction.on_commit(clear_cache)


def _fingerprint() -> tuple[object, ...]:
    parts: list[object] = []
    for model in (HolidayRule, DayOverride, WorkingSchedule):
        row = model.objects.aggregate(n=Count("id"), last=Max("updated_at"))
        parts.extend((row["n"], row["last"]))
    return tuple(parts)


def _revalidate() -> None:
    now = clock.monotonic()
    if now - _state["checked_at"] < REVALIDATE_SECONDS:
        return
    fingerprint = _fingerprint()
    with _lock:
        if fingerprint != _state["fingerprint"]:
            _cache.clear()
            _state["fingerprint"] = fingerprint
        _state["checked_at"] = now


def _default_cutoff() -> time:
    raw = str(getattr(settings, "MOTCUA_DEFAULT_CUTOFF", "15:00"))
    return datetime.strptime(raw, "%H:%M").time()


def schedule_for(agency: Agency | None) -> WorkingSchedule | None:
    """The agency's own schedule, else the default one (agency empty), else None."""
    if agency is not None:
        own = WorkingSchedule.objects.filter(agency=agency).first()
        if own is not None:
            return own
    return WorkingSchedule.objects.filter(agency__isnull=True).first()


def overrides_for(agency: Agency | None) -> list[OverrideSpec]:
    """All-agency overrides first, then the agency's own (which therefore win)."""
    rows = DayOverride.objects.select_related("rule").filter(agency__isnull=True)
    specs = [row.to_spec() for row in rows.order_by("date")]
    if agency is not None:
        own = DayOverride.objects.select_related("rule").filter(agency=agency)
        specs.extend(row.to_spec() for row in own.order_by("date"))
    return specs


def build_calendar(
    agency: Agency | None = None, years: Iterable[int] = DEFAULT_YEARS
) -> WorkingCalendar:
    """A fresh calendar from the database (no cache): rules + overrides + schedule."""
    schedule = schedule_for(agency)
    weekdays = schedule.weekdays() if schedule else DEFAULT_WEEKDAYS
    periods = schedule.periods() if schedule else DEFAULT_PERIODS
    cutoff = schedule.cutoff if schedule else _default_cutoff()
    rules = [rule.to_spec() for rule in HolidayRule.objects.all()]
    data = build_calendar_data(years, rules, overrides_for(agency), weekdays)
    return WorkingCalendar.from_data(data, periods=periods, cutoff=cutoff)


def calendar_for(
    agency: Agency | None = None, years: Iterable[int] = DEFAULT_YEARS
) -> WorkingCalendar:
    """The working calendar of ``agency`` (None: the default schedule) over ``years``
    (default 2013–2050), cached per process."""
    if getattr(_pending, "changed", False):
        if transaction.get_connection().in_atomic_block:
            return build_calendar(agency, years)  # sees this transaction's own changes
        clear_cache()  # the transaction ended without a commit: drop what it may have left
    _revalidate()
    key = (agency.pk if agency is not None else None, tuple(sorted(set(years))))
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    calendar = build_calendar(agency, key[1])
    with _lock:
        _cache[key] = calendar
    return calendar
