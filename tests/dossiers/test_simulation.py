"""The simulator: the bulk path writes exactly the rows the services write."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from motcua.audit.models import AuditChainHead, AuditEntry
from motcua.audit.verify import audit_verify
from motcua.demo.services import demo_prepare
from motcua.dossiers.models import (
    Applicant,
    ClockEvent,
    DailySequence,
    Dossier,
    DossierDocument,
    DossierEvent,
)
from motcua.dossiers.simulation import Rates, load_reference, make_applicants, simulate
from motcua.feedback.models import Feedback
from motcua.integrations.models import NationalSync, ResultStorePush
from motcua.ratings.models import Rating

pytestmark = pytest.mark.django_db

END = dt.datetime(2026, 3, 20, 17, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
SKIP = {"id", "created_at", "updated_at", "recorded_at"}


class Rollback(Exception):
    pass


def _rows(model: Any, codes: dict[int, Any], order: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for obj in model.objects.order_by(*order):
        row = {
            f.attname: getattr(obj, f.attname)
            for f in model._meta.concrete_fields
            if f.attname not in SKIP
        }
        if "dossier_id" in row:
            row["dossier_id"] = codes[row["dossier_id"]]
        rows.append(row)
    rows.sort(key=repr)
    return rows


def _dump() -> dict[str, Any]:
    codes = dict(Dossier.objects.values_list("pk", "code"))
    return {
        "dossiers": _rows(Dossier, codes, ("code",)),
        "events": _rows(DossierEvent, codes, ("dossier__code", "seq")),
        "clock": _rows(ClockEvent, codes, ("dossier__code", "seq")),
        "documents": _rows(DossierDocument, codes, ("dossier__code", "required_document")),
        "sequences": _rows(DailySequence, codes, ("agency", "day")),
        "ratings": _rows(Rating, codes, ("created_at", "dossier")),
        "feedback": _rows(Feedback, codes, ("uuid",)),
        "synced": _rows(NationalSync, codes, ("dossier__code",)),
        "pushed": _rows(ResultStorePush, codes, ("dossier__code",)),
        "audit": _rows(AuditEntry, codes, ("chain", "seq")),
        "heads": sorted(AuditChainHead.objects.values_list("chain", "seq", "last_hash")),
    }


def _run(path: str, applicants: list[int], workers: int = 1) -> dict[str, Any]:
    dump: dict[str, Any] = {}
    try:
        with transaction.atomic():
            report = simulate(
                dossiers=40,
                years=0.25,
                seed=7,
                path=path,
                end=END,
                applicant_ids=applicants,
                workers=workers,
                processes=False,
                rates=Rates(payment=0.5),  # enough fees for both ways of paying
            )
            assert report.dossiers == 40
            dump = _dump()
            assert audit_verify().ok
            raise Rollback
    except Rollback:
        pass
    return dump


def test_bulk_path_writes_exactly_the_rows_of_the_services() -> None:
    demo_prepare()
    load_reference()  # the simulation's officers, before either run
    applicants = make_applicants(34, seed=7)
    by_services = _run("services", applicants)
    by_bulk = _run("bulk", applicants)
    # Split in parts by audit chain (what ``--workers`` runs in parallel), one after the other.
    by_parts = _run("bulk", applicants, workers=3)
    assert len(by_services["dossiers"]) == 40
    assert len(by_services["events"]) > 120
    assert len(by_services["audit"]) >= len(by_services["events"])
    for key in by_services:
        assert by_bulk[key] == by_services[key], key
        assert by_parts[key] == by_services[key], key
    statuses = {row["status"] for row in by_services["dossiers"]}
    assert len(statuses) >= 4
    # What the indicators read is among the rows compared: ratings after the return (with
    # their audit entries), scanned and reused components, fees paid online and at the counter.
    assert by_services["ratings"]
    assert {r["source"] for r in by_services["ratings"]} >= {"counter_device", "portal"}
    assert any(a["object_type"] == "rating" for a in by_services["audit"])
    documents = by_services["documents"]
    assert any(d["scanned_at"] is not None for d in documents)
    assert any(d["scanned_at"] is None for d in documents)
    assert any(d["reused"] and d["reuse_source"] for d in documents)
    payers = {
        e["actor_id"] is None for e in by_services["events"] if e["action"] == "record_payment"
    }
    # The gateway's callback (the system) and the counter (the reception officer).
    assert payers == {True, False}


def test_simulate_command_with_progress() -> None:
    demo_prepare()
    out = StringIO()
    call_command(
        "simulate",
        "--dossiers",
        "25",
        "--years",
        "0.1",
        "--seed",
        "3",
        "--workers",
        "1",  # inside the test's transaction: forked parts would not see the demo
        stdout=out,
        stderr=StringIO(),
    )
    assert Dossier.objects.count() == 25
    assert "25 hồ sơ" in out.getvalue()
    # The integrations' passes ran inside the simulation (QĐ 766 1.4, 4.4).
    synced = NationalSync.objects.count()
    assert synced > 0
    assert f"{synced} hồ sơ đồng bộ Cổng DVCQG" in out.getvalue()
    assert not Dossier.objects.filter(code__isnull=True).exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--workers", "0"],
        ["--workers", "2", "--path", "services"],
        ["--dossiers", "0"],
    ],
)
def test_simulate_command_refuses_bad_options(args: list[str]) -> None:
    from django.core.management.base import CommandError

    base = {"--dossiers": "5", "--years": "0.1"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = [item for pair in base.items() for item in pair]
    with pytest.raises(CommandError, match="phải"):
        call_command("simulate", *argv, stdout=StringIO(), stderr=StringIO())
    assert not Dossier.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="forked processes need PostgreSQL (they cannot see the test's in-memory SQLite)",
)
def test_parts_in_parallel_processes_write_the_rows_of_one_process() -> None:
    """``--workers 2``: two forked processes, each with its own connection, write the
    applicants' blocks between them, then simulate at once; the result is what one process
    writes (ids excepted) and the audit log verifies."""
    demo_prepare()
    load_reference()
    options: dict[str, Any] = {
        "dossiers": 60,
        "years": 0.25,
        "seed": 11,
        "end": END,
        "batch": 20,
        "integrations": True,  # their passes inside the load window, their tables' keys deferred
    }
    single: dict[str, Any] = {}
    try:  # one process first, rolled back
        with transaction.atomic():
            simulate(**options)
            single = {**_dump(), "applicants": _applicants()}
            raise Rollback
    except Rollback:
        pass
    indexes_before = _index_definitions()
    report = simulate(**options, workers=2, defer_indexes=True)
    assert report.deferred_indexes >= 10  # dropped for the load, rebuilt after it
    assert _index_definitions() == indexes_before
    assert report.dossiers == 60
    assert report.steps > 150
    parallel = {**_dump(), "applicants": _applicants()}
    assert audit_verify().ok
    assert len(single["applicants"]) == 51  # three blocks of 20, written by two processes
    assert single["ratings"]  # the ratings pass ran in two forked processes too
    assert report.synced == len(single["synced"]) > 0
    assert report.pushed == len(single["pushed"]) > 0
    for key in single:
        assert parallel[key] == single[key], key


def _index_definitions() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "ORDER BY indexname"
        )
        return list(cursor.fetchall())


def _applicants() -> list[tuple[Any, ...]]:
    return list(
        Applicant.objects.order_by("pk").values_list(
            "pk", "full_name", "personal_id", "date_of_birth", "phone", "address"
        )
    )
