"""The indicators as code: periods, scopes, the QĐ 766/QĐ-TTg scorecard, the TT 01/2018/TT-VPCP
evaluation and the operational counts — computed from the aggregate tables (``DailyFact`` and
``MonthlyFact``, ``RatingDaily`` and ``RatingMonthly``: a period's whole months from the monthly
tables, its edge days from the daily ones, :func:`parts`) and, for the dossiers still open at a
period's edge, ``DossierFact``.

Scoring (rules.md §4.1): ``score = max_points × min(rate / threshold, 1)`` — linear below the
threshold, full at or above it; without a threshold the threshold is 100 %. An indicator whose
denominator is zero is "N/A" and has no score; an indicator whose source data the system does not
hold yet (e.g. PAKN feedback, the national sync log) is "N/A" with the reason. The group and
total scores add the scores that exist and say out of how many points they were computed.

Every number carries a drill-down code (:data:`DRILLS`) that lists the dossiers behind it.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from motcua.catalogue.models import OnlineLevel, ProcedureVersion, VersionStatus
from motcua.common.errors import ValidationFailed
from motcua.dossiers.models import DossierEvent
from motcua.dossiers.workflow import Action
from motcua.monitoring import feedback as fb
from motcua.monitoring.facts import published_components
from motcua.monitoring.models import (
    COUNTERS,
    DailyFact,
    DossierFact,
    MonthlyFact,
    RatingDaily,
    RatingMonthly,
)
from motcua.monitoring.one_stop import OneStopCounts, one_stop_counts
from motcua.monitoring.transparency import Timeliness, timeliness

A = Action
#: Working hours in a working day for the average resolution time (the standard schedule).
HOURS_PER_DAY = Decimal(8)


# --- periods and scopes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A reporting period (kỳ báo cáo): local days ``start`` … ``end`` inclusive."""

    start: dt.date
    end: dt.date
    label: str

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[first moment, first moment after) in the project's zone."""
        zone = timezone.get_default_timezone()
        return (
            dt.datetime.combine(self.start, dt.time(), tzinfo=zone),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=zone),
        )

    @property
    def query(self) -> str:
        return f"tu={self.start.isoformat()}&den={self.end.isoformat()}"

    @property
    def display(self) -> str:
        """``label`` in the page's language (``label`` itself stays Vietnamese for the reports)."""
        start, end = self.start, self.end
        if start.day == 1 and end == Period.month(start.year, start.month).end:
            return _("Tháng %(month)02d/%(year)d") % {"month": start.month, "year": start.year}
        if (
            start.day == 1
            and start.month % 3 == 1
            and end == Period.quarter(start.year, (start.month + 2) // 3).end
        ):
            q = (start.month + 2) // 3
            return _("Quý %(quarter)d/%(year)d") % {"quarter": q, "year": start.year}
        if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and (
            start.year == end.year
        ):
            return _("Năm %(year)d") % {"year": start.year}
        return _("Từ %(start)s đến %(end)s") % {
            "start": f"{start:%d/%m/%Y}",
            "end": f"{end:%d/%m/%Y}",
        }

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = pycal.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last), f"Tháng {month:02d}/{year}")

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        first = 3 * (q - 1) + 1
        last_day = pycal.monthrange(year, first + 2)[1]
        return cls(dt.date(year, first, 1), dt.date(year, first + 2, last_day), f"Quý {q}/{year}")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), f"Năm {year}")

    @classmethod
    def range(cls, start: dt.date, end: dt.date) -> Period:
        if end < start:
            raise ValidationFailed(_("Ngày kết thúc kỳ báo cáo phải sau hoặc bằng ngày bắt đầu."))
        if (end - start).days > 366 * 10:
            raise ValidationFailed(_("Kỳ báo cáo dài tối đa 10 năm."))
        return cls(start, end, f"Từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}")

    def previous_months(self, n: int) -> list[Period]:
        """The ``n`` calendar months ending with the month of ``end``, oldest first."""
        y, m = self.end.year, self.end.month
        out = []
        for _month in range(n):
            out.append(Period.month(y, m))
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        return out[::-1]


_KY = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])))?$")


