"""Benchmark: the public tracking page (``POST /tra-cuu/<code>/`` with the second factor) beside
a bare Django view returning "ok", measured in the same run on the same servers.

1. The database (``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/motcua_bench_portal``) is created and migrated; the demo
   province is loaded and ``motcua simulate --dossiers N`` (bulk path) fills it unless it already
   holds N dossiers.
2. gunicorn serves the project as in production (docs/deployment.md): ``--servers`` sync
   worker processes (or ``--worker-class gthread --threads T``), each with at most one database
   connection per thread kept for the run; rate limits are lifted for the run.
3. ``--clients`` processes send requests for ``--seconds`` seconds on keep-alive connections:
   first to the bare view, then to the tracking page with random dossier codes of the sample
   and the right last 4 digits (each answer is checked for the dossier's status).

Prints requests/s, p50, p95 and p99 latency for both, the ratio tracking / bare and whether the
issue's target (≥ 500 requests/s, p99 < 50 ms, no error) is met, as JSON.

    bench/portal [--dossiers 1000000] [--servers 2] [--clients 8] [--seconds 20]

It loads the machine for as long as it runs: do not run it at full size on a shared machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT / "src"))
sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))  # last: never shadows
from benchlib import django_setup, ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench_portal"
BARE_PATH = "/bench-bare/"


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="motcua.conf.settings.dev",
        MOTCUA_TRACKING_PER_MINUTE="1000000000",
        MOTCUA_TRACKING_PER_CODE_HOUR="1000000000",
        MOTCUA_DB_CONN_MAX_AGE="600",
        MOTCUA_DEBUG="false",
        PYTHONPATH=str(ROOT / "src"),
    )
    return env


def _motcua(url: str, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "motcua", *args], check=True, env=_env(url), cwd=ROOT
    )


def _prepare(url: str, dossiers: int) -> None:
    os.environ.update(_env(url))
    django_setup()
    from motcua.dossiers.models import Dossier

    _motcua(url, "migrate", "--no-input", "-v", "0")
    have = Dossier.objects.count()
    if have < dossiers:
        from motcua.demo.services import demo_prepare

        demo_prepare()
        _motcua(url, "simulate", "--dossiers", str(dossiers - have), "-v", "0")


def _sample(n: int) -> list[tuple[str, str, str]]:
    """Random (code, last 4 digits, status label) of existing dossiers."""
    from django.db import connection

    from motcua.dossiers.models import Dossier
    from motcua.portal.text import last_digits

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM dossiers_dossier")
        top = cursor.fetchone()[0] or 0
    rng = random.Random(7)
    ids = [rng.randint(1, top) for _ in range(n * 2)]
    rows = (
        Dossier.objects.filter(pk__in=ids)
        .select_related("applicant")
        .only("code", "status", "applicant__phone", "applicant__personal_id")[:n]
    )
    out = []
    for d in rows:
        factor = last_digits(d.applicant.phone) or last_digits(d.applicant.personal_id)
        if factor:
            out.append((d.code, factor, d.get_status_display()))
    return out


def _application() -> Any:
    """The project's WSGI application with the bare view added in front of its URLs."""
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.db import connections
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    from motcua.conf import urls

    application = get_wsgi_application()
    urls.urlpatterns.insert(0, path(BARE_PATH.strip("/") + "/", lambda r: HttpResponse("ok")))
    clear_url_caches()
    settings.ALLOWED_HOSTS = ["*"]
    connections.close_all()  # each worker opens its own after the fork
    return application


def _serve(port: int, url: str, workers: int, worker_class: str, threads: int) -> None:
    """gunicorn, as in production (docs/deployment.md): ``workers`` processes, each holding at
    most one database connection per thread (``CONN_MAX_AGE``), so at most
    ``workers × threads`` connections."""
    os.environ.update(_env(url))
    django_setup()
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"127.0.0.1:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", worker_class)
            self.cfg.set("threads", threads)
            self.cfg.set("backlog", 512)
            self.cfg.set("keepalive", 5)
            self.cfg.set("loglevel", "warning")
            self.cfg.set("preload_app", True)

        def load(self) -> Any:
            return _application()

    Server().run()


def _client(port: int, kind: str, sample: list[Any], seconds: float, out: Any) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    rng = random.Random(os.getpid())
    latencies: list[float] = []
    errors = 0
    headers: dict[str, str] = {}
    if kind == "track":
        conn.request("GET", "/tra-cuu/")
        response = conn.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie", "").split(";")[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        headers = {
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}/tra-cuu/",
        }
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        if kind == "bare":
            conn.request("GET", BARE_PATH)
            ok = conn.getresponse().read() == b"ok"
        else:
            code, factor, status = rng.choice(sample)
            body = f"csrfmiddlewaretoken={token}&ma={code}&xac-minh={factor}"
            conn.request("POST", f"/tra-cuu/{code}/", body=body, headers=headers)
            response = conn.getresponse()
            ok = response.status == 200 and status in response.read().decode()
        latencies.append(time.perf_counter() - start)
        errors += not ok
    out.put((latencies, errors))


def _measure(
    port: int, kind: str, sample: list[Any], clients: int, seconds: float
) -> dict[str, Any]:
    queue: Any = mp.Queue()
    procs = [
        mp.Process(target=_client, args=(port, kind, sample, seconds, queue))
        for _ in range(clients)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    lat = sorted(x for r in results for x in r[0])
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [lat[0]] * 99
    return {
        "requests": len(lat),
        "errors": sum(r[1] for r in results),
        "requests_per_s": round(len(lat) / seconds, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p95_ms": round(q[94] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--servers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--worker-class", default="sync", help="gunicorn worker class: sync (default) or gthread"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    _prepare(url, args.dossiers)
    sample = _sample(args.sample)
    from django.db import connections

    connections.close_all()  # not inherited by the server's processes
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = mp.Process(
        target=_serve, args=(port, url, args.servers, args.worker_class, args.threads)
    )
    server.start()
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    from motcua.dossiers.models import Dossier

    bare = _measure(port, "bare", sample, args.clients, args.seconds)
    tracking = _measure(port, "track", sample, args.clients, args.seconds)
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1min_after": round(os.getloadavg()[0], 2),
        },
        "dossiers": Dossier.objects.count(),
        "server": f"gunicorn {args.worker_class}, {args.servers} workers"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else ""),
        "clients": args.clients,
        "seconds": args.seconds,
        "bare_view": bare,
        "tracking": tracking,
        "tracking_to_bare_ratio": round(
            tracking["requests_per_s"] / max(bare["requests_per_s"], 0.1), 3
        ),
        "target_met": tracking["requests_per_s"] >= 500
        and tracking["p99_ms"] < 50
        and tracking["errors"] == 0,
    }
    server.terminate()  # gunicorn's master stops its workers on SIGTERM
    server.join()
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
