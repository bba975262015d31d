"""Benchmark: the counter queue on PostgreSQL.

a. tickets issued per second through ``ticket_issue`` by ``--processes`` kiosk processes at one
   site (they share the site's daily number row: the worst case);
b. tickets called and finished per second by ``--processes`` processes, each driving
   ``--counters`` counters (``call_next`` + ``ticket_finish``: SKIP LOCKED under contention);
c. display-board latency with ``--displays`` boards connected to the event stream (SSE) of one
   site, served by Django's threaded WSGI server in another process: the time from the commit of
   a call to the moment every board has received the new board (p50 / p95 / max over ``--calls``
   calls, one call every 1.5 s), and how many boards missed a call (counted once per board);
d. the baseline: plain single-row inserts into the same ticket table from ``--processes``
   processes (no numbering, no event, no audit), and the ratio of (a) to it.

The database (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/motcua_bench_queue``)
is created and migrated if needed; the bench site "bench" and its tickets are reset each run.

    bench/queue [--seconds 20] [--processes 4] [--counters 4] [--displays 50] [--calls 20]

It loads the machine for as long as it runs: do not run it at full size on a shared machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))  # last: never shadows
from benchlib import django_setup, ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench_queue"


def _setup() -> None:
    django_setup()
    from django.conf import settings

    settings.MOTCUA_QUEUE_OPENING_HOURS = False


def _prepare(counters: int) -> None:
    """A fresh bench site with two groups and ``counters`` counters, each with its officer."""
    from motcua.accounts.roles import Role
    from motcua.accounts.services import officer_create
    from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel
    from motcua.queueing.models import Counter, ServiceGroup, Site, Ticket, TicketEvent
    from motcua.queueing.services import counter_sign_in

    unit, _ = AdministrativeUnit.objects.get_or_create(
        code="99", defaults={"name": "Tỉnh đo hiệu năng", "level": UnitLevel.PROVINCE}
    )
    agency, _ = Agency.objects.get_or_create(
        code="000.99.99.H99",
        defaults={
            "name": "Trung tâm đo hiệu năng",
            "kind": AgencyKind.PROVINCIAL_SERVICE_CENTER,
            "unit": unit,
        },
    )
    site, _ = Site.objects.get_or_create(code="bench", defaults={"name": "Bench", "agency": agency})
    from django.db import connection

    with connection.cursor() as cursor:  # the bench site's own rows only
        for table in (TicketEvent._meta.db_table, Ticket._meta.db_table, "queueing_ticketsequence"):
            cursor.execute(f"DELETE FROM {table} WHERE site_id = %s", [site.pk])  # noqa: S608
    Counter.objects.filter(site=site).update(officer=None)
    groups = [
        ServiceGroup.objects.get_or_create(site=site, code=code, defaults={"name": code})[0]
        for code in ("A", "B")
    ]
    for number in range(1, counters + 1):
        counter, _ = Counter.objects.get_or_create(site=site, number=number)
        counter.groups.set(groups)
        user, _ = officer_create(
            username=f"bench.quay{number}",
            full_name=f"Quầy {number}",
            password=None,
            agency=agency,
            roles=[Role.RECEPTION_OFFICER],
        )
        counter_sign_in(counter=counter, officer=user)


def _issuer(seconds: float, out: Any) -> None:
    _setup()
    from motcua.queueing.models import ServiceGroup, Site
    from motcua.queueing.services import ticket_issue

    site = Site.objects.get(code="bench")
    groups = list(ServiceGroup.objects.filter(site=site))
    done = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ticket_issue(site=site, group=groups[done % 2], priority="general" if done % 9 == 0 else "")
        done += 1
    out.put(done)


def _plain(index: int, seconds: float, out: Any) -> None:
    """The baseline: plain single-row inserts into the same ticket table (precomputed values,
    one row per transaction, no numbering, no event, no audit) on a day no real ticket uses."""
    _setup()
    import datetime as dt

    from django.utils import timezone

    from motcua.queueing.models import ServiceGroup, Site, Ticket, TicketStatus

    site = Site.objects.get(code="bench")
    group = ServiceGroup.objects.filter(site=site).first()
    day = dt.date(2099, 1, 1)
    now = timezone.now()
    done = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        Ticket.objects.create(
            site=site,
            group=group,
            day=day,
            number=10_000_000 * (index + 1) + done,
            status=TicketStatus.DONE,
            issued_at=now,
        )
        done += 1
    out.put(done)


def _caller(numbers: list[int], seconds: float, out: Any) -> None:
    _setup()
    from motcua.queueing.models import Counter
    from motcua.queueing.services import call_next, ticket_finish

    counters = [
        Counter.objects.select_related("officer", "site").get(site__code="bench", number=n)
        for n in numbers
    ]
    done = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for counter in counters:
            ticket = call_next(counter=counter, officer=counter.officer)
            if ticket is None:
                continue
            ticket_finish(counter=counter, officer=counter.officer)
            done += 1
    out.put(done)


def _run(target: Any, args_list: list[tuple[Any, ...]]) -> tuple[int, float]:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, out)) for args in args_list]
    start = time.monotonic()
    for p in procs:
        p.start()
    total = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    return total, time.monotonic() - start


def _serve(port: int, ready: Any) -> None:
    _setup()
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", port), Quiet)
    server.set_app(get_wsgi_application())
    ready.set()
    server.serve_forever()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _display(
    board: int, port: int, seen: dict[int, dict[int, float]], lock: threading.Lock, stop: Any
) -> None:
    """One board: follows the event stream, reconnecting when the server ends it. Records the
    first moment this board received each board version (a reconnection sends the current
    state again: it is not a second delivery)."""
    last = ""
    while not stop.is_set():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Accept": "text/event-stream"}
        if last:
            headers["Last-Event-ID"] = last
        conn.request("GET", "/xep-hang/bang/bench/su-kien/", headers=headers)
        response = conn.getresponse()
        event_id = ""
        while not stop.is_set():
            line = response.fp.readline()
            if not line:
                break
            text = line.decode().rstrip("\n")
            if text.startswith("id: "):
                event_id = text[4:]
            elif text.startswith("data: "):
                now = time.monotonic()
                version = json.loads(text[6:])["version"]
                last = event_id
                with lock:
                    seen.setdefault(version, {}).setdefault(board, now)
        conn.close()


def _latency(displays: int, calls: int) -> dict[str, float]:
    from motcua.queueing.models import Counter, ServiceGroup, Site
    from motcua.queueing.selectors import board_version
    from motcua.queueing.services import call_next, ticket_finish, ticket_issue

    ctx = mp.get_context("fork")
    port = _free_port()
    ready = ctx.Event()
    server = ctx.Process(target=_serve, args=(port, ready), daemon=True)
    server.start()
    ready.wait(30)
    seen: dict[int, dict[int, float]] = {}
    lock = threading.Lock()
    stop = threading.Event()
    threads = [
        threading.Thread(target=_display, args=(n, port, seen, lock, stop), daemon=True)
        for n in range(displays)
    ]
    for t in threads:
        t.start()
    site = Site.objects.get(code="bench")
    group = ServiceGroup.objects.filter(site=site).first()
    counter = Counter.objects.select_related("officer").get(site=site, number=1)
    time.sleep(3)  # every board connected and got its first state
    lags: list[float] = []
    missing = 0
    for _ in range(calls):
        ticket_issue(site=site, group=group)
        assert counter.officer is not None
        call_next(counter=counter, officer=counter.officer)
        committed = time.monotonic()
        version = board_version(site)
        time.sleep(1.5)
        with lock:
            got = list(seen.get(version, {}).values())
        missing += displays - len(got)
        lags.extend(t - committed for t in got)
        ticket_finish(counter=counter, officer=counter.officer)
    stop.set()
    server.terminate()
    server.join(5)
    lags.sort()
    return {
        "p50": statistics.median(lags) if lags else float("nan"),
        "p95": lags[int(0.95 * (len(lags) - 1))] if lags else float("nan"),
        "max": lags[-1] if lags else float("nan"),
        "missing": missing,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--counters", type=int, default=4, help="counters per process")
    parser.add_argument("--displays", type=int, default=50)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    _setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    total_counters = args.processes * args.counters
    _prepare(total_counters)
    connections.close_all()  # forked workers open their own connections

    print(f"motcua bench/queue — {platform.node()} {platform.processor() or platform.machine()}")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, DATABASE_URL={url}")
    issued, spent = _run(_issuer, [(args.seconds,)] * args.processes)
    print(
        f"a. issue:  {issued} tickets in {spent:.1f} s by {args.processes} processes "
        f"= {issued / spent:.1f} tickets/s"
    )
    numbers = list(range(1, total_counters + 1))
    shares = [(numbers[i :: args.processes], args.seconds) for i in range(args.processes)]
    called, spent = _run(_caller, shares)
    print(
        f"b. call + finish: {called} tickets in {spent:.1f} s by {args.processes} processes x "
        f"{args.counters} counters = {called / spent:.1f} tickets/s"
    )
    connections.close_all()
    lat = _latency(args.displays, args.calls)
    print(
        f"c. board latency, {args.displays} displays, {args.calls} calls: "
        f"p50 {lat['p50'] * 1000:.0f} ms, p95 {lat['p95'] * 1000:.0f} ms, "
        f"max {lat['max'] * 1000:.0f} ms, boards that missed a call {lat['missing']:.0f}"
    )
    connections.close_all()
    plain, spent_plain = _run(_plain, [(i, args.seconds) for i in range(args.processes)])
    print(
        f"d. baseline, plain single-row inserts into the ticket table: {plain} rows in "
        f"{spent_plain:.1f} s by {args.processes} processes = {plain / spent_plain:.1f} rows/s"
    )
    print(f"ratio issue (a) / baseline (d): {issued / spent / (plain / spent_plain):.3f}")


if __name__ == "__main__":
    main()
