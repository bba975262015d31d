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

from django.db.models import QuerySet
from django.utils import timezone

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
