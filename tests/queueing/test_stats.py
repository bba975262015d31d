"""Queue statistics: waiting and service times per group, counter, officer, hour and day, and
the no-show rate, from tickets moved through the real services at known moments."""

from __future__ import annotations

import datetime as dt

from tests.queueing.conftest import MORNING, Queue

from motcua.queueing.services import (
    call_next,
    ticket_finish,
    ticket_issue,
    ticket_no_show,
    ticket_start,
)
from motcua.queueing.stats import queue_report


def test_report_times_and_no_show_rate(queue: Queue) -> None:
    q = queue
    # 08:00 A, 08:10 A, 09:05 B (priority).
    ticket_issue(site=q.site, group=q.a, at=q.at(0))
    ticket_issue(site=q.site, group=q.a, at=q.at(10))
    ticket_issue(site=q.site, group=q.b, priority="elderly", at=q.at(65))
    # Counter 1 calls #1 at 08:20 (waited 20), serves 08:22–08:32 (10 min).
    call_next(counter=q.c1, officer=q.o1, at=q.at(20))
    ticket_start(counter=q.c1, officer=q.o1, at=q.at(22))
    ticket_finish(counter=q.c1, officer=q.o1, at=q.at(32))
    # Counter 2 calls #2 at 08:40 (waited 30): no-show.
    call_next(counter=q.c2, officer=q.o2, at=q.at(40))
    ticket_no_show(counter=q.c2, officer=q.o2, at=q.at(45))
    # Counter 3 calls #3 at 09:15 (waited 10), serves 09:15–09:35 (20 min).
    call_next(counter=q.c3, officer=q.o3, at=q.at(75))
    ticket_start(counter=q.c3, officer=q.o3, at=q.at(75))
    ticket_finish(counter=q.c3, officer=q.o3, at=q.at(95))

    report = queue_report(q.site, MORNING.date(), MORNING.date())
    total = report["total"]
    assert (total.issued, total.served, total.no_show, total.priority) == (3, 2, 1, 1)
    assert total.mean_wait == 20.0  # (20 + 30 + 10) / 3
    assert total.max_wait == 30.0
    assert total.mean_service == 15.0  # (10 + 20) / 2
    assert total.no_show_rate == 33.3
    groups = dict(report["group"])
    assert groups["A — Đất đai"].no_show_rate == 50.0
    assert groups["B — Tư pháp, hộ tịch"].mean_service == 20.0
    counters = dict(report["counter"])
    assert counters[1].mean_service == 10.0
    assert counters[2].no_show == 1
    officers = dict(report["officer"])
    assert officers[q.o3.full_name].mean_wait == 10.0
    hours = dict(report["hour"])
    assert hours[8].issued == 2
    assert hours[9].issued == 1
    assert dict(report["day"])[MORNING.date()].issued == 3
    # Another day has nothing; another site neither.
    assert (
        queue_report(q.site, MORNING.date() + dt.timedelta(1), MORNING.date() + dt.timedelta(1))[
            "total"
        ].issued
        == 0
    )
    assert total.as_dict()["no_show_rate"] == 33.3


def test_empty_report(queue: Queue) -> None:
    report = queue_report(queue.site, MORNING.date(), MORNING.date())
    total = report["total"]
    assert total.issued == 0
    assert total.mean_wait is None
    assert total.no_show_rate is None
    assert report["group"] == []
