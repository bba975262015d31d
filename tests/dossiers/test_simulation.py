"""The simulator: the bulk path writes exactly the rows the services write."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction

from motcua.audit.models import AuditChainHead, AuditEntry
from motcua.audit.verify import audit_verify
from motcua.demo.services import demo_prepare
from motcua.dossiers.models import (
    ClockEvent,
    DailySequence,
    Dossier,
    DossierDocument,
    DossierEvent,
)
from motcua.dossiers.simulation import load_reference, make_applicants, simulate

pytestmark = pytest.mark.django_db

END = dt.datetime(2026, 3, 20, 17, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
SKIP = {"id", "created_at", "updated_at"}


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
        "audit": _rows(AuditEntry, codes, ("chain", "seq")),
        "heads": sorted(AuditChainHead.objects.values_list("chain", "seq", "last_hash")),
    }


def _run(path: str, applicants: list[int]) -> dict[str, Any]:
    dump: dict[str, Any] = {}
    try:
        with transaction.atomic():
            report = simulate(
                dossiers=40, years=0.25, seed=7, path=path, end=END, applicant_ids=applicants
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
    assert len(by_services["dossiers"]) == 40
    assert len(by_services["events"]) > 120
    assert len(by_services["audit"]) >= len(by_services["events"])
    for key in by_services:
        assert by_bulk[key] == by_services[key], key
    statuses = {row["status"] for row in by_services["dossiers"]}
    assert len(statuses) >= 4


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
        stdout=out,
        stderr=StringIO(),
    )
    assert Dossier.objects.count() == 25
    assert "25 hồ sơ" in out.getvalue()
    assert not Dossier.objects.filter(code__isnull=True).exists()
