"""Access (out of scope is "not found"), the worklist and detail queries (bounded, audited) and
the operator commands."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from tests.dossiers.conftest import World, at

from motcua.audit.models import AuditEntry
from motcua.dossiers import services as sv
from motcua.dossiers.access import dossiers_visible_to
from motcua.dossiers.errors import DossierNotFound
from motcua.dossiers.selectors import (
    Cursor,
    dossier_detail,
    dossier_list_coming_due,
    dossier_list_for_officer,
    dossier_list_overdue,
)

pytestmark = pytest.mark.django_db


def test_scope_by_agency_assignment_and_citizen(world: World) -> None:
    mine = world.receive(applicant=world.applicant(user=world.citizen))
    # The receiving center sees it; the competent agency too once it is forwarded.
    assert dossiers_visible_to(world.reception).filter(pk=mine.pk).exists()
    assert dossiers_visible_to(world.director).filter(pk=mine.pk).exists()
    assert dossiers_visible_to(world.specialist).filter(pk=mine.pk).exists()  # competent
    assert not dossiers_visible_to(world.other_reception).filter(pk=mine.pk).exists()
    assert not dossiers_visible_to(world.admin).exists()  # least privilege
    assert dossiers_visible_to(world.citizen).filter(pk=mine.pk).exists()
    assert not dossiers_visible_to(world.other_citizen).exists()


def test_out_of_scope_is_not_found_and_changes_nothing(world: World) -> None:
    dossier = world.receive()
    for actor in (world.other_reception, world.admin):
        with pytest.raises(DossierNotFound, match="Không tìm thấy hồ sơ"):
            sv.dossier_accept(actor=actor, dossier=dossier.code, at=at(2, 10))
        with pytest.raises(DossierNotFound):
            dossier_detail(actor, dossier.code)
    with pytest.raises(DossierNotFound):
        dossier_detail(world.other_citizen, dossier.code)
    with pytest.raises(DossierNotFound):
        dossier_detail(world.reception, "000.01.01.H32-260302-9999")
    dossier.refresh_from_db()
    assert dossier.status == "submitted"
    assert dossier.version == 1


def test_auditor_reads_but_cannot_act(world: World) -> None:
    dossier = world.receive()
    assert dossier_detail(world.auditor, dossier.code).pk == dossier.pk
    from motcua.dossiers.workflow import TransitionNotAllowed

    with pytest.raises(TransitionNotAllowed, match="không được thực hiện"):
        sv.dossier_accept(actor=world.auditor, dossier=dossier.code, at=at(2, 10))


def test_citizen_detail_and_audited_personal_read(world: World) -> None:
    dossier = world.receive(applicant=world.applicant(user=world.citizen))
    detail = dossier_detail(world.citizen, dossier.code)
    assert detail.pk == dossier.pk
    read = AuditEntry.objects.filter(action="read", object_id=str(dossier.uuid)).get()
    assert "applicant.personal_id" in read.data["fields"]


def _many(world: World, count: int) -> None:
    for i in range(count):
        d = world.receive(n=i + 1, at=at(2, 8, i % 60))
        d = sv.dossier_accept(actor=world.reception, dossier=d.code, at=at(2, 9, i % 60))
        sv.dossier_forward(actor=world.reception, dossier=d.code, at=at(2, 10))


def test_worklist_is_keyset_paginated_by_due_and_bounded(
    world: World, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    _many(world, 55)
    with django_assert_max_num_queries(3):
        page = dossier_list_for_officer(world.head, status="awaiting_assignment")
        for d in page:  # related rows come with the page
            _ = (d.procedure_version.procedure.code, d.current_agency.code, d.applicant.full_name)
    assert len(page) == 50
    dues = [(d.due_at, d.id) for d in page]
    assert dues == sorted(dues)
    last = page[-1]
    rest = dossier_list_for_officer(
        world.head, status="awaiting_assignment", after=Cursor(last.due_at, last.id)
    )
    assert len(rest) == 5
    assert not {d.pk for d in rest} & {d.pk for d in page}
    assert dossier_list_for_officer(world.other_reception) == []


def test_detail_uses_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    _many(world, 1)
    code = dossier_list_for_officer(world.head)[0].code
    assert code is not None
    with django_assert_max_num_queries(16):
        d = dossier_detail(world.head, code)
        _ = [e.to_agency for e in d.events.all()]
        _ = [c.kind for c in d.clock_events.all()]
        _ = [doc.name for doc in d.documents.all()]
        _ = (d.applicant.full_name, d.procedure_version.procedure.code, d.current_step)


def test_overdue_and_coming_due(world: World) -> None:
    _many(world, 2)
    assert dossier_list_overdue(None, at=at(3)) == []
    coming = dossier_list_coming_due(None, at=at(6), within=dt.timedelta(days=4))
    assert len(coming) == 2
    assert len(dossier_list_overdue(world.head, at=at(10))) == 2
    assert dossier_list_overdue(world.other_reception, at=at(10)) == []


def test_operator_commands(world: World) -> None:
    _many(world, 2)
    code = dossier_list_for_officer(world.head)[0].code
    out = StringIO()
    call_command("dossier", "show", code, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["run_as"] == "system"
    assert data["code"] == code
    assert data["national_status"] == 4
    assert data["channel"] == "direct"
    assert data["due_at"].startswith("2026-03-09")
    assert [e["kind"] for e in data["clock_events"]] == ["start"]
    assert [e["action"] for e in data["events"]] == ["receive_direct", "accept", "forward"]
    assert "personal_id" not in data["applicant"]
    out = StringIO()
    call_command(
        "dossier",
        "list",
        "--agency",
        world.land.code,
        "--state",
        "awaiting_assignment",
        "--limit",
        "1",
        "--json",
        stdout=out,
    )
    listing = json.loads(out.getvalue())
    assert listing["count"] == 1
    assert listing["dossiers"][0]["status"] == "awaiting_assignment"
