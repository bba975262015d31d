"""Benchmark: the simulator (``motcua simulate``, bulk path) in one process and in parallel parts.

For each run a fresh database is copied from a template (migrated, with the demo's agencies,
30 procedures, officers and 318 dossiers), then ``motcua simulate --dossiers N --years Y
--seed S --workers W`` runs in a subprocess, timed from start to exit (applicants, simulation,
writing, everything). The baseline is the same simulation with ``--workers 1`` in the same
run; the rows written are the same (tests/dossiers/test_simulation.py).

Prints dossiers per second, the ratio to the baseline and the time one million dossiers would
take at that rate.

    bench/simulate [--dossiers 100000] [--years 3] [--workers 2] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
TEMPLATE = "motcua_simbench_tpl"
TARGET = "motcua_simbench"


def _admin() -> psycopg.Connection:
    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def _motcua(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT / "src")}
    env.setdefault("DJANGO_SETTINGS_MODULE", "motcua.conf.settings.dev")
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "motcua", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        done.check_returncode()
    return done


def _fingerprint() -> str:
    """The migrations and the demo's code the template was made from: a template made before a
    new migration (or another demo) is made again, not copied stale."""
    digest = hashlib.sha256()
    src = ROOT / "src" / "motcua"
    for path in sorted([*src.glob("*/migrations/0*.py"), *src.glob("**/demo*.py")]):
        digest.update(str(path.relative_to(src)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _template() -> None:
    fingerprint = _fingerprint()
    with _admin() as conn:
        found = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [TEMPLATE],
        ).fetchone()
        if found is not None and found[0] == fingerprint:
            return
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    url = f"{SERVER}/{TEMPLATE}"
    print("Chuẩn bị CSDL mẫu (migrate + demo)…", flush=True)
    _motcua(url, "migrate", "-v0")
    _motcua(url, "demo", "--no-serve")
    with _admin() as conn:  # written last: a template left half-made is made again
        conn.execute(f"COMMENT ON DATABASE \"{TEMPLATE}\" IS '{fingerprint}'")


def _fresh() -> str:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TARGET}"')
        conn.execute(f'CREATE DATABASE "{TARGET}" TEMPLATE "{TEMPLATE}"')
    return f"{SERVER}/{TARGET}"


def _run(dossiers: int, years: float, seed: int, workers: int) -> tuple[float, str]:
    url = _fresh()
    started = time.monotonic()
    done = _motcua(
        url,
        "simulate",
        f"--dossiers={dossiers}",
        f"--years={years}",
        f"--seed={seed}",
        f"--workers={workers}",
    )
    seconds = time.monotonic() - started
    return seconds, done.stdout.strip().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    print(
        f"Máy: {os.cpu_count()} lõi, Python {platform.python_version()}, "
        f"{platform.machine()}, PostgreSQL {urlparse(SERVER).hostname}"
    )
    _template()
    rates: dict[int, float] = {}
    runs = [args.workers] if args.skip_baseline else [1, args.workers]
    for workers in runs:
        seconds, summary = _run(args.dossiers, args.years, args.seed, workers)
        rates[workers] = args.dossiers / seconds
        per_million = 1_000_000 / rates[workers]
        print(
            f"--workers {workers}: {seconds:.1f} s, {rates[workers]:.0f} hồ sơ/giây "
            f"(1 triệu hồ sơ ≈ {per_million / 60:.1f} phút) — {summary}",
            flush=True,
        )
    if 1 in rates and args.workers in rates and args.workers != 1:
        print(f"Tỉ lệ --workers {args.workers} / --workers 1: {rates[args.workers] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