def parse_period(params: Mapping[str, str], today: dt.date | None = None) -> Period:
    """The period of a request: ``ky=2026`` (year), ``ky=2026-03`` (month), ``ky=2026-Q1``
    (quarter) or ``tu=2026-03-01&den=2026-03-31`` (any range). Default: the current month."""
    today = today or timezone.localdate()
    ky = (params.get("ky") or "").strip()
    tu, den = (params.get("tu") or "").strip(), (params.get("den") or "").strip()
    if tu or den:
        try:
            start = dt.date.fromisoformat(tu)
            end = dt.date.fromisoformat(den)
        except ValueError:
            raise ValidationFailed(
                _(
                    "Ngày của kỳ báo cáo không hợp lệ: nhập theo dạng năm-tháng-ngày, ví dụ "
                    "2026-03-01."
                )
            ) from None
        return Period.range(start, end)
    if not ky:
        return Period.month(today.year, today.month)
    match = _KY.match(ky)
    if not match:
        raise ValidationFailed(
            _("Kỳ báo cáo không hợp lệ: nhập năm (2026), tháng (2026-03) hoặc quý (2026-Q1).")
        )
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("Năm của kỳ báo cáo phải từ 2000 đến 2100."))
    if match.group(2):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise ValidationFailed(_("Tháng của kỳ báo cáo phải từ 01 đến 12."))
        return Period.month(year, month)
    if match.group(3):
        return Period.quarter(year, int(match.group(3)))
    return Period.year(year)


@dataclass(frozen=True)
class Scope:
    """Whose numbers: ``agency_ids`` None = the whole province; optionally one procedure,
    field or officer inside it."""

    agency_ids: tuple[int, ...] | None = None
    procedure_id: int | None = None
    field_id: int | None = None
    officer_id: int | None = None
    channel: str | None = None
    label: str = gettext_noop("Toàn tỉnh")

    def _q(self) -> Q:
        q = Q()
        if self.agency_ids is not None:
            q &= Q(agency_id__in=self.agency_ids)
        if self.procedure_id is not None:
            q &= Q(procedure_id=self.procedure_id)
        if self.field_id is not None:
            q &= Q(field_id=self.field_id)
        if self.officer_id is not None:
            q &= Q(officer_id=self.officer_id)
        if self.channel is not None:
            q &= Q(channel=self.channel)
        return q

    def daily(self) -> QuerySet[DailyFact]:
        return DailyFact.objects.filter(self._q())

    def table(self, model: type[DailyFact] | type[MonthlyFact]) -> QuerySet[Any]:
        return model.objects.filter(self._q())

    def facts(self) -> QuerySet[DossierFact]:
        return DossierFact.objects.filter(self._q())

    def ratings(
        self, model: type[RatingDaily] | type[RatingMonthly] = RatingDaily
    ) -> QuerySet[Any] | None:
        """Ratings by agency, officer, procedure and field (the rated dossier's) in ``model``'s
        table; ``None`` in a channel scope (ratings are not kept per channel)."""
        if self.channel:
            return None
        return self.rating_table(model)

    def rating_table(self, model: type[RatingDaily] | type[RatingMonthly]) -> QuerySet[Any]:
        """``model``'s rows in the scope's agency, officer, procedure and field (its channel is
        not looked at: see :meth:`ratings`)."""
        q = Q()
        if self.agency_ids is not None:
            q &= Q(agency_id__in=self.agency_ids)
        if self.officer_id is not None:
            q &= Q(officer_id=self.officer_id)
        if self.procedure_id is not None:
            q &= Q(procedure_id=self.procedure_id)
        if self.field_id is not None:
            q &= Q(field_id=self.field_id)
        return model.objects.filter(q)

    def query(self) -> str:
        parts = []
        if self.agency_ids is not None and len(self.agency_ids) == 1:
            parts.append(f"co_quan={self.agency_ids[0]}")
        for name, value in (
            ("thu_tuc", self.procedure_id),
            ("linh_vuc", self.field_id),
            ("can_bo", self.officer_id),
        ):
            if value is not None:
                parts.append(f"{name}={value}")
        return "&".join(parts)


# --- sums -------------------------------------------------------------------------------------


def parts(period: Period) -> list[tuple[type[DailyFact] | type[MonthlyFact], dt.date, dt.date]]:
    """Where to read a period: its whole months from ``MonthlyFact`` (``day`` = month start),
    the days before the first and after the last whole month from ``DailyFact``."""
    start, end = period.start, period.end
    first_full = start if start.day == 1 else _next_month(start)
    end_month = dt.date(end.year, end.month, 1)
    # The last month counts whole only when the period ends on its last day.
    ends_month = (end + dt.timedelta(days=1)).day == 1
    last_full_start = end_month if ends_month else _previous_month(end_month)
    if first_full > last_full_start:
        return [(DailyFact, start, end)]
    out: list[tuple[type[DailyFact] | type[MonthlyFact], dt.date, dt.date]] = [
        (MonthlyFact, first_full, last_full_start)
    ]
    if start < first_full:
        out.append((DailyFact, start, first_full - dt.timedelta(days=1)))
    month_after = _next_month(last_full_start)
    if month_after <= end:
        out.append((DailyFact, month_after, end))
    return out


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _previous_month(first: dt.date) -> dt.date:
    return dt.date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def rating_parts(
    period: Period,
) -> list[tuple[type[RatingDaily] | type[RatingMonthly], dt.date, dt.date]]:
    """:func:`parts` for the ratings: the whole months from ``RatingMonthly``, the edge days
    from ``RatingDaily``."""
    return [
        (RatingMonthly if model is MonthlyFact else RatingDaily, lo, hi)
        for model, lo, hi in parts(period)
    ]


