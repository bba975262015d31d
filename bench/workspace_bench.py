"""Benchmark: server time of the officer workspace's pages at scale, on PostgreSQL.

Fills the database (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/motcua_bench``;
created and migrated if needed, with the demo's reference data) up to ``--dossiers`` dossiers
with the engine's bulk simulator (``motcua.dossiers.simulation.simulate``, the services' exact
rows), then measures, in-process with Django's test client (the full request: middleware, the
session, the view, the template), the server time of:

* the worklist of the reception officer and of the department head with the most dossiers —
  first page, and a page far down the list reached with the keyset cursor;
* a search without diacritics (an applicant's name) and by dossier code;
* the dossier page of random dossiers in the officer's scope.

Each page ``--repeat`` times (default 20) after one warm-up; prints the median and p95 in ms and
the number of SQL queries. The target of issue 4 is < 100 ms at 1 000 000 dossiers.

    bench/workspace [--dossiers 1000000] [--repeat 20]

Do not run it at full size on a shared machine: the 1 M fill takes a long time and both cores.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))  # last: never shadows
from benchlib import django_setup, ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench"


def _fill(target: int) -> int:
    from motcua.dossiers.models import Dossier
    from motcua.dossiers.simulation import simulate

    have = Dossier.objects.count()
    if have < target:
        print(f"filling: {have} → {target} dossiers (bulk simulator)…", flush=True)
        started = time.monotonic()
        simulate(dossiers=target - have, years=1.0, seed=have + 1, path="bulk")
        print(f"  filled in {time.monotonic() - started:.0f} s", flush=True)
    return Dossier.objects.count()


def _busiest(role: str) -> Any:
    """The officer with this role at the agency holding (or having received) most dossiers."""
    from django.db.models import Count

    from motcua.accounts.models import AgencyMembership
    from motcua.dossiers.models import Dossier

    field = "receiving_agency" if role == "reception_officer" else "current_agency"
    for row in Dossier.objects.values(field).annotate(n=Count("id")).order_by("-n")[:20].iterator():
        member = (
            AgencyMembership.objects.filter(agency_id=row[field], role=role)
            .select_related("user")
            .first()
        )
        if member is not None:
            return member.user
    raise SystemExit(f"no officer with role {role} holds dossiers")


def _time(client: Any, url: str, repeat: int) -> tuple[float, float, int, int]:
    from django.db import connection

    response = client.get(url)  # warm-up
    status = response.status_code
    timings = []
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return statistics.median(timings), p95, len(queries), status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("bench/workspace needs PostgreSQL (DATABASE_URL=postgres://…)")
    ensure_database(url)
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from motcua.demo.services import demo_prepare
    from motcua.workspace import selectors

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    call_command("migrate", interactive=False, verbosity=0)
    demo_prepare(dossiers=False)
    total = _fill(args.dossiers)
    print(f"dossiers in the database: {total}")

    rows: list[tuple[str, str, float, float, int, int]] = []
    rng = random.Random(1)
    for role, box in (("reception_officer", "moi-tiep-nhan"), ("department_head", "dang-xu-ly")):
        user = _busiest(role)
        client = Client()
        client.force_login(user)
        ctx = selectors.officer_context(user)
        chosen = selectors.BOX_BY_SLUG[box]
        base = f"/can-bo/?hop={box}"
        rows.append((f"{role}: {box}, page 1", base, *_time(client, base, args.repeat)))
        # walk the keyset cursor 20 pages down, then time that page
        cursor = None
        for _ in range(20):
            _page, nxt = selectors.worklist(user, ctx, chosen, after=cursor)
            if nxt is None:
                break
            cursor = nxt
        if cursor is not None:
            deep = f"{base}&sau={selectors.cursor_text(cursor)}"
            rows.append((f"{role}: {box}, page 21", deep, *_time(client, deep, args.repeat)))
        overdue = "/can-bo/?hop=qua-han"
        rows.append((f"{role}: overdue", overdue, *_time(client, overdue, args.repeat)))
        sample, _ = selectors.worklist(user, ctx, selectors.BOX_BY_SLUG["qua-han"], limit=50)
        if sample:
            d = rng.choice(sample)
            name = d.applicant.search_key.split()[:3]
            search = f"{base}&q={'+'.join(name)}"
            rows.append((f"{role}: search by name", search, *_time(client, search, args.repeat)))
            by_code = f"/can-bo/?hop=qua-han&q={d.code}"
            rows.append((f"{role}: search by code", by_code, *_time(client, by_code, args.repeat)))
            for d in rng.sample(sample, min(3, len(sample))):
                detail = f"/can-bo/ho-so/{d.code}/"
                rows.append((f"{role}: dossier page", detail, *_time(client, detail, args.repeat)))

    print("\n| page | median ms | p95 ms | queries | status |\n|---|---|---|---|---|")
    for label, _url, median, p95, queries, status in rows:
        print(f"| {label} | {median:.1f} | {p95:.1f} | {queries} | {status} |")


if __name__ == "__main__":
    main()
