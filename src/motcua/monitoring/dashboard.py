"""What the dashboards show, computed from the aggregates (a fixed, small number of queries per
page whatever the number of dossiers): trends by month, the agency heat map, agency and officer
tables, and the live lists of overdue and coming-due dossiers (partial index
``dossiers_open_due``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from motcua.accounts.models import User
from motcua.agencies.models import Agency
from motcua.catalogue.models import Field
from motcua.dossiers.models import Dossier
from motcua.monitoring.indicators import (
    OPERATIONAL,
    CatalogueCounts,
    Numbers,
    Period,
    Scope,
    catalogue_counts,
    grouped,
    open_counts,
    open_q,
    overdue_q,
    rating_grouped,
    scorecard,
    total,
)
from motcua.monitoring.models import COUNTERS, DailyFact, DossierFact, RatingMonthly
from motcua.monitoring.transparency import rows_for, timeliness


def rate(num: float | int | None, den: float | int | None) -> Decimal | None:
    if not den:
        return None
    return Decimal(str(num or 0)) / Decimal(str(den))


def pct(value: Decimal | None) -> str:
    if value is None:
        return "N/A"
    return f"{value * 100:.2f} %".replace(".", ",")


@dataclass
class MonthRow:
    label: str
    period: Period
    on_time: Decimal | None
    online: Decimal | None
    digitised: Decimal | None
    satisfied: Decimal | None


def trend(period: Period, scope: Scope, months: int = 12) -> list[MonthRow]:
    """Monthly rates for the ``months`` months ending with the period's last month: ended early or
    on time / ended (QĐ 766 2.1 without the open dossiers), online / received, digitised /
    received, satisfied / ratings. Two grouped queries."""
    ps = period.previous_months(months)
    first, last = ps[0].start, ps[-1].end
    span = Period(first, last, "")
    got = grouped(
        span,
        scope,
        (),
        {
            "x_e": Sum("ended_early"),
            "x_o": Sum("ended_on_time"),
            "x_late": Sum("ended_late"),
            "x_rec": Sum("received"),
            "x_onl": Sum("received", filter=Q(channel="online")),
            "x_dig": Sum("digitised"),
        },
        by_month=True,
    )
    by_month = {(k[0].year, k[0].month): {n[2:]: v for n, v in r.items()} for k, r in got.items()}
    rated = rating_grouped(
        span, scope, (), {"x_n": Sum("ratings"), "x_s": Sum("satisfied")}, by_month=True
    )
    ratings = {
        (k[0].year, k[0].month): {n[2:]: v for n, v in r.items()} for k, r in (rated or {}).items()
    }
    out = []
    for p in ps:
        r = by_month.get((p.start.year, p.start.month), {})
        ended = (r.get("e") or 0) + (r.get("o") or 0) + (r.get("late") or 0)
        rr = ratings.get((p.start.year, p.start.month), {})
        out.append(
            MonthRow(
                label=f"{p.start.month:02d}/{p.start.year % 100:02d}",
                period=p,
                on_time=rate((r.get("e") or 0) + (r.get("o") or 0), ended),
                online=rate(r.get("onl"), r.get("rec")),
                digitised=rate(r.get("dig"), r.get("rec")),
                satisfied=rate(rr.get("s"), rr.get("n")),
            )
        )
    return out


def score_trend(
    period: Period, scope: Scope, months: int = 12, *, catalogue: CatalogueCounts | None = None
) -> list[tuple[str, Decimal]]:
    """The QĐ 766 total score of each of the ``months`` months ending with the period's last
    month (the scorecard of each month from two grouped queries, the month-start snapshots and
    the catalogue counts read once — or given: the page has them already)."""
    ps = period.previous_months(months)
    span = Period(ps[0].start, ps[-1].end, "")
    counters = grouped(span, scope, (), {f"x_{c}": Sum(c) for c in COUNTERS}, by_month=True)
    channels = grouped(span, scope, ("channel",), {"x_n": Sum("received")}, by_month=True)
    late_online = grouped(
        span, scope, (), {"x_n": Sum("ended_late", filter=Q(channel="online"))}, by_month=True
    )
    edges = [p.start for p in ps] + [ps[-1].end + dt.timedelta(days=1)]
    snaps = {
        r["day"]: r
        for r in scope.table(DailyFact)
        .filter(day__in=edges)
        .values("day")
        .annotate(n=Sum("open_start"), late=Sum("overdue_start"))
    }
    if catalogue is None:
        catalogue = catalogue_counts(scope)
    published = rows_for(scope, ps[-1].end)
    now = timezone.now()
    out = []
    for p in ps:
        key = (dt.date(p.start.year, p.start.month, 1),)
        row = counters.get(key, {})
        by_channel = {k[1]: int(v["x_n"]) for k, v in channels.items() if k[0] == key[0]}
        start_snap = snaps.get(p.start, {})
        end_moment = p.bounds()[1]
        if end_moment > now:
            open_end, overdue_end = open_counts(end_moment, scope)
        else:
            end_snap = snaps.get(p.end + dt.timedelta(days=1), {})
            open_end, overdue_end = end_snap.get("n") or 0, end_snap.get("late") or 0
        numbers = Numbers(
            period=p,
            scope=scope,
            s={c: row.get(f"x_{c}", 0) for c in COUNTERS},
            channels=by_channel,
            open_end=open_end,
            overdue_end=overdue_end,
            open_start=start_snap.get("n") or 0,
            ratings=None,
            catalogue=catalogue,
            online_late=int(late_online.get(key, {}).get("x_n", 0)),
            transparency=timeliness(p, scope, published),
        )
        score, _available = total(scorecard(numbers))
        out.append((f"{p.start.month:02d}/{p.start.year % 100:02d}", score))
    return out


def heat(
    period: Period, scope: Scope, months: int = 6
) -> tuple[list[Agency], list[str], list[list[Decimal | None]]]:
    """Agencies × months, on-time rate of the dossiers ended in each month (one query)."""
    ps = period.previous_months(months)
    got = grouped(
        Period(ps[0].start, ps[-1].end, ""),
        scope,
        ("agency_id",),
        {"x_e": Sum("ended_early"), "x_o": Sum("ended_on_time"), "x_late": Sum("ended_late")},
        by_month=True,
    )
    cells: dict[int, dict[tuple[int, int], Decimal | None]] = defaultdict(dict)
    for (month, agency_id), r in got.items():
        timely = r["x_e"] + r["x_o"]
        cells[agency_id][(month.year, month.month)] = rate(timely, timely + r["x_late"])
    agencies = list(Agency.objects.filter(pk__in=list(cells)).order_by("name"))
    labels = [f"{p.start.month:02d}/{p.start.year}" for p in ps]
    values = [[cells[a.pk].get((p.start.year, p.start.month)) for p in ps] for a in agencies]
    return agencies, labels, values


@dataclass
class AgencyRow:
    agency: Agency
    received: int
    ended: int
    on_time: Decimal | None
    online: Decimal | None
    overdue: int
    ratings: int
    satisfied: Decimal | None
    tt01_score: Decimal | None = None

    @property
    def on_time_pct(self) -> str:
        return pct(self.on_time)

    @property
    def online_pct(self) -> str:
        return pct(self.online)

    @property
    def satisfied_pct(self) -> str:
        return pct(self.satisfied)


def _ratings_by(period: Period, scope: Scope, key: str) -> dict[int, dict[str, int]]:
    """The period's ratings (``n``) and satisfied ratings (``s``) per ``key`` (agency or officer
    id); none in a channel scope (ratings are not kept per channel)."""
    got = rating_grouped(period, scope, (key,), {"x_n": Sum("ratings"), "x_s": Sum("satisfied")})
    return {k[0]: {n[2:]: v for n, v in r.items()} for k, r in (got or {}).items()}


def agency_table(period: Period, scope: Scope) -> list[AgencyRow]:
    """Per agency: received, ended, QĐ 766 2.1 on-time rate (ended in the period and open at its
    end), online share, overdue at the end, ratings and satisfied share. Three grouped queries."""
    _start, end = period.bounds()
    sums = {
        k[0]: {n[2:]: v for n, v in r.items()}
        for k, r in grouped(
            period,
            scope,
            ("agency_id",),
            {
                "x_rec": Sum("received"),
                "x_onl": Sum("received", filter=Q(channel="online")),
                "x_e": Sum("ended_early"),
                "x_o": Sum("ended_on_time"),
                "x_late": Sum("ended_late"),
                "x_n": Sum("tt01_n"),
                **{f"x_{c}": Sum(f"tt01_{c}") for c in ("c1", "c2", "c3", "c4", "c6", "c7")},
            },
        ).items()
    }
    opened = {
        r["agency_id"]: r
        for r in scope.facts()
        .filter(open_q(end))
        .values("agency_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=overdue_q(end)))
    }
    rated = _ratings_by(period, scope, "agency_id")
    ids = set(sums) | set(opened) | set(rated)
    out = []
    for agency in Agency.objects.filter(pk__in=ids).order_by("name"):
        s = sums.get(agency.pk, {})
        op = opened.get(agency.pk, {"n": 0, "late": 0})
        rt = rated.get(agency.pk, {})
        ended = int(s.get("e", 0) + s.get("o", 0) + s.get("late", 0))
        timely = int(s.get("e", 0) + s.get("o", 0)) + op["n"] - op["late"]
        out.append(
            AgencyRow(
                agency=agency,
                received=int(s.get("rec", 0)),
                ended=ended,
                on_time=rate(timely, ended + op["n"]),
                online=rate(s.get("onl"), s.get("rec")),
                overdue=op["late"],
                ratings=rt.get("n") or 0,
                satisfied=rate(rt.get("s"), rt.get("n")),
                tt01_score=_tt01_sum(s),
            )
        )
    return out


def _tt01_sum(s: dict[str, float]) -> Decimal | None:
    """TT 01/2018 Đ15: the per-dossier criteria averages (1 decimal) added up."""
    n = s.get("n", 0)
    if not n:
        return None
    return sum(
        (
            (Decimal(str(s.get(c, 0))) / Decimal(str(n))).quantize(Decimal("0.1"))
            for c in ("c1", "c2", "c3", "c4", "c6", "c7")
        ),
        Decimal(0),
    )


@dataclass
class OfficerRow:
    officer_id: int
    name: str
    decided: int
    early: int
    on_time: int
    late: int
    avg_days: Decimal | None
    staff_score: Decimal | None
    ratings: int
    satisfied: Decimal | None

    @property
    def satisfied_pct(self) -> str:
        return pct(self.satisfied)

    @property
    def staff_band(self) -> str:
        """TT 01/2018 Đ15: ≥ 5 → 100 %; 3.5–< 5 → 70–< 100 %; < 3.5 → < 70 %."""
        s = self.staff_score
        if s is None:
            return "N/A"
        if s >= 5:
            return "100%"
        return gettext_noop("70% – dưới 100%") if s >= Decimal("3.5") else gettext_noop("dưới 70%")

    @property
    def timely_pct(self) -> str:
        return pct(rate(self.early + self.on_time, self.decided))


def officer_table(period: Period, scope: Scope) -> list[OfficerRow]:
    """The officer performance table: decided dossiers by timeliness, average resolution time,
    TT 01/2018 staff score (criteria 1, 2, 3, 4, 7) and ratings received."""
    aggs = {
        "x_e": Sum("decided_early"),
        "x_o": Sum("decided_on_time"),
        "x_late": Sum("decided_late"),
        "x_rh": Sum("res_hours_sum"),
        "x_rc": Sum("res_count"),
        "x_n": Sum("tt01_n"),
        **{f"x_{c}": Sum(f"tt01_{c}") for c in ("c1", "c2", "c3", "c4", "c7")},
    }
    rows = {
        k[0]: {n[2:]: v for n, v in r.items()}
        for k, r in grouped(period, scope, ("officer_id",), aggs).items()
        if k[0]
    }
    rated = _ratings_by(period, scope, "officer_id")
    rated.pop(0, None)  # a rating of no officer (0) is in no officer's row
    ids = set(rows) | set(rated)
    names = {u.pk: (u.full_name or u.get_username()) for u in User.objects.filter(pk__in=ids)}
    out = []
    for officer_id in sorted(ids, key=lambda i: names.get(i, "")):
        r = rows.get(officer_id, {})
        rt = rated.get(officer_id, {})
        n = r.get("n") or 0
        staff = None
        if n:
            staff = sum(
                (
                    (Decimal(str(r[c])) / Decimal(str(n))).quantize(Decimal("0.1"))
                    for c in ("c1", "c2", "c3", "c4", "c7")
                ),
                Decimal(0),
            )
        out.append(
            OfficerRow(
                officer_id=officer_id,
                name=names.get(officer_id, f"#{officer_id}"),
                decided=int(r.get("e", 0) + r.get("o", 0) + r.get("late", 0)),
                early=int(r.get("e", 0)),
                on_time=int(r.get("o", 0)),
                late=int(r.get("late", 0)),
                avg_days=(
                    (Decimal(str(r["rh"])) / Decimal(8) / Decimal(str(r["rc"]))).quantize(
                        Decimal("0.01")
                    )
                    if r.get("rc")
                    else None
                ),
                staff_score=staff,
                ratings=rt.get("n") or 0,
                satisfied=rate(rt.get("s"), rt.get("n")),
            )
        )
    return out


@dataclass
class FieldRow:
    agency_name: str
    field_name: str
    counts: dict[str, int]


def field_table(period: Period, scope: Scope) -> list[FieldRow]:
    """The periodic report per agency and field: received by channel, decided by timeliness,
    supplement requests, stops, withdrawals, returns (flows of the period; one query)."""
    aggs: dict[str, Any] = {f"x_{c}": Sum(c) for c in FLOW_COUNTERS}
    for channel in ("online", "direct", "postal"):
        aggs[f"x_received_{channel}"] = Sum("received", filter=Q(channel=channel))
    got = grouped(period, scope, ("agency_id", "field_id"), aggs)
    agencies = dict(Agency.objects.values_list("pk", "name"))
    fields = dict(Field.objects.values_list("pk", "name"))
    out = []
    for (agency_id, field_id), r in got.items():
        counts = {k[2:]: int(v) for k, v in r.items()}
        counts["decided"] = (
            counts["decided_early"] + counts["decided_on_time"] + counts["decided_late"]
        )
        if not any(counts.values()):
            continue
        out.append(
            FieldRow(
                agencies.get(agency_id, f"#{agency_id}"),
                fields.get(field_id, "—"),
                counts,
            )
        )
    return sorted(out, key=lambda f: (f.agency_name, f.field_name))


FLOW_COUNTERS = (
    "received",
    "decided_early",
    "decided_on_time",
    "decided_late",
    "supplement_requested",
    "stopped",
    "withdrawn",
    "returned",
)

FIELD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("received", gettext_noop("Tiếp nhận")),
    ("received_online", gettext_noop("Trực tuyến")),
    ("received_direct", gettext_noop("Trực tiếp")),
    ("received_postal", gettext_noop("Bưu chính")),
    ("decided", gettext_noop("Đã giải quyết")),
    ("decided_early", gettext_noop("Trước hạn")),
    ("decided_on_time", gettext_noop("Đúng hạn")),
    ("decided_late", gettext_noop("Quá hạn")),
    ("supplement_requested", gettext_noop("Yêu cầu bổ sung")),
    ("stopped", gettext_noop("Dừng xử lý")),
    ("withdrawn", gettext_noop("Rút hồ sơ")),
    ("returned", gettext_noop("Trả kết quả")),
)


def _running(scope: Scope) -> Any:
    qs = Dossier.objects.running()
    if scope.agency_ids is not None:
        qs = qs.filter(current_agency_id__in=scope.agency_ids)
    return qs


def oldest_overdue(scope: Scope, now: dt.datetime | None = None, limit: int = 15) -> list[Any]:
    """The running dossiers longest past their due moment, with step and agency (live)."""
    now = now or timezone.now()
    return list(
        _running(scope)
        .filter(due_at__lt=now)
        .select_related("current_agency", "current_step", "procedure_version")
        .order_by("due_at")[:limit]
    )


def overdue_by_step(scope: Scope, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    return list(
        _running(scope)
        .filter(due_at__lt=now)
        .values("current_agency__name", "current_step__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "current_agency__name")[:20]
    )


def coming_due(scope: Scope, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Running dossiers per agency due within 1 and 3 days (not yet overdue)."""
    now = now or timezone.now()
    return list(
        _running(scope)
        .filter(due_at__gte=now, due_at__lt=now + dt.timedelta(days=3))
        .values("current_agency__name")
        .annotate(
            day1=Count("pk", filter=Q(due_at__lt=now + dt.timedelta(days=1))),
            day3=Count("pk"),
        )
        .order_by("-day3")
    )


def drill_rows(qs: Any, limit: int = 200) -> list[Any]:
    ids = list(qs.order_by("-dossier_id").values_list("dossier_id", flat=True)[:limit])
    dossiers = {
        d.pk: d
        for d in Dossier.objects.filter(pk__in=ids).select_related(
            "procedure_version", "competent_agency"
        )
    }
    facts = {f.dossier_id: f for f in DossierFact.objects.filter(dossier_id__in=ids)}
    return [(dossiers[i], facts[i]) for i in ids if i in dossiers]


def public_rows(period: Period) -> list[AgencyRow]:
    """The public page: every agency's on-time rate, online share and satisfaction."""
    return agency_table(period, Scope())


def operational_rows(ops: dict[str, int]) -> Sequence[tuple[str, str, int]]:
    return [(code, label, ops[code]) for code, label in OPERATIONAL]


def ratings_total() -> int:
    """Every rating counted (the monthly rollup: the same total, fewer rows)."""
    return RatingMonthly.objects.aggregate(n=Sum("ratings"))["n"] or 0


def daily_rows() -> int:
    return DailyFact.objects.count()