def _add_up(
    querysets: Iterable[QuerySet[Any]],
    keys: tuple[str, ...],
    aggs: Mapping[str, Any],
    by_month: bool,
    zero: float,
) -> dict[tuple[Any, ...], dict[str, float]]:
    """``aggs`` of each queryset grouped by ``keys`` (the month first when ``by_month``) and
    added up across the querysets (the parts of a period)."""
    out: dict[tuple[Any, ...], dict[str, float]] = {}
    for qs in querysets:
        ks = keys
        if by_month:
            qs, ks = qs.annotate(x_month=TruncMonth("day")), ("x_month", *keys)
        rows = qs.values(*ks).annotate(**aggs) if ks else [qs.aggregate(**aggs)]
        for r in rows:
            target = out.setdefault(tuple(r[k] for k in ks), dict.fromkeys(aggs, zero))
            for name in aggs:
                target[name] += r[name] or 0
    return out


def grouped(
    period: Period,
    scope: Scope,
    keys: tuple[str, ...],
    aggs: Mapping[str, Any],
    *,
    by_month: bool = False,
) -> dict[tuple[Any, ...], dict[str, float]]:
    """``aggs`` (names starting ``x_``) summed over the period, grouped by ``keys`` (and the
    month first when ``by_month``), adding up the monthly and daily parts of the period."""
    querysets = (
        scope.table(model).filter(day__gte=lo, day__lte=hi) for model, lo, hi in parts(period)
    )
    return _add_up(querysets, keys, aggs, by_month, 0.0)


def rating_grouped(
    period: Period,
    scope: Scope,
    keys: tuple[str, ...],
    aggs: Mapping[str, Any],
    *,
    by_month: bool = False,
) -> dict[tuple[Any, ...], dict[str, int]] | None:
    """The ratings' :func:`grouped`: ``aggs`` summed over ``RatingMonthly`` (whole months) and
    ``RatingDaily`` (edge days), :func:`rating_parts`; integer sums. ``None`` in a channel
    scope (ratings are not kept per channel)."""
    if scope.channel:
        return None
    querysets = (
        scope.rating_table(model).filter(day__gte=lo, day__lte=hi)
        for model, lo, hi in rating_parts(period)
    )
    got = _add_up(querysets, keys, aggs, by_month, 0)
    return {k: {name: int(v) for name, v in r.items()} for k, r in got.items()}


def sums(period: Period, scope: Scope) -> dict[str, float]:
    """Every counter summed over the period and scope (one query per part)."""
    row = grouped(period, scope, (), {f"x_{c}": Sum(c) for c in COUNTERS}).get((), {})
    return {c: row.get(f"x_{c}", 0) for c in COUNTERS}


def received_by_channel(period: Period, scope: Scope) -> dict[str, int]:
    out = {"direct": 0, "online": 0, "postal": 0}
    for (channel,), r in grouped(period, scope, ("channel",), {"x_n": Sum("received")}).items():
        out[channel] = out.get(channel, 0) + int(r["x_n"])
    return out


def online_late(period: Period, scope: Scope) -> int:
    row = grouped(period, scope, (), {"x_n": Sum("ended_late", filter=Q(channel="online"))}).get(
        (), {}
    )
    return int(row.get("x_n", 0))


def overdue_q(moment: dt.datetime) -> Q:
    """Open at ``moment`` and late there: past its due moment, unless it was waiting for a
    supplement requested before the due moment (QĐ 766 2.1: the request time is the end)."""
    return Q(due_at__lt=moment) & (
        Q(supplement_wait_from__isnull=True) | Q(supplement_wait_from__gt=F("due_at"))
    )


def open_q(moment: dt.datetime) -> Q:
    return Q(received_at__lt=moment) & (Q(ended_at__isnull=True) | Q(ended_at__gte=moment))


def edge(moment: dt.datetime) -> dt.datetime:
    """The moment a period's "open at the end" is taken: its end, or now if that is earlier."""
    return min(moment, timezone.now())


def open_counts(moment: dt.datetime, scope: Scope) -> tuple[int, int]:
    """(open, overdue) dossiers at ``moment`` (capped at now). At the start of a past month the
    month-start snapshot counters answer (one day of ``DailyFact``, whatever the size of the
    history); otherwise the open dossiers are counted in ``DossierFact`` (the live ones are a
    small partial index). Both use each dossier's current due moment and supplement state: exact
    for the current period, an approximation for past ones."""
    m = edge(moment)
    local = timezone.localtime(m)
    if local.day == 1 and local.time() == dt.time() and m < timezone.now():
        row = (
            scope.table(DailyFact)
            .filter(day=local.date())
            .aggregate(n=Sum("open_start"), late=Sum("overdue_start"))
        )
        return row["n"] or 0, row["late"] or 0
    row = (
        scope.facts()
        .filter(open_q(m))
        .aggregate(n=Count("pk"), late=Count("pk", filter=overdue_q(m)))
    )
    return row["n"], row["late"]


