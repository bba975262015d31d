"""Due-date arithmetic on a working calendar. Pure and fast: built once from the days off, the
extra working days, the working weekdays and the daily working periods; no database access.

Conventions (see ``docs/calendar.md``):

* **Time zone.** Every moment is timezone-aware and is read in Asia/Ho_Chi_Minh (UTC+7, no
  daylight saving); results are returned in that zone. A naive datetime is refused.
* **Working time** is the union of the daily working periods of working days, half-open:
  ``07:00 <= t < 11:30``. :meth:`WorkingCalendar.is_working_time` answers that.
* **Working hours** are counted along working time only, to the microsecond. A due moment that
  lands exactly on the end of a period *stays there* (11:30, 17:00) instead of jumping to the
  start of the next period: the dossier is due by the close of that session.
* **One working day = the schedule's daily working duration** (8 hours by default), so N
  working days from a moment is that moment's clock time N working days later, and fractions
  work: "không quá 1/2 ngày làm việc" = 4 working hours (half-day resolution, rules.md §1.7).
* **Cut-off.** A reception at or after the cut-off hour (default 15:00) — or on a day off —
  counts from the start of the next working day (Nghị định 118/2025/NĐ-CP Điều 18 khoản 2;
  Luật Hộ tịch 2014 Điều 5 khoản 3 for "same day" results). It applies to working days,
  same-day, calendar-day and month limits; working-hour limits (online dossiers: accept or
  ask for more within 8 working hours) count from the moment itself unless a cut-off is
  passed explicitly.
* **Calendar days and months** follow Bộ luật Dân sự 2015: the day of reception is not
  counted (Điều 147 khoản 2); the limit ends at the end of the last day (Điều 148 khoản 1),
  on the corresponding day of the last month or that month's last day (Điều 148 khoản 3);
  when the last day is a day off, at the end of the next working day (Điều 148 khoản 5).
  "End of the day" is the end of the last working period (17:00), when the office closes.
* **Same day** ("trong ngày làm việc"): due at the end of the working day of reception;
  received after the cut-off → the end of the next working day.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from motcua.workcalendar.errors import InvalidAmount, InvalidDate, OutOfRange
from motcua.workcalendar.rules import (
    DEFAULT_CUTOFF,
    DEFAULT_PERIODS,
    DEFAULT_WEEKDAYS,
    WEEKDAY_NAMES,
    CalendarData,
)
from motcua.workcalendar.units import TimeLimitUnit

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
#: Pass as ``cutoff`` to count a reception from its own moment whatever the hour.
NO_CUTOFF = time.max

_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR

Amount = int | float | Decimal | Fraction


def _tod(value: time | datetime) -> int:
    """Microseconds since midnight."""
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _check_amount(amount: Amount, *, integral: bool = False) -> float:
    kind = type(amount)
    if kind is int:  # the usual case, by exact type (bool is not int here)
        if amount < 0:
            raise InvalidAmount(f"Thời hạn không được là số âm (đã nhận: {amount}).")
        return float(amount)
    if kind is Fraction and not integral and amount.numerator >= 0:  # type: ignore[union-attr]
        return float(amount)
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal | Fraction):
        raise InvalidAmount(f"Thời hạn phải là một số (đã nhận: {amount!r}).")
    value = float(amount)
    if not math.isfinite(value):
        raise InvalidAmount("Thời hạn phải là một số hữu hạn.")
    if value < 0:
        raise InvalidAmount(f"Thời hạn không được là số âm (đã nhận: {amount}).")
    if integral and value != int(value):
        raise InvalidAmount(
            f"Thời hạn tính bằng ngày hoặc tháng phải là số nguyên (đã nhận: {amount})."
        )
    return value


class WorkingCalendar:
    """Working days and hours of one schedule over a range of years.

    Built once (a sorted index of working days + the daily periods), then every operation is
    O(log n) at most: no day-by-day loops. A moment maps to a *position*: microseconds of
    working time since the first working day of the range; adding working time is adding to
    the position and mapping back.
    """

    def __init__(
        self,
        *,
        first_year: int,
        last_year: int,
        days_off: Mapping[date, str] | None = None,
        extra_working_days: Mapping[date, str] | None = None,
        weekdays: Iterable[int] = DEFAULT_WEEKDAYS,
        periods: Sequence[tuple[time, time]] = DEFAULT_PERIODS,
        cutoff: time = DEFAULT_CUTOFF,
    ) -> None:
        if last_year < first_year:
            raise InvalidDate("Năm cuối của lịch phải sau năm đầu.")
        self.first_year = first_year
        self.last_year = last_year
        self.weekdays = frozenset(weekdays)
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise InvalidDate("Cần ít nhất một ngày làm việc trong tuần (0 = thứ Hai … 6 = CN).")
        self.days_off: dict[date, str] = dict(days_off or {})
        self.extra_working_days: dict[date, str] = dict(extra_working_days or {})
        self.periods = tuple(periods)
        self.cutoff = cutoff
        self._periods_us = self._check_periods(self.periods)
        self.daily_us = sum(end - start for start, end, _ in self._periods_us)
        self._day_end = self._periods_us[-1][1]
        self._first_start = self._periods_us[0][0]
        self._cutoff_us = min(_tod(cutoff), self._day_end)

        first = date(first_year, 1, 1).toordinal()
        last = date(last_year, 12, 31).toordinal()
        self._first_ord, self._last_ord = first, last
        off = {d.toordinal() for d in self.days_off}
        extra = {d.toordinal() for d in self.extra_working_days}
        ords = [
            o
            for o in range(first, last + 1)
            if o in extra or (o not in off and (o - 1) % 7 in self.weekdays)
        ]
        if not ords:
            raise InvalidDate("Lịch không có ngày làm việc nào.")
        self._ords = ords
        self._index = {o: i for i, o in enumerate(ords)}
        self._midnights = [datetime.fromordinal(o).replace(tzinfo=TZ) for o in ords]

    @classmethod
    def from_data(
        cls,
        data: CalendarData,
        *,
        periods: Sequence[tuple[time, time]] = DEFAULT_PERIODS,
        cutoff: time = DEFAULT_CUTOFF,
    ) -> WorkingCalendar:
        return cls(
            first_year=data.first_year,
            last_year=data.last_year,
            days_off=data.days_off,
            extra_working_days=data.extra_working_days,
            weekdays=data.weekdays,
            periods=periods,
            cutoff=cutoff,
        )

    @staticmethod
    def _check_periods(periods: Sequence[tuple[time, time]]) -> list[tuple[int, int, int]]:
        if not periods:
            raise InvalidDate("Cần ít nhất một khoảng giờ làm việc trong ngày.")
        result: list[tuple[int, int, int]] = []
        before = 0
        previous_end = -1
        for start, end in periods:
            s, e = _tod(start), _tod(end)
            if s >= e:
                raise InvalidDate(
                    f"Giờ làm việc {start:%H:%M}–{end:%H:%M}: giờ bắt đầu phải trước giờ kết thúc."
                )
            if s < previous_end:
                raise InvalidDate("Các khoảng giờ làm việc phải theo thứ tự và không chồng nhau.")
            result.append((s, e, before))
            before += e - s
            previous_end = e
        return result

    # --- days -----------------------------------------------------------------------------

    def _check_ord(self, ordinal: int) -> None:
        if not self._first_ord <= ordinal <= self._last_ord:
            raise OutOfRange(
                f"Ngày {_fmt(date.fromordinal(ordinal))} nằm ngoài phạm vi lịch làm việc "
                f"({self.first_year}–{self.last_year})."
            )

    def is_working_day(self, day: date) -> bool:
        ordinal = day.toordinal()
        self._check_ord(ordinal)
        return ordinal in self._index

    def day_reason(self, day: date) -> str:
        """Why a day is off (or why a rest day is worked); empty for an ordinary working day."""
        self._check_ord(day.toordinal())
        if day in self.extra_working_days:
            return self.extra_working_days[day]
        if day in self.days_off:
            return self.days_off[day]
        if day.weekday() not in self.weekdays:
            return WEEKDAY_NAMES[day.weekday()]
        return ""

    def year_days(self, year: int) -> list[tuple[date, bool, str]]:
        """Every date of ``year`` with whether it is a working day and the reason."""
        day = date(year, 1, 1)
        result = []
        while day.year == year:
            result.append((day, self.is_working_day(day), self.day_reason(day)))
            day += timedelta(days=1)
        return result

    def next_working_day(self, day: date, *, include: bool = True) -> date:
        """``day`` itself when it is a working day and ``include``; else the next one."""
        ordinal = day.toordinal() + (0 if include else 1)
        self._check_ord(min(ordinal, self._last_ord))
        i = bisect_left(self._ords, ordinal)
        if i >= len(self._ords):
            raise self._beyond()
        return date.fromordinal(self._ords[i])

    def end_of_working_day(self, day: date) -> datetime:
        """The end of the last working period of a working day (17:00 by default)."""
        i = self._index.get(day.toordinal())
        if i is None:
            raise InvalidDate(f"Ngày {_fmt(day)} không phải ngày làm việc.")
        return self._midnights[i] + timedelta(microseconds=self._day_end)

    @property
    def daily_duration(self) -> timedelta:
        """Working time of one working day: the length of "1 ngày làm việc"."""
        return timedelta(microseconds=self.daily_us)

    # --- moments --------------------------------------------------------------------------

    @staticmethod
    def _local(moment: datetime) -> datetime:
        if moment.__class__ is datetime and moment.tzinfo is TZ:
            # Already local: ``astimezone`` would return it unchanged, after two offset look-ups
            # (the calendar's own results are local, so this is the common case).
            return moment
        if not isinstance(moment, datetime):
            raise InvalidDate(f"Cần một thời điểm (ngày và giờ), đã nhận: {moment!r}.")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise InvalidDate("Thời điểm phải kèm múi giờ (ví dụ 2026-02-12T09:30+07:00).")
        return moment.astimezone(TZ)

    def _beyond(self) -> OutOfRange:
        return OutOfRange(
            f"Thời hạn vượt quá phạm vi lịch làm việc (đến hết năm {self.last_year})."
        )

    def _position(self, local: datetime) -> int:
        """Working microseconds from the start of the range to ``local`` (a moment outside
        working time maps to the next working moment's position)."""
        ordinal = local.toordinal()
        i = self._index.get(ordinal)
        if i is None:
            self._check_ord(ordinal)
            return bisect_left(self._ords, ordinal) * self.daily_us
        tod = _tod(local)
        base = i * self.daily_us
        for start, end, before in self._periods_us:
            if tod < start:
                return base + before
            if tod <= end:
                return base + before + tod - start
        return base + self.daily_us

    def _at_end(self, position: int) -> datetime:
        """The moment at ``position`` > 0, preferring the end of a period on a boundary."""
        i, rest = divmod(position - 1, self.daily_us)
        rest += 1
        if i >= len(self._ords):
            raise self._beyond()
        for start, end, before in self._periods_us:
            if rest <= before + end - start:
                return self._midnights[i] + timedelta(microseconds=start + rest - before)
        raise AssertionError("unreachable")  # pragma: no cover

    def _at_start(self, position: int) -> datetime:
        """The moment at ``position``, preferring the start of a period on a boundary."""
        i, rest = divmod(position, self.daily_us)
        if i >= len(self._ords):
            raise self._beyond()
        for start, end, before in self._periods_us:
            if rest < before + end - start:
                return self._midnights[i] + timedelta(microseconds=start + rest - before)
        raise AssertionError("unreachable")  # pragma: no cover

    def is_working_time(self, moment: datetime) -> bool:
        """True inside a working period of a working day (``start <= t < end``)."""
        local = self._local(moment)
        if not self.is_working_day(local.date()):
            return False
        tod = _tod(local)
        return any(start <= tod < end for start, end, _ in self._periods_us)

    def in_working_hours(self, moment: datetime) -> bool:
        """Like :meth:`is_working_time` but the end of a period counts (``start <= t <= end``):
        where due moments land."""
        local = self._local(moment)
        if not self.is_working_day(local.date()):
            return False
        tod = _tod(local)
        return any(start <= tod <= end for start, end, _ in self._periods_us)

    def normalize(self, moment: datetime) -> datetime:
        """``moment`` itself when within working hours (period ends included), else the start
        of the next working period."""
        local = self._local(moment)
        ordinal = local.toordinal()
        if ordinal in self._index:
            tod = _tod(local)
            for start, end, _ in self._periods_us:
                if start <= tod <= end:
                    return local
        return self._at_start(self._position(local))

    def reception(self, moment: datetime, cutoff: time | None = None) -> datetime:
        """When the clock starts for a reception at ``moment``: the moment itself, or the
        start of the next working day when received on a day off or at/after the cut-off
        (Nghị định 118/2025/NĐ-CP Điều 18 khoản 2). ``cutoff`` None = the calendar's own."""
        local = self._local(moment)
        limit = self._cutoff_us if cutoff is None else min(_tod(cutoff), self._day_end)
        ordinal = local.toordinal()
        if ordinal in self._index and _tod(local) < limit:
            return local
        self._check_ord(ordinal)
        i = bisect_left(self._ords, ordinal + (1 if ordinal in self._index else 0))
        if i >= len(self._ords):
            raise self._beyond()
        return self._midnights[i] + timedelta(microseconds=self._first_start)

    # --- arithmetic -----------------------------------------------------------------------

    def _add_us(self, local: datetime, micros: int) -> datetime:
        if micros == 0:
            return self.normalize(local)
        return self._at_end(self._position(local) + micros)

    def add_working_hours(self, start: datetime, hours: Amount) -> datetime:
        """``start`` + ``hours`` of working time (no cut-off: counted from the moment itself).
        A result exactly at the end of a period stays there (11:30, 17:00)."""
        value = _check_amount(hours)
        return self._add_us(self._local(start), round(value * _US_PER_HOUR))

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """``start`` + whole ``minutes`` of working time: ``add_working_hours(start,
        Fraction(minutes, 60))`` without the fraction (tested equal)."""
        if type(minutes) is not int or minutes < 0:
            raise InvalidAmount(f"Số phút phải là số nguyên không âm (đã nhận: {minutes!r}).")
        return self._add_us(self._local(start), minutes * 60_000_000)

    def add_working_days(
        self, start: datetime, days: Amount, cutoff: time | None = None
    ) -> datetime:
        """``days`` working days (each = the daily working duration) after the reception
        moment (cut-off applied: Nghị định 118/2025/NĐ-CP Điều 18 khoản 2). Fractions allowed:
        0.5 = half a working day."""
        value = _check_amount(days)
        return self._add_us(self.reception(start, cutoff), round(value * self.daily_us))

    def _end_of_deadline_day(self, last_day: date) -> datetime:
        # BLDS 2015 Điều 148 khoản 5: a deadline ending on a day off moves to the end of the
        # next working day.
        return self.end_of_working_day(self.next_working_day(last_day))

    def add_calendar_days(
        self, start: datetime, days: Amount, cutoff: time | None = None
    ) -> datetime:
        """End of the ``days``-th calendar day after the reception day (BLDS 2015 Điều 147
        khoản 2, Điều 148 khoản 1 và 5)."""
        value = int(_check_amount(days, integral=True))
        received = self.reception(start, cutoff).date()
        return self._end_of_deadline_day(received + timedelta(days=value))

    def add_months(self, start: datetime, months: Amount, cutoff: time | None = None) -> datetime:
        """End of the corresponding day ``months`` months after the reception day, or of that
        month's last day (BLDS 2015 Điều 148 khoản 3 và 5)."""
        value = int(_check_amount(months, integral=True))
        received = self.reception(start, cutoff).date()
        index = received.month - 1 + value
        year, month = received.year + index // 12, index % 12 + 1
        if year > self.last_year:
            raise self._beyond()
        next_month = date(year + month // 12, month % 12 + 1, 1)
        last_of_month = (next_month - timedelta(days=1)).day
        return self._end_of_deadline_day(date(year, month, min(received.day, last_of_month)))

    def same_day(self, start: datetime, cutoff: time | None = None) -> datetime:
        """Due at the end of the working day of reception; after the cut-off, at the end of
        the next working day (Luật Hộ tịch 2014 Điều 5 khoản 3; Nghị định 118/2025 Điều 18)."""
        return self.end_of_working_day(self.reception(start, cutoff).date())

    def due(
        self,
        start: datetime,
        amount: Amount,
        unit: TimeLimitUnit | str,
        cutoff: time | None = None,
    ) -> datetime:
        """The due moment of a time limit of ``amount`` ``unit`` received at ``start``.

        ``cutoff`` None: the calendar's cut-off for day-based units, none for working hours.
        """
        try:
            kind = TimeLimitUnit(unit)
        except ValueError:
            choices = ", ".join(u.value for u in TimeLimitUnit)
            raise InvalidAmount(
                f"Đơn vị thời hạn không hợp lệ: {unit!r} (chọn một trong: {choices})."
            ) from None
        if kind is TimeLimitUnit.WORKING_DAYS:
            return self.add_working_days(start, amount, cutoff)
        if kind is TimeLimitUnit.WORKING_HOURS:
            if cutoff is not None:
                start = self.reception(start, cutoff)
            return self.add_working_hours(start, amount)
        if kind is TimeLimitUnit.CALENDAR_DAYS:
            return self.add_calendar_days(start, amount, cutoff)
        if kind is TimeLimitUnit.MONTHS:
            return self.add_months(start, amount, cutoff)
        _check_amount(amount)
        return self.same_day(start, cutoff)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end`` (negative when ``end`` is earlier). The
        inverse of :meth:`add_working_hours`: ``between(s, add(s, h)) == h``."""
        return timedelta(
            microseconds=self._position(self._local(end)) - self._position(self._local(start))
        )
