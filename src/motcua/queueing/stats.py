"""Queue statistics: waiting time and service time per group, counter and officer, by hour and
by day, and the no-show rate. Plain data, reusable by the monitoring dashboards
(``queue_report`` for one site, ``queue_figures`` for any set of tickets).

* waiting time = first call − entry in the queue (issue or check-in), for every called ticket;
* service time = end − start of service, for tickets served;
* no-show rate = no-shows ÷ (served + no-shows).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Value
from django.db.models.functions import ExtractHour, Least
from django.utils import timezone
from django.utils.translation import gettext

from motcua.queueing.charts import bar_chart
from motcua.queueing.models import Site, Ticket, TicketStatus

FIELDS = (
    "id",
    "day",
    "status",
    "priority",
    "queued_at",
    "first_called_at",
    "serving_started_at",
    "finished_at",
    "group__code",
    "group__name",
    "counter__number",
    "officer_id",
    "officer__full_name",
    "officer__username",
)


@dataclass
class Figures:
    """Counts and times (minutes) of a set of tickets."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    waiting: int = 0
    priority: int = 0
    wait_minutes: list[float] = field(default_factory=list)
    service_minutes: list[float] = field(default_factory=list)

    def add(self, row: dict[str, Any]) -> None:
        self.issued += 1
        status = row["status"]
        self.served += status == TicketStatus.DONE
        self.no_show += status == TicketStatus.NO_SHOW
        self.cancelled += status == TicketStatus.CANCELLED
        self.waiting += status == TicketStatus.WAITING
        self.priority += bool(row["priority"])
        if row["first_called_at"] and row["queued_at"]:
            wait = (row["first_called_at"] - row["queued_at"]).total_seconds() / 60
            self.wait_minutes.append(max(0.0, wait))
        if status == TicketStatus.DONE and row["serving_started_at"] and row["finished_at"]:
            spent = (row["finished_at"] - row["serving_started_at"]).total_seconds() / 60
            self.service_minutes.append(max(0.0, spent))

    @staticmethod
    def _mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 1) if values else None

    @property
    def mean_wait(self) -> float | None:
        return self._mean(self.wait_minutes)

    @property
    def max_wait(self) -> float | None:
        return round(max(self.wait_minutes), 1) if self.wait_minutes else None

    @property
    def mean_service(self) -> float | None:
        return self._mean(self.service_minutes)

    @property
    def no_show_rate(self) -> float | None:
        """Percentage, one decimal; None before anyone was served or missed."""
        base = self.served + self.no_show
        return round(100 * self.no_show / base, 1) if base else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "issued": self.issued,
            "served": self.served,
            "no_show": self.no_show,
            "cancelled": self.cancelled,
            "waiting": self.waiting,
            "priority": self.priority,
            "mean_wait_minutes": self.mean_wait,
            "max_wait_minutes": self.max_wait,
            "mean_service_minutes": self.mean_service,
            "no_show_rate": self.no_show_rate,
        }


def ticket_rows(site: Site | None, start: dt.date, end: dt.date) -> QuerySet[Ticket]:
    """Tickets of ``site`` (every site if None) for the days ``start``–``end`` inclusive,
    booked tickets not checked in left out."""
    qs = Ticket.objects.filter(day__gte=start, day__lte=end).exclude(status=TicketStatus.BOOKED)
    if site is not None:
        qs = qs.filter(site=site)
    return qs


def _officer(row: dict[str, Any]) -> str | None:
    if row["officer_id"] is None:
        return None
    return row["officer__full_name"] or row["officer__username"]


def _hour(row: dict[str, Any]) -> int | None:
    moment = row["queued_at"]
    return timezone.localtime(moment).hour if moment else None


#: The breakdowns of a report: name → key of a ticket row (None: not counted there).
KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "group": lambda r: f"{r['group__code']} — {r['group__name']}",
    "counter": lambda r: r["counter__number"],
    "officer": _officer,
    "hour": _hour,
    "day": lambda r: r["day"],
}


