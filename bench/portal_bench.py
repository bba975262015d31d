"""Benchmark: the public tracking page (``POST /tra-cuu/<code>/`` with the second factor) beside
a bare Django view returning "ok", measured in the same run on the same servers.

1. The database (``DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/motcua_bench_portal``) is created and migrated; the demo
   province is loaded and ``motcua simulate --dossiers N`` (bulk path) fills it unless it already
   holds N dossiers.
2. ``--servers`` processes serve the project (Django's threaded WSGI server, one listening socket
   per process on the same port with ``SO_REUSEPORT``); rate limits are lifted for the run.
3. ``--clients`` processes send requests for ``--seconds`` seconds on keep-alive connections:
   first to the bare view, then to the tracking page with random dossier codes of the sample
   and the right last 4 digits (each answer is checked for the dossier's status).

Prints requests/s, p50, p95 and p99 latency for both, as JSON.

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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench_portal"
BARE_PATH = "/bench-bare/"


def _ensure_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


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
    import django

    django.setup()
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


def _serve(port: int, url: str) -> None:
    os.environ.update(_env(url))
    import django

    django.setup()
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    from motcua.conf import urls

    urls.urlpatterns.insert(0, path(BARE_PATH.strip("/") + "/", lambda r: HttpResponse("ok")))
    clear_url_caches()
    settings.ALLOWED_HOSTS = ["*"]

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True
        request_queue_size = 512

        def server_bind(self) -> None:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            super().server_bind()

    class Quiet(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

    server = Server(("127.0.0.1", port), Quiet)
    server.set_app(get_wsgi_application())
    server.serve_forever()


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
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    _ensure_database(url)
    _prepare(url, args.dossiers)
    sample = _sample(args.sample)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    servers = [
        mp.Process(target=_serve, args=(port, url), daemon=True) for _ in range(args.servers)
    ]
    for p in servers:
        p.start()
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    from motcua.dossiers.models import Dossier

    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "dossiers": Dossier.objects.count(),
        "servers": args.servers,
        "clients": args.clients,
        "seconds": args.seconds,
        "bare_view": _measure(port, "bare", sample, args.clients, args.seconds),
        "tracking": _measure(port, "track", sample, args.clients, args.seconds),
    }
    for p in servers:
        p.terminate()
        p.join()
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
