"""The "Xếp hàng tại quầy" panel of the monitoring dashboards: today's and the period's
waiting and service times (mean and 90th percentile), no-show rate, tickets per hour, per
group, counter and officer — aggregated in the database with a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from tests.queueing.conftest import MORNING, Queue

from motcua.accounts.roles import Role
from motcua.accounts.services import officer_create
from motcua.queueing.models import Counter, ServiceGroup, Site, Ticket
from motcua.queueing.services import (
    call_next,
    ticket_book,
    ticket_finish,
    ticket_issue,
    ticket_no_show,
    ticket_start,
)
from motcua.queueing.stats import _p90, monitoring_panel

DAY = MORNING.date()


def _morning(q: Queue) -> None:
    """Waits 20, 30, 10 minutes; services 10 and 20 minutes; one no-show (as test_stats)."""
    ticket_issue(site=q.site, group=q.a, at=q.at(0))
    ticket_issue(site=q.site, group=q.a, at=q.at(10))
    ticket_issue(site=q.site, group=q.b, priority="elderly", at=q.at(65))
    call_next(counter=q.c1, officer=q.o1, at=q.at(20))
    ticket_start(counter=q.c1, officer=q.o1, at=q.at(22))
    ticket_finish(counter=q.c1, officer=q.o1, at=q.at(32))
    call_next(counter=q.c2, officer=q.o2, at=q.at(40))
    ticket_no_show(counter=q.c2, officer=q.o2, at=q.at(45))
    call_next(counter=q.c3, officer=q.o3, at=q.at(75))
    ticket_start(counter=q.c3, officer=q.o3, at=q.at(75))
    ticket_finish(counter=q.c3, officer=q.o3, at=q.at(95))


def test_times_are_stored_when_they_happen(queue: Queue) -> None:
    _morning(queue)
    rows = dict(Ticket.objects.values_list("number", "wait_seconds"))
    assert rows == {1: 20 * 60, 2: 30 * 60, 3: 10 * 60}
    served = dict(Ticket.objects.values_list("number", "service_seconds"))
    assert served == {1: 10 * 60, 2: None, 3: 20 * 60}


def test_p90_nearest_rank() -> None:
    assert _p90([]) is None
    assert _p90([(m, 1) for m in range(1, 11)]) == 9
    assert _p90([(5, 9), (60, 1)]) == 5
    assert _p90([(5, 8), (60, 2)]) == 60
    assert _p90([(30, 1), (10, 1), (20, 1)]) == 30  # unsorted buckets


def test_panel_today_and_period(queue: Queue, django_assert_num_queries: Any) -> None:
    q = queue
    _morning(q)
    # Yesterday (Friday 27 Feb) one more ticket at counter 1: waited 60 minutes, served 5.
    friday = MORNING - dt.timedelta(days=3)
    ticket_issue(site=q.site, group=q.a, at=friday)
    call_next(counter=q.c1, officer=q.o1, at=friday + dt.timedelta(minutes=60))
    ticket_start(counter=q.c1, officer=q.o1, at=friday + dt.timedelta(minutes=60))
    ticket_finish(counter=q.c1, officer=q.o1, at=friday + dt.timedelta(minutes=65))
    with django_assert_num_queries(14):
        panel = monitoring_panel(None, dt.date(2026, 2, 1), dt.date(2026, 3, 31), today=DAY)
    assert panel is not None
    today, period = panel["today_totals"], panel["period_totals"]
    assert (today.issued, today.served, today.no_show) == (3, 2, 1)
    assert today.mean_wait == 20.0
    assert today.p90_wait == 30
    assert today.mean_service == 15.0
    assert today.p90_service == 20
    assert today.no_show_rate == 33.3
    assert (period.issued, period.served, period.no_show) == (4, 3, 1)
    assert period.mean_wait == 30.0  # (20 + 30 + 10 + 60) / 4
    assert period.p90_wait == 60
    assert period.no_show_rate == 25.0
    assert (period.mean_service, period.p90_service) == (11.7, 20)  # 10, 20, 5
    assert panel["days"] == 2
    # Per hour of entering the queue: 8h twice today (and Friday's 8h), 9h once.
    assert panel["hours"] == [(8, 2, 1.5), (9, 1, 0.5)]
    # Per group, the longest mean wait first.
    groups = [(g.label, g.issued, g.mean_wait, g.p90_wait) for g in panel["group"]]
    assert groups == [("A — Đất đai", 3, 36.7, 60), ("B — Tư pháp, hộ tịch", 1, 10.0, 10)]
    counters = {c.label: c for c in panel["counter"]}
    assert counters["Quầy 1"].mean_service == 7.5
    assert counters["Quầy 1"].p90_service == 10
    assert counters["Quầy 2"].no_show_rate == 100.0
    officers = {o.label: o for o in panel["officer"]}
    assert officers[q.o3.full_name].mean_wait == 10.0
    svg = str(panel["hours_svg"])
    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert ">8h<" in svg
    assert ">1,5<" in svg

    # Out of the period and out of today: nothing, and still no booked ticket counted.
    ticket_book(site=q.site, group=q.a, slot=MORNING + dt.timedelta(days=1), at=MORNING)
    later = monitoring_panel(None, dt.date(2026, 4, 1), dt.date(2026, 4, 30), today=DAY)
    assert later is not None
    assert later["period_totals"].issued == 0
    assert later["period_totals"].p90_wait is None
    assert later["today_totals"].issued == 3
    assert later["group"] == []


def test_panel_query_count_does_not_grow(queue: Queue, django_assert_num_queries: Any) -> None:
    """A second site with its groups, counters and tickets: still 14 queries."""
    q = queue
    _morning(q)
    other = Site.objects.create(code="xa", name="Trung tâm xã", agency=q.world.other_center)
    for n in range(3):
        group = ServiceGroup.objects.create(site=other, code=f"X{n}", name=f"Nhóm {n}")
        counter = Counter.objects.create(site=other, number=n + 1)
        counter.groups.add(group)
        for i in range(4):
            ticket_issue(site=other, group=group, at=q.at(i))
    with django_assert_num_queries(14):
        panel = monitoring_panel(None, DAY, DAY, today=DAY)
    assert panel is not None
    assert panel["period_totals"].issued == 15
    labels = [g.label for g in panel["group"]]
    assert "Trung tâm PVHCC tỉnh: A — Đất đai" in labels  # several sites: named


def test_panel_scoped_to_agencies_and_officer(queue: Queue) -> None:
    q = queue
    _morning(q)
    assert monitoring_panel([q.world.land.pk], DAY, DAY, today=DAY) is None  # no site there
    mine = monitoring_panel([q.world.center.pk], DAY, DAY, today=DAY)
    assert mine is not None
    assert mine["period_totals"].issued == 3
    one = monitoring_panel(None, DAY, DAY, officer_id=q.o3.pk, today=DAY)
    assert one is not None
    assert one["period_totals"].issued == 1
    assert [o.label for o in one["officer"]] == [q.o3.full_name]


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_dashboard_shows_the_panel(queue: Queue) -> None:
    q = queue
    _morning(q)
    html = _client(q.world.director).get("/giam-sat/?ky=2026-03").content.decode()
    assert 'id="xep-hang"' in html
    assert "Xếp hàng tại quầy" in html
    period = html.split("data-queue-period>")[1].split("</tr>")[0]
    cells = [c.split(">")[1].split("<")[0] for c in period.split('<td class="num"')[1:]]
    assert cells == ["3", "2", "1", "33.3 %", "20.0", "30", "15.0", "20"] or cells == [
        "3",
        "2",
        "1",
        "33,3 %",
        "20,0",
        "30",
        "15,0",
        "20",
    ]
    assert "/xep-hang/thong-ke/?diem=tinh&amp;tu=2026-03-01&amp;den=2026-03-31" in html
    assert "Số vé theo giờ vào hàng chờ" in html
    # The statistics page opens for the director who monitors the site.
    stats = _client(q.world.director).get("/xep-hang/thong-ke/?diem=tinh&tu=2026-03-02")
    assert stats.status_code == 200


@pytest.mark.django_db
def test_agency_head_sees_only_their_sites(queue: Queue) -> None:
    q = queue
    _morning(q)
    commune = Site.objects.create(code="xa", name="Trung tâm xã", agency=q.world.other_center)
    group = ServiceGroup.objects.create(site=commune, code="X", name="Hộ tịch xã")
    ticket_issue(site=commune, group=group, at=q.at(0))
    head, _ = officer_create(
        username="giamdoc.xa",
        full_name="Giám đốc xã",
        password=None,
        agency=q.world.other_center,
        roles=[Role.CENTER_DIRECTOR],
    )
    html = _client(head).get("/giam-sat/?ky=2026-03").content.decode()
    assert "Xếp hàng tại quầy" in html
    assert "diem=xa" in html
    assert "diem=tinh" not in html
    period = html.split("data-queue-period>")[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in period
    # The head of an agency without a queue site gets no panel.
    leader_html = _client(q.world.leader).get("/giam-sat/?ky=2026-03").content.decode()
    assert "Xếp hàng tại quầy" not in leader_html
    # Nor may they open the statistics of a site outside their agency.
    assert _client(q.world.leader).get("/xep-hang/thong-ke/").status_code == 404