def queue_figures(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Totals and every breakdown of ``KEYS`` for ticket rows (``values(*FIELDS)``)."""
    total = Figures()
    parts: dict[str, dict[Any, Figures]] = {name: defaultdict(Figures) for name in KEYS}
    for row in rows:
        total.add(row)
        for name, key in KEYS.items():
            value = key(row)
            if value is not None:
                parts[name][value].add(row)
    return {
        "total": total,
        **{name: sorted(found.items(), key=lambda kv: kv[0]) for name, found in parts.items()},
    }


def queue_report(site: Site | None, start: dt.date, end: dt.date) -> dict[str, Any]:
    """``queue_figures`` of a site over ``start``–``end``: ``total`` and lists of
    ``(key, Figures)`` under ``group``, ``counter``, ``officer``, ``hour`` and ``day``."""
    rows = ticket_rows(site, start, end).values(*FIELDS).iterator(chunk_size=2000)
    return queue_figures(rows)


# --- the monitoring dashboards ----------------------------------------------------------------

#: Waiting and service times are bucketed by whole minute for the 90th percentile; longer
#: times fall in the last bucket ("240 minutes or more").
P90_CAP_MINUTES = 240
#: Rows of each breakdown on a dashboard (the longest mean waits first).
PANEL_ROWS = 10


@dataclass
class Summary:
    """Counts and times (minutes) of a set of tickets, aggregated in the database."""

    label: str = ""
    key: Any = None
    issued: int = 0
    served: int = 0
    no_show: int = 0
    mean_wait: float | None = None
    mean_service: float | None = None
    p90_wait: int | None = None
    p90_service: int | None = None

    @property
    def no_show_rate(self) -> float | None:
        base = self.served + self.no_show
        return round(100 * self.no_show / base, 1) if base else None


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _p90(histogram: Iterable[tuple[int, int]]) -> int | None:
    """The 90th percentile (nearest rank) of minute buckets ``(minute, count)``."""
    buckets = sorted(histogram)
    total = sum(n for _m, n in buckets)
    if not total:
        return None
    rank = -(-9 * total // 10)  # ceil(0.9 × total)
    seen = 0
    for minute, n in buckets:
        seen += n
        if seen >= rank:
            return int(minute)
    return int(buckets[-1][0])  # pragma: no cover - the loop always reaches the rank


def _bucket(field_name: str) -> Any:
    return Least(F(field_name) / 60, Value(P90_CAP_MINUTES))


def _figures(**filters: Q) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, q in filters.items():
        out[f"{name}_issued"] = Count("id", filter=q)
        out[f"{name}_served"] = Count("id", filter=q & Q(status=TicketStatus.DONE))
        out[f"{name}_no_show"] = Count("id", filter=q & Q(status=TicketStatus.NO_SHOW))
        out[f"{name}_wait"] = Avg("wait_seconds", filter=q)
        out[f"{name}_service"] = Avg("service_seconds", filter=q & Q(status=TicketStatus.DONE))
    return out


def _summary(row: dict[str, Any], name: str, label: str = "", key: Any = None) -> Summary:
    return Summary(
        label=label,
        key=key,
        issued=row[f"{name}_issued"] or 0,
        served=row[f"{name}_served"] or 0,
        no_show=row[f"{name}_no_show"] or 0,
        mean_wait=_minutes(row[f"{name}_wait"]),
        mean_service=_minutes(row[f"{name}_service"]),
    )


def _histograms(
    qs: QuerySet[Ticket], key: str | None, names: dict[str, Q]
) -> dict[tuple[str, str, Any], list[tuple[int, int]]]:
    """Minute buckets of waiting and service times: ``(metric, name, key value)`` →
    ``[(minute, count)]``. Two queries; rows ≤ keys × (``P90_CAP_MINUTES`` + 1)."""
    out: dict[tuple[str, str, Any], list[tuple[int, int]]] = defaultdict(list)
    for metric, column, extra in (
        ("wait", "wait_seconds", Q()),
        ("service", "service_seconds", Q(status=TicketStatus.DONE)),
    ):
        by = ["minute"] + ([key] if key else [])
        counts = {n: Count("id", filter=q) for n, q in names.items()}
        rows = (
            qs.filter(extra, **{f"{column}__isnull": False})
            .annotate(minute=_bucket(column))
            .values(*by)
            .annotate(**counts)
            .order_by()
        )
        for row in rows:
            for n in names:
                if row[n]:
                    out[(metric, n, row[key] if key else None)].append((row["minute"], row[n]))
    return out


#: Breakdowns of the dashboard panel: name → (key column, label columns).
BREAKDOWNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "group": ("group_id", ("site__name", "group__code", "group__name")),
    "counter": ("counter_id", ("site__name", "counter__number", "counter__label")),
    "officer": ("officer_id", ("officer__full_name", "officer__username")),
}


def _label(name: str, row: dict[str, Any], several_sites: bool) -> str:
    if name == "group":
        text = f"{row['group__code']} — {row['group__name']}"
    elif name == "counter":
        text = gettext("Quầy %(number)s") % {"number": row["counter__number"]} + (
            f" — {row['counter__label']}" if row["counter__label"] else ""
        )
    else:
        return str(row["officer__full_name"] or row["officer__username"])
    return f"{row['site__name']}: {text}" if several_sites else text


def monitoring_panel(
    agency_ids: Iterable[int] | None,
    start: dt.date,
    end: dt.date,
    *,
    officer_id: int | None = None,
    today: dt.date | None = None,
) -> dict[str, Any] | None:
    """The "Xếp hàng tại quầy" panel of the monitoring dashboards: the sites of ``agency_ids``
    (None = every site), today's and the period's (``start``–``end``) waiting and service times
    (mean and 90th percentile, minutes), no-show rate, tickets per hour, and the period per
    group, counter and officer (the ``PANEL_ROWS`` longest mean waits). None when no site is in
    scope.

    Bounded cost whatever the number of tickets: 14 queries on the ``(day, site)`` index, each
    aggregated in the database; the biggest answer has ``PANEL_ROWS`` × 241 rows."""
    sites_qs = Site.objects.filter(active=True)
    if agency_ids is not None:
        sites_qs = sites_qs.filter(agency_id__in=list(agency_ids))
    sites = list(sites_qs.order_by("name").only("pk", "code", "name"))
    if not sites:
        return None
    today = today or timezone.localdate()
    first, last = min(start, today), max(end, today)
    qs = Ticket.objects.filter(
        day__gte=first, day__lte=last, site_id__in=[s.pk for s in sites]
    ).exclude(status__in=[TicketStatus.BOOKED, TicketStatus.CANCELLED])
    if officer_id is not None:
        qs = qs.filter(officer_id=officer_id)
    names = {"today": Q(day=today), "period": Q(day__gte=start, day__lte=end)}

    # 1. Totals of today and of the period, one aggregate.
    row = qs.aggregate(
        **_figures(**names), days=Count("day", distinct=True, filter=names["period"])
    )
    totals = {n: _summary(row, n) for n in names}
    for (metric, n, _k), hist in _histograms(qs, None, names).items():
        setattr(totals[n], f"p90_{metric}", _p90(hist))

    # 2. Breakdowns of the period.
    period_qs = qs.filter(names["period"])
    several = len(sites) > 1
    breakdowns: dict[str, list[Summary]] = {}
    for name, (key, labels) in BREAKDOWNS.items():
        rows = list(
            period_qs.filter(**{f"{key}__isnull": False})
            .values(key, *labels)
            .annotate(**_figures(period=Q()))
            .order_by(F("period_wait").desc(nulls_last=True), key)[:PANEL_ROWS]
        )
        found = [_summary(r, "period", _label(name, r, several), r[key]) for r in rows]
        keyed = {s.key: s for s in found}
        if keyed:
            hists = _histograms(period_qs.filter(**{f"{key}__in": list(keyed)}), key, {"p": Q()})
            for (metric, _n, k), hist in hists.items():
                setattr(keyed[k], f"p90_{metric}", _p90(hist))
        breakdowns[name] = found

    # 3. Tickets per hour of entering the queue: today and the period's mean per day.
    zone = timezone.get_current_timezone()
    per_hour = (
        qs.filter(queued_at__isnull=False)
        .annotate(hour=ExtractHour("queued_at", tzinfo=zone))
        .values("hour")
        .annotate(
            today=Count("id", filter=names["today"]), period=Count("id", filter=names["period"])
        )
        .order_by("hour")
    )
    days = row["days"] or 0
    hours = [
        (r["hour"], r["today"], round(r["period"] / days, 1) if days else 0.0) for r in per_hour
    ]
    chart = bar_chart(
        gettext("Số vé theo giờ vào hàng chờ"),
        [f"{h}h" for h, _t, _m in hours],
        [
            (gettext("Hôm nay"), [t for _h, t, _m in hours]),
            (gettext("Trung bình một ngày trong kỳ"), [m for _h, _t, m in hours]),
        ],
    )
    return {
        "hours_svg": chart,
        "tables": [
            (gettext("Theo nhóm dịch vụ (chờ lâu nhất trước)"), breakdowns["group"], "group"),
            (gettext("Theo quầy (chờ lâu nhất trước)"), breakdowns["counter"], "counter"),
            (gettext("Theo cán bộ (chờ lâu nhất trước)"), breakdowns["officer"], "officer"),
        ],
        "sites": sites,
        "start": start,
        "end": end,
        "today": today,
        "today_totals": totals["today"],
        "period_totals": totals["period"],
        "days": days,
        "hours": hours,
        **breakdowns,
    }
