"""Writes: what an administrator (or a script) changes in the calendar. Each validates the row
(``full_clean``) and saves it; saving drops the cached calendars (signals in ``apps.py``)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from motcua.agencies.models import Agency
from motcua.common.errors import ValidationFailed
from motcua.workcalendar.models import DayOverride, HolidayRule
from motcua.workcalendar.rules import WEEKDAY_NAMES


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@transaction.atomic
def day_override_set(
    *,
    day: date,
    working: bool,
    reason: str = "",
    legal_source: str = "",
    agency: Agency | None = None,
    rule: HolidayRule | None = None,
) -> DayOverride:
    """Mark ``day`` off (``working`` false: nghỉ hoán đổi, local day off; with ``rule``: a day of
    that holiday decided by the Prime Minister, BLLĐ 2019 Điều 112 khoản 3) or working
    (``working`` true: làm bù), for every agency or for one. Replaces an existing override of
    the same date and scope."""
    if not reason and rule is None:
        reason = "Làm bù" if working else "Nghỉ"
    existing = DayOverride.objects.select_for_update().filter(date=day, agency=agency).first()
    row = existing or DayOverride(date=day, agency=agency)
    row.working = working
    row.reason = reason
    row.legal_source = legal_source
    row.rule = rule
    try:
        row.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(_message(exc)) from exc
    row.save()
    return row


def day_off_add(
    day: date, reason: str, *, legal_source: str = "", agency: Agency | None = None
) -> DayOverride:
    """A day off that no rule gives (e.g. a swapped day, nghỉ hoán đổi)."""
    return day_override_set(
        day=day, working=False, reason=reason, legal_source=legal_source, agency=agency
    )


def working_day_add(
    day: date, reason: str = "", *, legal_source: str = "", agency: Agency | None = None
) -> DayOverride:
    """A rest day worked instead (làm bù), usually a Saturday."""
    reason = reason or f"Làm bù ({WEEKDAY_NAMES[day.weekday()]} {day:%d/%m/%Y})"
    return day_override_set(
        day=day, working=True, reason=reason, legal_source=legal_source, agency=agency
    )


@transaction.atomic
def holiday_rule_add(
    *,
    code: str,
    name: str,
    calendar: str,
    month: int,
    day: int,
    first_year: int,
    days: int = 1,
    offset: int = 0,
    last_year: int | None = None,
    compensatory: bool = True,
    decided_yearly: bool = False,
    legal_basis: str = "",
) -> HolidayRule:
    """A new holiday rule (e.g. a holiday added to BLLĐ Điều 112 by a future amendment)."""
    rule = HolidayRule(
        code=code,
        name=name,
        calendar=calendar,
        month=month,
        day=day,
        first_year=first_year,
        days=days,
        offset=offset,
        last_year=last_year,
        compensatory=compensatory,
        decided_yearly=decided_yearly,
        legal_basis=legal_basis,
    )
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(_message(exc)) from exc
    rule.save()
    return rule