def rating_sums(period: Period, scope: Scope) -> dict[str, int] | None:
    """The ratings, satisfied ratings and rating points of the period and scope
    (:func:`rating_grouped`); ``None`` in a channel scope."""
    got = rating_grouped(
        period,
        scope,
        (),
        {"x_n": Sum("ratings"), "x_sat": Sum("satisfied"), "x_pts": Sum("points_sum")},
    )
    if got is None:
        return None
    row = got[()]
    return {"ratings": row["x_n"], "satisfied": row["x_sat"], "points": row["x_pts"]}


@dataclass
class CatalogueCounts:
    procedures: int = 0
    online: int = 0
    complete: int = 0


def catalogue_counts(scope: Scope, today: dt.date | None = None) -> CatalogueCounts:
    """Published procedures in force today where an agency of the scope is competent: how many
    offer an online service (QĐ 766 3.1) and how many are published with every component (1.3)."""
    qs = ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED)
    if scope.agency_ids is not None:
        qs = qs.filter(competent_agencies__in=scope.agency_ids)
    if scope.procedure_id is not None:
        qs = qs.filter(procedure_id=scope.procedure_id)
    if scope.field_id is not None:
        qs = qs.filter(field_id=scope.field_id)
    out = CatalogueCounts()
    for version in qs.distinct().prefetch_related(
        "steps", "channels", "documents", "time_limits", "competent_agencies"
    ):
        out.procedures += 1
        if version.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL):
            out.online += 1
        if all(published_components(version).values()):
            out.complete += 1
    return out


# --- the QĐ 766 scorecard ----------------------------------------------------------------------


def _dec(x: float | int | Decimal) -> Decimal:
    return Decimal(str(x))


