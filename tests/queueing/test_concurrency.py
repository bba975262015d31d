"""Call-next under concurrency: several processes, each driving counters that call and finish
as fast as they can, on PostgreSQL (real concurrent transactions; ``SKIP LOCKED``). No ticket
may be served twice and none may be lost. A SQLite variant runs the same loop in one process
with interleaved counters (SQLite serialises writers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection
from tests.queueing.conftest import Queue

from motcua.accounts.roles import Role
from motcua.accounts.services import officer_create
from motcua.queueing.models import Counter, EventKind, Ticket, TicketEvent, TicketStatus
from motcua.queueing.services import call_next, counter_sign_in, ticket_finish, ticket_issue

WORKERS = 4
COUNTERS_PER_WORKER = 2
TICKETS = 80

#: One worker: waits for the start signal, then each of its counters calls and finishes in
#: turn until nobody is waiting; prints the ticket ids it served.
SCRIPT = textwrap.dedent(
    """
    import datetime as dt, json, os, sys, time
    from zoneinfo import ZoneInfo
    import django
    django.setup()
    from motcua.queueing.models import Counter
    from motcua.queueing.services import call_next, ticket_finish

    numbers, go = [int(n) for n in sys.argv[1].split(",")], sys.argv[2]
    counters = [Counter.objects.select_related("officer").get(site__code="tinh", number=n)
                for n in numbers]
    moment = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    while not os.path.exists(go):
        time.sleep(0.005)
    served, active = [], list(counters)
    while active:
        for counter in list(active):
            ticket = call_next(counter=counter, officer=counter.officer, at=moment)
            if ticket is None:
                active.remove(counter)
                continue
            ticket_finish(counter=counter, officer=counter.officer, at=moment)
            served.append(ticket.pk)
    print(json.dumps(served))
    """
)


def _counters(queue: Queue, n: int) -> list[Counter]:
    counters = [queue.c1, queue.c2, queue.c3]
    for number in range(4, n + 1):
        counter = Counter.objects.create(site=queue.site, number=number)
        counter.groups.add(queue.a, queue.b)
        user, _ = officer_create(
            username=f"quay{number}",
            full_name=f"Quầy {number}",
            password=None,
            agency=queue.world.center,
            roles=[Role.RECEPTION_OFFICER],
        )
        counters.append(counter_sign_in(counter=counter, officer=user, at=queue.at(0)))
    queue.c1.groups.add(queue.b)
    queue.c2.groups.add(queue.b)
    return counters[:n]


def _issue(queue: Queue) -> list[int]:
    ids = []
    for i in range(TICKETS):
        group = queue.a if i % 3 else queue.b
        priority = "elderly" if i % 7 == 0 else ""
        ids.append(
            ticket_issue(site=queue.site, group=group, priority=priority, at=queue.at(i / 10)).pk
        )
    return ids


def _check(ids: list[int], served: list[int]) -> None:
    assert len(served) == len(set(served)), "a ticket was served twice"
    assert sorted(served) == sorted(ids), "a ticket was lost"
    assert Ticket.objects.filter(status=TicketStatus.DONE).count() == len(ids)
    calls = TicketEvent.objects.filter(kind=EventKind.CALL).values_list("ticket_id", flat=True)
    assert sorted(calls) == sorted(ids)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)
def test_parallel_counters_never_share_or_lose_a_ticket(queue: Queue, tmp_path: Path) -> None:
    counters = _counters(queue, WORKERS * COUNTERS_PER_WORKER)
    ids = _issue(queue)
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "motcua.conf.settings.test"}
    go = tmp_path / "go"
    procs = []
    for w in range(WORKERS):
        mine = counters[w * COUNTERS_PER_WORKER : (w + 1) * COUNTERS_PER_WORKER]
        numbers = ",".join(str(c.number) for c in mine)
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", SCRIPT, numbers, str(go)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    go.touch()
    served: list[int] = []
    per_worker = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err.decode()[-2000:]
        mine = json.loads(out.decode().strip().splitlines()[-1])
        per_worker.append(len(mine))
        served.extend(mine)
    _check(ids, served)
    assert sum(1 for n in per_worker if n > 0) >= 2, per_worker  # really concurrent


def test_interleaved_counters_never_share_or_lose_a_ticket(queue: Queue) -> None:
    counters = _counters(queue, 5)
    ids = _issue(queue)
    served: list[int] = []
    active = list(counters)
    while active:
        for counter in list(active):
            assert counter.officer is not None
            ticket = call_next(counter=counter, officer=counter.officer, at=queue.at(30))
            if ticket is None:
                active.remove(counter)
                continue
            served.append(ticket.pk)
            ticket_finish(counter=counter, officer=counter.officer, at=queue.at(30))
    _check(ids, served)
