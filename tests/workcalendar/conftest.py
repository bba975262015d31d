"""Calendar fixtures: the shipped calendar without a database, and a clean selector cache
(test transactions roll back without signals, so each test starts from an empty cache)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from motcua.workcalendar.engine import WorkingCalendar
from motcua.workcalendar.rules import shipped_calendar_data
from motcua.workcalendar.selectors import clear_cache

_SHIPPED: list[WorkingCalendar] = []


@pytest.fixture
def shipped() -> WorkingCalendar:
    """The calendar of a fresh install, built from the shipped JSON (pure, no database)."""
    if not _SHIPPED:
        _SHIPPED.append(WorkingCalendar.from_data(shipped_calendar_data()))
    return _SHIPPED[0]


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()
