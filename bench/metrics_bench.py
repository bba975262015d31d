"""Benchmark: monitoring pages from the aggregates vs the same numbers by full scan.

On PostgreSQL (``DATABASE_URL``, default ``…/motcua_metrics_bench``,
created and migrated if needed):

1. ``--dossiers`` simulated dossiers over ``--years`` (the engine's bulk simulator), unless the
   database already holds at least that many; ratings for a share of the ended dossiers;
2. ``motcua metrics rebuild --processes P`` (timed) — the aggregates from scratch, in ``P``
   forked parts (``--processes``, default 2; docs/monitoring.md);
3. server time of the province dashboard and of one agency's dashboard for a month and for a
   year, and of the public page (Django test client, ``--repeat`` runs, median and worst);
4. the same province numbers by **full scan** (every dossier's facts recomputed from the raw
   events in ``P`` parts, the raw path of ``motcua metrics verify``), and a check that they are
   equal;
5. ``verify --processes P`` (timed): the number of differences (must be 0).

Targets (issue 6): dashboard < 300 ms, public page < 100 ms at 10 million dossiers. The machine is
shared: run it large only on a dedicated server.

    bench/metrics [--dossiers 2000] [--years 1] [--repeat 5] [--processes 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))  # last: never shadows
from benchlib import django_setup, ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_metrics_bench"


def _timed(fn: Any, repeat: int) -> tuple[float, float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=2000)
    parser.add_argument("--years", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ratings", type=float, default=0.3, help="share of ended dossiers rated")
    parser.add_argument(
        "--processes", type=int, default=None, help="parts of rebuild / verify / full scan"
    )
    parser.add_argument("--workers", type=int, default=2, help="simulator processes")
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    django_setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from motcua.accounts.models import AgencyMembership, User
    from motcua.accounts.roles import Role
    from motcua.demo.services import demo_prepare
    from motcua.dossiers.models import Dossier
    from motcua.dossiers.simulation import simulate
    from motcua.monitoring import aggregate
    from motcua.monitoring import indicators as ind
    from motcua.ratings.models import Rating
    from motcua.ratings.services import rating_record

    call_command("migrate", verbosity=0)
    from django.conf import settings

    from motcua.catalogue.models import Procedure

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test client's host
    if not Procedure.objects.exists():
        demo_prepare()  # agencies, the 30 sample procedures, the demo accounts
    have = Dossier.objects.count()
    if have < args.dossiers:
        print(f"Simulating {args.dossiers - have} dossiers over {args.years} year(s)…")
        t = time.perf_counter()
        simulate(
            dossiers=args.dossiers - have,
            years=args.years,
            seed=have + 1,
            path="bulk",
            workers=args.workers,
        )
        print(f"  {time.perf_counter() - t:.1f} s")
    if not Rating.objects.exists():
        ended = Dossier.objects.filter(ended_at__isnull=False).order_by("pk")
        n = int(ended.count() * args.ratings)
        for i, d in enumerate(ended[:n].iterator()):
            rating_record(
                level=(4, 3, 4, 2, 1)[i % 5],
                source="counter_device",
                dossier=d,
                officer=d.assigned_to,
                at=d.ended_at,
            )
        print(f"  {n} ratings recorded")

    total = Dossier.objects.count()
    print(f"Database: {total} dossiers; {platform.processor() or platform.machine()}")
    import logging

    phases = logging.getLogger("motcua.monitoring.scan")
    phases.setLevel(logging.INFO)
    phases.addHandler(logging.StreamHandler(sys.stdout))
    phases.propagate = False
    processes = aggregate.effective_processes(args.processes)
    t = time.perf_counter()
    aggregate.rebuild(processes=processes)
    print(f"metrics rebuild ({processes} processes): {time.perf_counter() - t:.1f} s")

    last = Dossier.objects.order_by("-received_at").values_list("received_at", flat=True).first()
    day = timezone.localtime(last).date() if last else timezone.localdate()
    year = ind.Period.year(day.year)
    director = (
        User.objects.filter(
            memberships__role=Role.CENTER_DIRECTOR,
            memberships__agency__kind="provincial_service_center",
        ).first()
        or User.objects.filter(is_superuser=True).first()
    )
    client = Client()
    if (
        director is None
        or not AgencyMembership.objects.filter(user=director, role=Role.CENTER_DIRECTOR).exists()
    ):
        print("No provincial center director account: dashboard timings skipped.")
    else:
        client.force_login(director)
    agency_id = Dossier.objects.values_list("competent_agency_id", flat=True).order_by("id").first()
    pages = [
        ("province dashboard, month", f"/giam-sat/?ky={day:%Y-%m}"),
        ("province dashboard, year", f"/giam-sat/?ky={day.year}"),
        ("agency dashboard, month", f"/giam-sat/?ky={day:%Y-%m}&co_quan={agency_id}"),
        ("agency dashboard, year", f"/giam-sat/?ky={day.year}&co_quan={agency_id}"),
        ("public page, year", f"/cong-khai/?ky={day.year}"),
    ]
    print(f"\n{'page':32} {'median ms':>10} {'worst ms':>10}")
    for label, path in pages:
        med, worst, resp = _timed(lambda p=path: client.get(p), args.repeat)
        assert resp.status_code == 200, (path, resp.status_code)
        print(f"{label:32} {med:10.1f} {worst:10.1f}")

    def aggregate_numbers() -> dict[str, float]:
        return ind.sums(year, ind.Scope())

    def full_scan_numbers() -> dict[str, float]:
        totals, _n = aggregate.full_scan(processes=processes)
        out: dict[str, float] = dict.fromkeys(aggregate.COUNTERS, 0.0)
        lo, hi = year.start.isoformat(), year.end.isoformat()
        for key, row in totals.items():
            if lo <= key[0] <= hi:
                for c, v in row.items():
                    out[c] += v
        return out

    med_a, _w, a = _timed(aggregate_numbers, args.repeat)
    med_f, _w, f = _timed(full_scan_numbers, 1)
    same = all(abs(a[c] - f[c]) < 1e-3 for c in aggregate.COUNTERS)
    print(f"\nprovince counts for {year.label}: aggregates {med_a:.1f} ms, ", end="")
    print(f"full scan {med_f:.0f} ms")
    print(f"  equal: {same}")
    t = time.perf_counter()
    report = aggregate.verify(processes=processes)
    print(
        f"metrics verify ({processes} processes): {len(report.differences)} differences, "
        f"{report.dossiers} dossiers, {time.perf_counter() - t:.1f} s"
    )
    for line in report.differences[:10]:
        print(f"  {line}")


if __name__ == "__main__":
    main()