def _q2(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Indicator:
    code: str
    group: int
    name: str
    max_points: int
    threshold: Decimal | None  # as a fraction, e.g. 0.8
    numerator: Decimal = Decimal(0)
    denominator: Decimal = Decimal(0)
    unavailable: str = ""
    drill_num: str = ""
    drill_den: str = ""
    unit: str = "%"
    basis: str = ""

    @property
    def rate(self) -> Decimal | None:
        """The rate as a fraction; ``None`` is "N/A" (no data or zero denominator)."""
        if self.unavailable or self.denominator == 0:
            return None
        return self.numerator / self.denominator

    @property
    def rate_display(self) -> str:
        rate = self.rate
        if rate is None:
            return "N/A"
        if self.unit == "%":
            return f"{_q2(rate * 100)} %".replace(".", ",")
        return f"{_q2(rate)} {self.unit}".replace(".", ",")

    @property
    def score(self) -> Decimal | None:
        rate = self.rate
        if rate is None or self.max_points == 0:
            return None
        threshold = self.threshold or Decimal(1)
        return _q2(Decimal(self.max_points) * min(rate / threshold, Decimal(1)))


@dataclass
class Group:
    number: int
    name: str
    max_points: int
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def score(self) -> Decimal:
        return sum((i.score for i in self.indicators if i.score is not None), Decimal(0))

    @property
    def available_points(self) -> int:
        return sum(i.max_points for i in self.indicators if i.score is not None)


GROUPS: tuple[tuple[int, str, int], ...] = (
    (1, gettext_noop("Công khai, minh bạch"), 18),
    (2, gettext_noop("Tiến độ, kết quả giải quyết"), 20),
    (3, gettext_noop("Cung cấp dịch vụ trực tuyến"), 22),
    (4, gettext_noop("Số hóa hồ sơ"), 22),
    (5, gettext_noop("Mức độ hài lòng"), 18),
)

#: (code, group, name, points, threshold, basis). Points follow the national portal's split
#: (rules.md §4.1: transparency 6/4/2/6, on-time 20, online 12 + 10, satisfaction 6/6/6). The
#: portal does not say how its seven digitisation items map onto 4.x; our split 6/6/6/4 is a
#: choice (docs/monitoring.md).
DEFINITIONS: tuple[tuple[str, int, str, int, str | None, str], ...] = (
    ("1.1", 1, gettext_noop("TTHC được công bố đúng hạn"), 6, None, "QĐ 766 1.1"),
    ("1.2", 1, gettext_noop("TTHC được cập nhật, công khai đúng hạn"), 4, None, "QĐ 766 1.2"),
    (
        "1.3",
        1,
        gettext_noop("TTHC công bố có đầy đủ bộ phận cấu thành"),
        2,
        None,
        "QĐ 766 1.3; NĐ 63/2010 Đ8.2",
    ),
    ("1.4", 1, gettext_noop("Hồ sơ đồng bộ lên Cổng DVCQG"), 6, None, "QĐ 766 1.4"),
    ("2.1", 2, gettext_noop("Hồ sơ xử lý trước hạn, đúng hạn"), 20, None, "QĐ 766 2.1"),
    (
        "2.2",
        2,
        gettext_noop("Thời gian giải quyết trung bình (ngày làm việc)"),
        0,
        None,
        "QĐ 766 2.2",
    ),
    ("3.1", 3, gettext_noop("TTHC có cung cấp dịch vụ công trực tuyến"), 12, "0.8", "QĐ 766 3.1"),
    ("3.3", 3, gettext_noop("Hồ sơ nộp trực tuyến"), 0, "0.5", "QĐ 766 3.3"),
    ("3.6", 3, gettext_noop("Hồ sơ thanh toán trực tuyến"), 10, None, "QĐ 766 3.6"),
    ("4.1", 4, gettext_noop("Hồ sơ có kết quả điện tử"), 6, None, "QĐ 766 4.1"),
    ("4.2", 4, gettext_noop("Hồ sơ được số hóa"), 6, "0.8", "QĐ 766 4.2"),
    ("4.3", 4, gettext_noop("Hồ sơ tái sử dụng dữ liệu số hóa"), 6, "0.8", "QĐ 766 4.3"),
    ("4.4", 4, gettext_noop("Hồ sơ liên kết kho dữ liệu của công dân"), 4, None, "QĐ 766 4.4"),
    (
        "5.1",
        5,
        gettext_noop("Phản ánh, kiến nghị về quy định hành chính, chính sách"),
        0,
        None,
        "QĐ 766 5.1",
    ),
    ("5.2", 5, gettext_noop("Phản ánh, kiến nghị xử lý đúng hạn"), 6, None, "QĐ 766 5.2"),
    ("5.3", 5, gettext_noop("Hài lòng với xử lý phản ánh, kiến nghị"), 6, None, "QĐ 766 5.3"),
    ("5.4", 5, gettext_noop("Hài lòng về giải quyết TTHC"), 6, "0.9", "QĐ 766 5.4"),
)

#: Indicators whose source data the system does not hold (none left now), with the reason.
NO_DATA: dict[str, str] = {}

#: Why the PAKN indicators are N/A in a scope they are not kept for (``monitoring.feedback``).
PAKN_NOT_KEPT = gettext_noop("Phản ánh, kiến nghị không theo dõi theo hình thức nộp hồ sơ.")


@dataclass
class Numbers:
    """Everything a scorecard needs for one period and scope (computed once, used twice)."""

    period: Period
    scope: Scope
    s: dict[str, float]
    channels: dict[str, int]
    open_end: int
    overdue_end: int
    open_start: int
    ratings: dict[str, int] | None
    catalogue: CatalogueCounts
    online_late: int
    feedback: fb.FeedbackCounts | None = None
    #: QĐ 766 1.1 / 1.2 from the catalogue (``transparency``); empty (N/A) when not read.
    transparency: Timeliness = field(default_factory=Timeliness)
    #: TT 01/2018 criterion 5 from the catalogue's processes (``one_stop``).
    one_stop: OneStopCounts = field(default_factory=OneStopCounts)


def numbers(period: Period, scope: Scope, *, catalogue: bool = True) -> Numbers:
    start, end = period.bounds()
    open_end, overdue_end = open_counts(end, scope)
    open_start, _ = open_counts(start, scope)
    return Numbers(
        period=period,
        scope=scope,
        s=sums(period, scope),
        channels=received_by_channel(period, scope),
        open_end=open_end,
        overdue_end=overdue_end,
        open_start=open_start,
        ratings=rating_sums(period, scope),
        catalogue=catalogue_counts(scope) if catalogue else CatalogueCounts(),
        online_late=online_late(period, scope),
        feedback=fb.counts(period, scope),
        transparency=timeliness(period, scope) if catalogue else Timeliness(),
        one_stop=one_stop_counts(scope) if catalogue else OneStopCounts(),
    )


def scorecard(n: Numbers) -> list[Group]:
    s = n.s
    ended = s["ended_early"] + s["ended_on_time"] + s["ended_late"]
    tr = n.transparency
    values: dict[str, tuple[Any, Any, str, str]] = {
        "1.1": (tr.decided_on_time, tr.decided, "tthc_1.1_on_time", "tthc_1.1"),
        "1.2": (tr.public_on_time, tr.public_due, "tthc_1.2_on_time", "tthc_1.2"),
        # QĐ 766 1.4: synced to the Cổng DVCQG / received (our own count is the denominator:
        # the national "max(reporting system, portal)" and its last-year fallback need figures
        # from the national side; docs/monitoring.md).
        "1.4": (s["synced"], s["received"], "synced", "received"),
        "1.3": (n.catalogue.complete, n.catalogue.procedures, "", ""),
        "2.1": (
            s["ended_early"] + s["ended_on_time"] + (n.open_end - n.overdue_end),
            ended + n.open_end,
            "timely_766",
            "all_766",
        ),
        "2.2": (_dec(s["res_hours_sum"]) / HOURS_PER_DAY, s["res_count"], "", "res"),
        "3.1": (n.catalogue.online, n.catalogue.procedures, "", ""),
        "3.3": (n.channels.get("online", 0), s["received"], "received_online", "received"),
        "3.6": (s["paid_online"], s["fee_bearing"], "paid_online", "fee_bearing"),
        "4.1": (s["e_result"], s["received"], "e_result", "received"),
        "4.2": (s["digitised"], s["received"], "digitised", "received"),
        "4.3": (s["reused"], s["received"], "reused", "received"),
        # QĐ 766 4.4: a component taken from the citizen's store (structured origin) or the
        # e-result pushed to the citizen's store on the Cổng DVCQG, once per dossier / received.
        "4.4": (s["store_linked"], s["received"], "store_linked", "received"),
    }
    groups = {g: Group(g, name, pts) for g, name, pts in GROUPS}
    for code, group, name, points, threshold, basis in DEFINITIONS:
        ind = Indicator(
            code=code,
            group=group,
            name=name,
            max_points=points,
            threshold=Decimal(threshold) if threshold else None,
            basis=basis,
        )
        if code in NO_DATA:
            ind.unavailable = NO_DATA[code]
        elif code in ("5.1", "5.2", "5.3"):
            _pakn(ind, n.feedback)
        elif code == "5.4":
            # 100 % − (overdue rate + rate of dossiers with a "dislike"), over ended dossiers.
            ind.denominator = _dec(ended)
            ind.numerator = max(_dec(ended - s["ended_late"] - s["disliked"]), Decimal(0))
            ind.drill_num, ind.drill_den = "", "ended"
        else:
            num, den, dn, dd = values[code]
            ind.numerator, ind.denominator = _dec(num), _dec(den)
            ind.drill_num, ind.drill_den = dn, dd
        if code == "2.2":
            ind.unit = "ngày"
        groups[group].indicators.append(ind)
    return list(groups.values())


def _pakn(ind: Indicator, c: fb.FeedbackCounts | None) -> None:
    """QĐ 766 5.1–5.3 over the feedback first received in the period (``monitoring.feedback``)."""
    if c is None:
        ind.unavailable = PAKN_NOT_KEPT
        return
    num, dn = {
        "5.1": (c.regulation, "pakn_regulation"),
        "5.2": (c.on_time, "pakn_on_time"),
        "5.3": (c.satisfied, "pakn_satisfied"),
    }[ind.code]
    ind.numerator, ind.denominator = _dec(num), _dec(c.total)
    ind.drill_num, ind.drill_den = dn, "pakn_all"


def total(groups: Iterable[Group]) -> tuple[Decimal, int]:
    gs = list(groups)
    return sum((g.score for g in gs), Decimal(0)), sum(g.available_points for g in gs)


# --- operational counts -----------------------------------------------------------------------

#: (code, label) of the counts every periodic report needs, in order.
OPERATIONAL: tuple[tuple[str, str], ...] = (
    ("carried_over", gettext_noop("Kỳ trước chuyển sang")),
    ("received", gettext_noop("Tiếp nhận trong kỳ")),
    ("received_online", gettext_noop("— trực tuyến")),
    ("received_direct", gettext_noop("— trực tiếp")),
    ("received_postal", gettext_noop("— qua bưu chính")),
    ("decided", gettext_noop("Đã giải quyết")),
    ("decided_early", gettext_noop("— trước hạn")),
    ("decided_on_time", gettext_noop("— đúng hạn")),
    ("decided_late", gettext_noop("— quá hạn")),
    ("in_progress", gettext_noop("Đang giải quyết cuối kỳ")),
    ("not_yet_due", gettext_noop("— chưa đến hạn")),
    ("overdue", gettext_noop("— quá hạn")),
    ("supplement_requested", gettext_noop("Yêu cầu bổ sung")),
    ("stopped", gettext_noop("Dừng xử lý")),
    ("withdrawn", gettext_noop("Rút hồ sơ")),
    ("returned", gettext_noop("Đã trả kết quả")),
    ("refused_reception", gettext_noop("Không được tiếp nhận")),
)


def operational(n: Numbers) -> dict[str, int]:
    s = n.s
    return {
        "carried_over": n.open_start,
        "received": int(s["received"]),
        "received_online": n.channels.get("online", 0),
        "received_direct": n.channels.get("direct", 0),
        "received_postal": n.channels.get("postal", 0),
        "decided": int(s["decided_early"] + s["decided_on_time"] + s["decided_late"]),
        "decided_early": int(s["decided_early"]),
        "decided_on_time": int(s["decided_on_time"]),
        "decided_late": int(s["decided_late"]),
        "in_progress": n.open_end,
        "not_yet_due": n.open_end - n.overdue_end,
        "overdue": n.overdue_end,
        "supplement_requested": int(s["supplement_requested"]),
        "stopped": int(s["stopped"]),
        "withdrawn": int(s["withdrawn"]),
        "returned": int(s["returned"]),
        "refused_reception": int(s["refused_reception"]),
    }


# --- TT 01/2018 --------------------------------------------------------------------------------

TT01_CRITERIA: tuple[tuple[str, str], ...] = (
    ("c1", gettext_noop("1. Thời gian giải quyết so với quy định")),
    ("c2", gettext_noop("2. Thời gian tại từng cơ quan, bước xử lý")),
    ("c3", gettext_noop("3. Số lần liên hệ để hoàn thiện hồ sơ")),
    ("c4", gettext_noop("4. Số cơ quan phải liên hệ")),
    ("c5", gettext_noop("5. Xử lý tại Bộ phận Một cửa")),
    ("c6", gettext_noop("6. Công khai thủ tục hành chính")),
    ("c7", gettext_noop("7. Thái độ của cán bộ")),
    ("c8", gettext_noop("8. Xử lý phản ánh, kiến nghị")),
    ("c9", gettext_noop("9. Tiến độ, chất lượng dịch vụ trực tuyến")),
)
STAFF_CRITERIA = ("c1", "c2", "c3", "c4", "c7")


def _avg1(total_points: float, n: float) -> Decimal | None:
    if not n:
        return None
    return (_dec(total_points) / _dec(n)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Tt01:
    dossiers: int
    criteria: dict[str, Decimal | None]

    @property
    def staff_score(self) -> Decimal | None:
        """Sum of criteria 1, 2, 3, 4, 7 (TT 01/2018 Đ15)."""
        vals = [self.criteria[c] for c in STAFF_CRITERIA]
        if any(v is None for v in vals):
            return None
        return sum((v for v in vals if v is not None), Decimal(0))

    @property
    def staff_band(self) -> str:
        s = self.staff_score
        if s is None:
            return "N/A"
        if s >= 5:
            return gettext_noop("Hoàn thành 100% nhiệm vụ")
        if s >= Decimal("3.5"):
            return gettext_noop("Hoàn thành 70% đến dưới 100%")
        return gettext_noop("Hoàn thành dưới 70%")

    @property
    def agency_score(self) -> Decimal | None:
        vals = [v for v in self.criteria.values() if v is not None]
        return sum(vals, Decimal(0)) if vals else None

    @property
    def agency_band(self) -> str:
        """TT 01/2018 Đ15: ≥15 xuất sắc; 12–<15 tốt; 9–<12 khá; 6–<9 trung bình; <6 yếu."""
        s = self.agency_score
        if s is None:
            return "N/A"
        for floor, label in (
            (15, gettext_noop("Xuất sắc")),
            (12, gettext_noop("Tốt")),
            (9, gettext_noop("Khá")),
            (6, gettext_noop("Trung bình")),
        ):
            if s >= floor:
                return label
        return gettext_noop("Yếu")


def tt01(n: Numbers) -> Tt01:
    s = n.s
    crit: dict[str, Decimal | None] = {c: None for c, _ in TT01_CRITERIA}
    for c in ("c1", "c2", "c3", "c4", "c6", "c7"):
        crit[c] = _avg1(s[f"tt01_{c}"], s["tt01_n"])
    crit["c5"] = n.one_stop.criterion  # per unit, from the processes (monitoring.one_stop)
    # Criterion 9 per unit (Đ13): ≥20 % of procedures online and ≥30 % of dossiers online and
    # no late online dossier → 2; 15–<30 % online and none late → 1; else 0.
    if s["received"] and n.catalogue.procedures:
        online_share = _dec(n.channels.get("online", 0)) / _dec(s["received"])
        proc_share = _dec(n.catalogue.online) / _dec(n.catalogue.procedures)
        if n.online_late == 0 and proc_share >= Decimal("0.2") and online_share >= Decimal("0.3"):
            crit["c9"] = Decimal(2)
        elif n.online_late == 0 and n.catalogue.online and online_share >= Decimal("0.15"):
            crit["c9"] = Decimal(1)
        else:
            crit["c9"] = Decimal(0)
    # Criterion 8 per unit (Đ13): PAKN none or 100 % on time → 2; ≥ 90 % → 1; else 0.
    if n.feedback is not None:
        crit["c8"] = Decimal(n.feedback.criterion_8)
    return Tt01(dossiers=int(s["tt01_n"]), criteria=crit)


# --- drill-down ---------------------------------------------------------------------------------


def _in(moment_field: str, period: Period) -> Q:
    start, end = period.bounds()
    return Q(**{f"{moment_field}__gte": start, f"{moment_field}__lt": end})


def _events(actions: Iterable[str], period: Period, first_only: bool = False) -> Q:
    start, end = period.bounds()
    ids = DossierEvent.objects.filter(action__in=list(actions), at__gte=start, at__lt=end)
    return Q(dossier_id__in=ids.values("dossier_id"))


DRILL_LABELS: dict[str, str] = {
    **dict(OPERATIONAL),
    "registered": gettext_noop("Đăng ký trong kỳ"),
    "ended": gettext_noop("Kết thúc xử lý trong kỳ (có hạn)"),
    "ended_early": gettext_noop("Kết thúc trước hạn"),
    "ended_on_time": gettext_noop("Kết thúc đúng hạn"),
    "ended_late": gettext_noop("Kết thúc quá hạn"),
    "timely_766": gettext_noop("Trước hạn, đúng hạn (QĐ 766 2.1)"),
    "all_766": gettext_noop("Hồ sơ tính chỉ số 2.1 (kết thúc trong kỳ và đang xử lý cuối kỳ)"),
    "res": gettext_noop("Hồ sơ đã giải quyết (tính thời gian trung bình)"),
    "digitised": gettext_noop("Hồ sơ được số hóa"),
    "e_result": gettext_noop("Hồ sơ có kết quả điện tử"),
    "reused": gettext_noop("Hồ sơ tái sử dụng dữ liệu"),
    "fee_bearing": gettext_noop("Hồ sơ có phí, lệ phí"),
    "paid_online": gettext_noop("Hồ sơ thanh toán trực tuyến"),
    "synced": gettext_noop("Hồ sơ đã đồng bộ Cổng DVCQG"),
    "store_linked": gettext_noop(
        "Hồ sơ liên kết kho dữ liệu của tổ chức, cá nhân (giấy tờ lấy từ kho hoặc kết quả đã "
        "đẩy vào kho)"
    ),
    "result_pushed": gettext_noop(
        "Hồ sơ có kết quả điện tử đã đẩy vào kho dữ liệu của tổ chức, cá nhân"
    ),
    "disliked": gettext_noop("Hồ sơ có phản ánh, kiến nghị hoặc đánh giá không hài lòng"),
    **fb.DRILL_LABELS,
    "extended": gettext_noop("Hồ sơ gia hạn"),
}


def drill_q(code: str, period: Period) -> Q:
    """The ``DossierFact`` filter behind a number; ``ValidationFailed`` for an unknown code."""
    start, end = period.bounds()
    start, end = edge(start), edge(end)
    received = _in("received_at", period)
    ended = _in("ended_at", period) & ~Q(outcome="")
    decided = _in("ended_at", period) & Q(end_kind="decided")
    table: dict[str, Q] = {
        "registered": _in("submitted_at", period),
        "received": received,
        "received_online": received & Q(channel="online"),
        "received_direct": received & Q(channel="direct"),
        "received_postal": received & Q(channel="postal"),
        "refused_reception": _in("ended_at", period) & Q(end_kind="refused_reception"),
        "ended": ended,
        "ended_early": ended & Q(outcome="early"),
        "ended_on_time": ended & Q(outcome="on_time"),
        "ended_late": ended & Q(outcome="late"),
        "decided": decided,
        "res": decided,
        "decided_early": decided & Q(outcome="early"),
        "decided_on_time": decided & Q(outcome="on_time"),
        "decided_late": decided & Q(outcome="late"),
        "carried_over": open_q(start),
        "in_progress": open_q(end),
        "overdue": open_q(end) & overdue_q(end),
        "not_yet_due": open_q(end) & ~overdue_q(end),
        "all_766": ended | open_q(end),
        "timely_766": (ended & Q(outcome__in=["early", "on_time"]))
        | (open_q(end) & ~overdue_q(end)),
        "supplement_requested": _events(
            [A.REQUEST_SUPPLEMENT.value, A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL.value], period
        ),
        "stopped": _events([A.STOP.value, A.CLOSE_UNSUPPLEMENTED.value], period),
        "withdrawn": _events([A.WITHDRAW.value], period),
        "returned": _events([A.RETURN_RESULT.value], period),
        "extended": _events([A.REQUEST_EXTENSION.value], period),
        "disliked": ended & Q(flags__disliked=True),
    }
    for flag in (
        "digitised",
        "e_result",
        "reused",
        "fee_bearing",
        "paid_online",
        "synced",
        "store_linked",
        "result_pushed",
    ):
        table[flag] = received & Q(**{f"flags__{flag}": True})
    if code not in table:
        raise ValidationFailed(
            _("Không có chỉ số “%(code)s” để xem danh sách hồ sơ.") % {"code": code}
        )
    return table[code]


def drill(code: str, period: Period, scope: Scope) -> QuerySet[DossierFact]:
    return scope.facts().filter(drill_q(code, period))
