"""Benchmark: the "Xếp hàng tại quầy" panel of the monitoring dashboards at scale, in process.

Fills ``--sites`` sites × ``--days`` working days × ``--per-day`` tickets (bulk inserts with
waiting and service seconds, statuses as on a real floor: ~85 % served, ~8 % no-show, the rest
cancelled or waiting), then times ``queueing.stats.monitoring_panel`` for the whole province
over the period (median of ``--repeat`` runs): wall time, CPU time of this process
(``time.process_time``, the figure that does not depend on the machine's load) and the number
of queries.

The database (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/motcua_bench_panel``)
is created and migrated if needed; the bench sites ``panel-*`` and their tickets are reset.

    bench/queue-panel [--sites 20] [--days 30] [--per-day 250] [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT / "src"))
sys.path.append(str(ROOT / "bench"))  # last: never shadows

from benchlib import django_setup, ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench_panel"


def _fill(sites: int, days: int, per_day: int) -> tuple[dt.date, dt.date]:
    from django.db import connection
    from django.utils import timezone

    from motcua.accounts.models import User, UserKind
    from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel
    from motcua.queueing.models import Counter, ServiceGroup, Site, Ticket, TicketStatus

    unit, _ = AdministrativeUnit.objects.get_or_create(
        code="98", defaults={"name": "Tỉnh đo bảng giám sát", "level": UnitLevel.PROVINCE}
    )
    rng = random.Random(1)
    today = timezone.localdate()
    day_list: list[dt.date] = []
    day = today
    while len(day_list) < days:
        if day.weekday() < 5:
            day_list.append(day)
        day -= dt.timedelta(days=1)
    zone = timezone.get_default_timezone()
    for s in range(sites):
        agency, _ = Agency.objects.get_or_create(
            code=f"000.98.{s:02d}.H98",
            defaults={
                "name": f"Trung tâm đo {s}",
                "kind": AgencyKind.COMMUNE_SERVICE_CENTER,
                "unit": unit,
            },
        )
        site, _ = Site.objects.get_or_create(
            code=f"panel-{s}", defaults={"name": f"Điểm đo {s}", "agency": agency}
        )
        with connection.cursor() as cursor:
            for table in ("queueing_ticketevent", "queueing_ticket", "queueing_ticketsequence"):
                cursor.execute(f"DELETE FROM {table} WHERE site_id = %s", [site.pk])  # noqa: S608
        groups = [
            ServiceGroup.objects.get_or_create(site=site, code=c, defaults={"name": f"Nhóm {c}"})[0]
            for c in "ABCDE"
        ]
        counters, officers = [], []
        for n in range(1, 7):
            counter, _ = Counter.objects.get_or_create(site=site, number=n)
            counters.append(counter)
            user, _ = User.objects.get_or_create(
                username=f"panel.{s}.{n}",
                defaults={"full_name": f"Cán bộ {s}.{n}", "kind": UserKind.OFFICER},
            )
            officers.append(user)
        rows = []
        for d in day_list:
            opening = dt.datetime.combine(d, dt.time(7, 30), tzinfo=zone)
            for number in range(1, per_day + 1):
                queued = opening + dt.timedelta(seconds=rng.randint(0, 9 * 3600))
                roll = rng.random()
                status = (
                    TicketStatus.DONE
                    if roll < 0.85
                    else TicketStatus.NO_SHOW
                    if roll < 0.93
                    else TicketStatus.CANCELLED
                    if roll < 0.97
                    else TicketStatus.WAITING
                )
                k = rng.randrange(len(counters))
                called = status in (TicketStatus.DONE, TicketStatus.NO_SHOW)
                wait = int(rng.expovariate(1 / 900)) if called else None
                service = int(rng.expovariate(1 / 420)) if status == TicketStatus.DONE else None
                rows.append(
                    Ticket(
                        site=site,
                        group=groups[number % 5],
                        day=d,
                        number=number,
                        status=status,
                        issued_at=queued,
                        queued_at=queued,
                        counter=counters[k] if called else None,
                        officer=officers[k] if called else None,
                        first_called_at=queued + dt.timedelta(seconds=wait)
                        if wait is not None
                        else None,
                        wait_seconds=wait,
                        service_seconds=service,
                    )
                )
        Ticket.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE queueing_ticket")
    return min(day_list), max(day_list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    django_setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from motcua.queueing.models import Ticket
    from motcua.queueing.stats import monitoring_panel

    call_command("migrate", verbosity=0)
    start, end = _fill(args.sites, args.days, args.per_day)
    total = Ticket.objects.count()
    walls, cpus, queries = [], [], 0
    for _ in range(args.repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as ctx:
            panel = monitoring_panel(None, start, end)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        queries = len(ctx.captured_queries)
    assert panel is not None
    load = os.getloadavg()
    print(
        f"motcua bench/queue-panel — {platform.node()}, {os.cpu_count()} CPUs, "
        f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, DATABASE_URL={url}"
    )
    print(
        f"{total} tickets in the database ({args.sites} sites × {args.days} working days × "
        f"{args.per_day}); period {start}–{end}: {panel['period_totals'].issued} counted"
    )
    print(
        f"monitoring_panel, whole province: {queries} queries, wall median "
        f"{statistics.median(walls) * 1000:.0f} ms, CPU of this process median "
        f"{statistics.median(cpus) * 1000:.1f} ms (the rest is PostgreSQL)"
    )


if __name__ == "__main__":
    main()
