"""CPU milliseconds per request, in-process: the public tracking page (``POST /tra-cuu/<code>/``
with the second factor and the CSRF token), the API dossier GET (with an API key) and a bare
view, through Django's whole stack (every middleware, the view, the template) without an HTTP
server, so the figure holds on a loaded machine where requests/s do not.

``time.process_time()`` counts this Python process only; PostgreSQL's CPU for the same requests
is read from its backend's ``/proc/<pid>/stat`` when the server runs on this machine (else
``null``); wall time and SQL statements per request are printed beside it. ``--profile
tracking`` (or ``api``) prints the functions with the most cumulative time (cProfile, CPU time).

    DATABASE_URL=postgres://…/motcua_perf_100k bench/cpu [--requests 2000] [--profile tracking]

The database must already hold dossiers (``bench/portal --dossiers N`` or ``motcua simulate``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))  # last: never shadows
from benchlib import django_setup  # noqa: E402

BARE_PATH = "/bench-bare/"


def _setup() -> None:
    django_setup(
        MOTCUA_DEBUG="0",
        MOTCUA_TRACKING_PER_MINUTE="1000000000",
        MOTCUA_TRACKING_PER_CODE_HOUR="1000000000",
        MOTCUA_DB_CONN_MAX_AGE="600",
    )
    from django.conf import settings
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    from motcua.conf import urls

    urls.urlpatterns.insert(0, path(BARE_PATH.strip("/") + "/", lambda r: HttpResponse("ok")))
    clear_url_caches()
    settings.ALLOWED_HOSTS = ["*"]


def _scenarios(requests: int) -> dict[str, Any]:
    from django.test import Client

    from api_bench import _client as api_context
    from portal_bench import _sample

    sample = _sample(min(requests, 2000))
    if not sample:
        raise SystemExit("no dossier with a phone or personal ID in the database")
    rng = random.Random(1)

    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/tra-cuu/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    def track() -> bool:
        code, factor, status = rng.choice(sample)
        response = browser.post(  # as a browser's form: urlencoded, not multipart
            f"/tra-cuu/{code}/",
            urlencode({"csrfmiddlewaretoken": token, "ma": code, "xac-minh": factor}),
            content_type="application/x-www-form-urlencoded",
        )
        return response.status_code == 200 and status in response.content.decode()

    ctx = api_context()
    system = Client(headers={"Authorization": f"Bearer {ctx['key']}"})

    def api_get() -> bool:
        return system.get(f"/api/v1/dossiers/{rng.choice(ctx['codes'])}").status_code == 200

    bare_client = Client()

    def bare() -> bool:
        return bare_client.get(BARE_PATH).content == b"ok"

    return {"bare": bare, "tracking": track, "api_get": api_get}


def _statements(fn: Any) -> list[str]:
    """The SQL of one call of ``fn`` (Django resets ``connection.queries`` at each request)."""
    from django.db import connection

    seen: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        fn()
    return seen


def _server_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far (``/proc``: the server on this
    machine, readable by this user), else ``None``."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _measure(fn: Any, requests: int) -> dict[str, Any]:
    for _ in range(20):  # warm: URL conf, templates, connections
        fn()
    queries = _statements(fn)
    errors = 0
    server = _server_cpu()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        errors += not fn()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    after = _server_cpu()
    return {
        "cpu_ms_per_request": round(cpu * 1000 / requests, 3),
        # PostgreSQL's side of the same requests (its backend process), when on this machine.
        "postgres_cpu_ms_per_request": (
            None if server is None or after is None else round((after - server) * 1e3 / requests, 3)
        ),
        "wall_ms_per_request": round(wall * 1000 / requests, 3),
        "sql_per_request": len(queries),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--only", default="bare,tracking,api_get")
    parser.add_argument("--profile", choices=["tracking", "api_get"], default=None)
    parser.add_argument("--show-sql", action="store_true", help="print one request's SQL")
    args = parser.parse_args()
    _setup()
    from motcua.dossiers.models import Dossier

    scenarios = _scenarios(args.requests)
    if args.show_sql:
        for name in args.only.split(","):
            scenarios[name]()
            queries = _statements(scenarios[name])
            print(f"--- {name}: {len(queries)} statements")
            for sql in queries:
                print("  ", sql[:160])
    if args.profile:
        fn = scenarios[args.profile]
        for _ in range(20):
            fn()
        profile = cProfile.Profile(time.process_time)  # CPU, not the wait for PostgreSQL
        profile.enable()
        for _ in range(args.requests):
            fn()
        profile.disable()
        out = io.StringIO()
        order = os.environ.get("SORT", "cumulative")  # or tottime
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(45)
        print(out.getvalue())
        return
    report = {
        "dossiers": Dossier.objects.count(),
        "requests": args.requests,
        "load_average_1min": round(os.getloadavg()[0], 2),
        **{name: _measure(scenarios[name], args.requests) for name in args.only.split(",")},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
