"""Benchmark: dossier intake through the service layer vs plain single-row inserts.

For ``--seconds`` each (default 30), on PostgreSQL:

a. 1 process receiving dossiers at the counter through ``dossier_receive(..., accept=True)``
   (reception with acceptance in one act: new applicant, two components, code issued, clock
   started, the receive and accept events and audit entries), one dossier per transaction;
   ``--separate`` calls ``dossier_receive`` then ``dossier_accept`` instead;
b. ``--processes`` processes (default 4) doing the same at one centre (the worst case: every
   process takes the same agency's daily sequence row, which stays locked until commit);
b'. the same processes each receiving at its own one-stop centre (the demo has 4 receiving
   centres: the provincial centre and 3 commune centres; process n at centre n), as a province
   receives at many centres at once;
c. the baseline: the same number of processes inserting rows into the same dossier table with
   ``Dossier.objects.create`` and precomputed values, one row per transaction.

Prints dossiers per second for each and the ratios of (b) and (b') to (c). The database
(``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/motcua_bench``) is created and
migrated if needed and gets the demo's reference data (agencies, 30 procedures, officers).

    bench/intake [--seconds 30] [--processes 4] [--separate]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))  # last: never shadows
from benchlib import django_setup, ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/motcua_bench"


def _context() -> dict[str, Any]:
    """The procedure, agencies and reception officer every worker uses (computed once)."""
    from motcua.accounts.roles import Role
    from motcua.catalogue.models import Channel
    from motcua.dossiers.simulation import load_reference

    ref = load_reference()
    for info in ref.versions:
        if Channel.DIRECT in info.channels and ref.limit(info.version, Channel.DIRECT):
            receiving = info.receiving[0]
            return {
                "version": info.version.pk,
                "receiving": receiving.pk,
                "competent": info.competent[receiving.pk].pk,
                "officer": ref.officer(receiving.pk, Role.RECEPTION_OFFICER).pk,
                "documents": [d.pk for d in info.documents],
                # One (receiving, competent, reception officer) per one-stop centre.
                "centres": [
                    (
                        agency.pk,
                        info.competent[agency.pk].pk,
                        ref.officer(agency.pk, Role.RECEPTION_OFFICER).pk,
                    )
                    for agency in info.receiving
                ],
            }
    raise SystemExit("no procedure with a computable direct time limit")


def _worker(
    mode: str, seconds: float, number: int, ctx: dict[str, Any], out: Any, spread: bool
) -> None:
    django_setup()
    from django.db import connection, transaction

    from motcua.accounts.models import User
    from motcua.agencies.models import Agency
    from motcua.catalogue.models import ProcedureVersion, RequiredDocument
    from motcua.dossiers import services as sv
    from motcua.dossiers.models import Applicant, Dossier

    version = ProcedureVersion.objects.get(pk=ctx["version"])
    receiving_id, competent_id, officer_id = ctx["receiving"], ctx["competent"], ctx["officer"]
    if spread:  # process n receives at centre n (modulo the number of centres)
        receiving_id, competent_id, officer_id = ctx["centres"][number % len(ctx["centres"])]
    receiving = Agency.objects.get(pk=receiving_id)
    competent = Agency.objects.get(pk=competent_id)
    officer = User.objects.get(pk=officer_id)
    documents = [
        sv.DocumentInput(required_document=d)
        for d in RequiredDocument.objects.filter(pk__in=ctx["documents"])
    ]
    applicant = None
    if mode == "plain":
        applicant = Applicant.objects.create(
            kind="person",
            full_name="Nguyễn Văn Đo",
            personal_id=f"{900_000_000_000 + os.getpid():012d}",
        )
    base = (os.getpid() % 100_000) * 10_000_000 + (int(time.time()) % 1000) * 10_000
    now = dt.datetime.now(dt.UTC)
    done = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if mode in ("services", "separate"):
            with transaction.atomic():
                d = sv.dossier_receive(
                    actor=officer,
                    procedure=version,
                    receiving_agency=receiving,
                    competent_agency=competent,
                    applicant=sv.ApplicantInput(
                        full_name=f"Trần Thị Bình {number}-{done}",
                        personal_id=f"{(base + done) % 10**12:012d}",
                        phone="0905123456",
                    ),
                    documents=documents,
                    accept=mode == "services",
                )
                if mode == "separate":
                    sv.dossier_accept(actor=officer, dossier=d.pk)
        else:
            Dossier.objects.create(
                code=f"BENCH-{os.getpid()}-{done}",
                procedure_version=version,
                receiving_agency=receiving,
                competent_agency=competent,
                current_agency=receiving,
                channel="direct",
                return_method="counter",
                applicant=applicant,
                status="received",
                national_status=2,
                submitted_at=now,
                received_at=now,
                due_at=now + dt.timedelta(days=7),
                original_due_at=now + dt.timedelta(days=7),
                clock_state="running",
            )
        done += 1
    connection.close()
    out.put(done)


def _run(
    mode: str, processes: int, seconds: float, ctx: dict[str, Any], spread: bool = False
) -> float:
    from django.db import connections

    connections.close_all()
    fork = mp.get_context("fork")
    out = fork.Queue()
    workers = [
        fork.Process(target=_worker, args=(mode, seconds, n, ctx, out, spread))
        for n in range(processes)
    ]
    started = time.monotonic()
    for w in workers:
        w.start()
    total = sum(out.get() for _ in workers)
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument(
        "--separate",
        action="store_true",
        help="dossier_receive then dossier_accept (two calls) instead of receive with accept",
    )
    args = parser.parse_args()
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("bench/intake needs PostgreSQL (DATABASE_URL=postgres://…)")
    ensure_database(url)
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    from motcua.demo.services import demo_prepare

    call_command("migrate", interactive=False, verbosity=0)
    demo_prepare(dossiers=False)
    ctx = _context()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print(
        f"{os.cpu_count()} CPU, Python {platform.python_version()}, PostgreSQL {server}, "
        f"{args.seconds:g} s per run"
    )
    mode = "separate" if args.separate else "services"
    print("dossier_receive + dossier_accept" if args.separate else "dossier_receive(accept=True)")

    def show(label: str, value: float, unit: str) -> None:
        print(f"{label:<48}{value:8.1f} {unit}")

    n = args.processes
    one = _run(mode, 1, args.seconds, ctx)
    show("services, 1 process", one, "dossiers/s")
    many = _run(mode, n, args.seconds, ctx)
    show(f"services, {n} processes, 1 centre (worst case)", many, "dossiers/s")
    spread = _run(mode, n, args.seconds, ctx, spread=True)
    centres = min(n, len(ctx["centres"]))
    show(f"services, {n} processes, {centres} centres (one each)", spread, "dossiers/s")
    plain = _run("plain", n, args.seconds, ctx)
    show(f"plain inserts, {n} processes", plain, "rows/s")
    print(f"ratio services/plain ({n} processes, 1 centre): {many / plain:.3f}")
    print(f"ratio services/plain ({n} processes, {centres} centres): {spread / plain:.3f}")


if __name__ == "__main__":
    main()
