"""Benchmark: the open API under concurrency on PostgreSQL — dossier GET, dossier list and an
online submission, beside a bare endpoint (``/healthz``: one ``SELECT 1``) in the same run.

The database (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/motcua_apibench``)
is created and migrated if needed, gets the demo's reference data (``motcua demo --no-serve``)
and is filled with ``motcua simulate`` up to ``--dossiers`` dossiers (the issue's target is
1 000 000; the default here is the demo's few hundred, see docs/benchmarks.md). Then
``--processes`` processes call each endpoint for ``--seconds`` through the whole Django stack
(middleware, authentication with an API key, rate limit, call log, the view, the JSON
rendering) with Django's WSGI handler in-process — no HTTP server, so the figures are the
application's and the database's, not a network's.

Prints requests per second and p50 / p95 / p99 latency per endpoint, each endpoint's rate as a
share of the bare endpoint's (same run), and whether GET meets the issue's p99 < 50 ms.

    bench/api [--dossiers 0] [--seconds 10] [--processes 4]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT / "src"))
sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))  # last: never shadows
from benchlib import django_setup, ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_apibench"
SCENARIOS = ("bare", "get", "list", "submit")


def _motcua(url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT / "src")}
    env.setdefault("DJANGO_SETTINGS_MODULE", "motcua.conf.settings.dev")
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "motcua", *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def _prepare(url: str, dossiers: int) -> dict[str, Any]:
    if ensure_database(url):
        print("Chuẩn bị CSDL (migrate + demo)…", flush=True)
        _motcua(url, "migrate", "-v0")
        _motcua(url, "demo", "--no-serve")
    os.environ["DATABASE_URL"] = url
    django_setup(MOTCUA_DEBUG="0", MOTCUA_ALLOWED_HOSTS="testserver,localhost")
    from motcua.dossiers.models import Dossier

    have = Dossier.objects.count()
    if dossiers > have:
        print(f"Sinh thêm {dossiers - have} hồ sơ (motcua simulate)…", flush=True)
        _motcua(url, "simulate", f"--dossiers={dossiers - have}", "--years=1")
    return _client()


def _client() -> dict[str, Any]:
    """An API client over every receiving agency, acting as one reception officer."""
    from motcua.accounts.models import AgencyMembership
    from motcua.accounts.roles import Role
    from motcua.agencies.models import Agency
    from motcua.api.models import ApiClient
    from motcua.api.services import api_client_create, api_client_rotate
    from motcua.catalogue.models import Channel, ChannelOption
    from motcua.dossiers.models import Dossier

    existing = ApiClient.objects.filter(name="bench-api").first()
    members = AgencyMembership.objects.filter(role=Role.RECEPTION_OFFICER).order_by("pk")
    if existing is not None and existing.user_id:
        members = members.filter(user_id=existing.user_id)
    member = members.first()
    if member is None:
        raise SystemExit("no reception officer in the database (run motcua demo)")
    agencies = list(Agency.objects.all())
    if existing is not None:  # a second run: a new key for the same client
        key = api_client_rotate(actor=None, client=existing)
    else:
        _, key = api_client_create(
            actor=None,
            name="bench-api",
            scopes=["dossiers:read", "dossiers:submit", "dossiers:act"],
            agencies=agencies,
            user=member.user,
            rate_limit_per_minute=10**9,
        )
    option = (
        ChannelOption.objects.filter(
            channel=Channel.ONLINE,
            version__status="published",
            version__receiving_agencies=member.agency,
        )
        .select_related("version__procedure")
        .first()
    )
    # Dossiers the officer may see (the client acts within that officer's scope).
    codes = list(
        Dossier.objects.filter(receiving_agency=member.agency)
        .exclude(code=None)
        .order_by("?")
        .values_list("code", flat=True)[:2000]
    )
    return {
        "key": key,
        "codes": codes,
        "procedure": option.version.procedure.code if option else None,
        "agency": member.agency.code,
    }


def _worker(scenario: str, seconds: float, ctx: dict[str, Any], out: Any, seed: int) -> None:
    django_setup(MOTCUA_DEBUG="0", MOTCUA_ALLOWED_HOSTS="testserver,localhost")
    from django.test import Client

    rng = random.Random(seed)
    http = Client(headers={"Authorization": f"Bearer {ctx['key']}"})
    timings: list[float] = []
    errors = 0
    warm = 3  # the first requests load the URL conf and the views: not counted
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline or warm > 0:
        started = time.perf_counter()
        if scenario == "bare":
            response = http.get("/healthz")
        elif scenario == "get":
            response = http.get(f"/api/v1/dossiers/{rng.choice(ctx['codes'])}")
        elif scenario == "list":
            response = http.get("/api/v1/dossiers?limit=50")
        else:
            body = {
                "procedure": ctx["procedure"],
                "receiving_agency": ctx["agency"],
                "channel": "online",
                "applicant": {
                    "full_name": "Nguyễn Thị Đo",
                    "personal_id": f"{rng.randrange(10**11, 10**12):012d}",
                },
            }
            response = http.post(
                "/api/v1/dossiers",
                data=json.dumps(body),
                content_type="application/json",
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
        if warm > 0:
            warm -= 1
            deadline = time.monotonic() + seconds
            continue
        timings.append(time.perf_counter() - started)
        if response.status_code >= 300:
            errors += 1
    out.put((timings, errors))


def _run(scenario: str, seconds: float, processes: int, ctx: dict[str, Any]) -> dict[str, Any]:
    queue: Any = mp.get_context("spawn").Queue()
    workers = [
        mp.get_context("spawn").Process(
            target=_worker, args=(scenario, seconds, ctx, queue, n), daemon=True
        )
        for n in range(processes)
    ]
    for w in workers:
        w.start()
    timings: list[float] = []
    errors = 0
    for _ in workers:
        got, bad = queue.get()
        timings += got
        errors += bad
    for w in workers:
        w.join()
    timings.sort()

    def pct(p: float) -> float:
        return timings[min(len(timings) - 1, int(p * len(timings)))] * 1000 if timings else 0.0

    return {
        "scenario": scenario,
        "requests": len(timings),
        "errors": errors,
        "per_second": len(timings) / seconds,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(timings) * 1000 if timings else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=0, help="fill up to N dossiers first")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("bench/api needs PostgreSQL (DATABASE_URL=postgres://…)")
    ctx = _prepare(url, args.dossiers)
    from motcua.dossiers.models import Dossier

    total = Dossier.objects.count()
    from django.db import connections

    connections.close_all()
    print(
        f"{total} hồ sơ trong CSDL; {args.processes} tiến trình × {args.seconds:g} s mỗi kịch bản"
    )
    print(
        f"{'kịch bản':<8} {'lượt/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'lỗi':>5} "
        f"{'/ bare':>7}"
    )
    bare_rate = 0.0
    for scenario in args.scenarios.split(","):
        r = _run(scenario, args.seconds, args.processes, ctx)
        if scenario == "bare":
            bare_rate = r["per_second"]
        ratio = f"{r['per_second'] / bare_rate:>7.3f}" if bare_rate else f"{'—':>7}"
        print(
            f"{r['scenario']:<8} {r['per_second']:>8.1f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
            f"{r['p99_ms']:>8.1f} {r['errors']:>5} {ratio}",
            flush=True,
        )
        if scenario == "get":
            verdict = "đạt" if r["p99_ms"] < 50 and not r["errors"] else "CHƯA ĐẠT"
            print(f"  mục tiêu GET p99 < 50 ms (issue 7): {verdict}", flush=True)


if __name__ == "__main__":
    main()
