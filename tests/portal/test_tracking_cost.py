"""The public tracking page's cost (docs/benchmarks.md "Portal public tracking"): two SQL
statements (the dossier with what the page shows, its events), no session written for an
anonymous visitor, and still the CSRF check."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.dossiers.conftest import World

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.services import dossier_accept
from motcua.portal.selectors import (
    _EVENTS,
    _LOOKUP,
    TRACKING_FIELDS,
    tracking_events,
    tracking_lookup,
)
from motcua.queueing.selectors import dossier_public_status

pytestmark = pytest.mark.django_db


def test_tracking_answer_costs_two_statements_and_no_session(world: World) -> None:
    d = world.receive()
    dossier_accept(actor=world.reception, dossier=d.pk)
    client = Client()
    client.get(f"/tra-cuu/{d.code}/")  # the CSRF cookie, as a browser would have it
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/tra-cuu/{d.code}/", {"ma": d.code, "xac-minh": "3456"})
    assert response.status_code == 200
    assert "Được tiếp nhận" in response.content.decode()
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert "sessionid" not in response.cookies


def test_the_lookup_loads_everything_the_pages_read(world: World) -> None:
    """No deferred field is read later (that would be one query more per page)."""
    d = world.receive()
    dossier_accept(actor=world.reception, dossier=d.pk)
    found = tracking_lookup(d.code, "3456")
    assert found is not None
    with CaptureQueriesContext(connection) as queries:
        shown = (
            found.code,
            found.status,
            found.get_status_display(),
            found.procedure_version.name,
            found.receiving_agency.name,
            found.competent_agency.name,
            found.submitted_at,
            found.received_at,
            found.due_at,
            found.original_due_at,
            found.returned_at,
            found.applicant.display_name,
            found.applicant.personal_id,
            found.applicant.enterprise_code,
        )
    assert shown[0] == d.code
    assert len(queries) == 0, [q["sql"] for q in queries]
    events = tracking_events(found)
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert len(events) >= 2
    with CaptureQueriesContext(connection) as queries:
        assert all(e.at and e.action for e in events)
        _ = [e.to_agency.name if e.to_agency else "" for e in events]
    assert len(queries) == 0


def test_the_kiosk_lookup_reads_the_same_dossier_without_more_queries(world: World) -> None:
    d = world.receive()
    with CaptureQueriesContext(connection) as queries:
        status = dossier_public_status(d.code, "3456")
    assert status is not None
    assert status["code"] == d.code
    assert len(queries) == 1
    assert dossier_public_status(d.code, "9999") is None


def test_csrf_is_still_required(world: World) -> None:
    d = world.receive()
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/tra-cuu/{d.code}/", {"ma": d.code, "xac-minh": "3456"})
    assert response.status_code == 403
    page = client.get(f"/tra-cuu/{d.code}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = client.post(
        f"/tra-cuu/{d.code}/",
        {"csrfmiddlewaretoken": token.group(1), "ma": d.code, "xac-minh": "3456"},
    )
    assert response.status_code == 200


def _loaded(obj: object) -> dict[str, object]:
    """The loaded (not deferred) fields of an instance."""
    deferred = obj.get_deferred_fields()  # type: ignore[attr-defined]
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields  # type: ignore[attr-defined]
        if f.attname not in deferred
    }


def test_the_hand_written_lookup_is_the_orm_query_it_stands_for(world: World) -> None:
    """``_LOOKUP`` and ``_EVENTS`` (SQL written once, ``common.sql``) give the rows, fields and
    related rows of the ORM queries they replace: a drift of either shows here."""
    d = world.receive()
    dossier_accept(actor=world.reception, dossier=d.pk)
    other = world.receive(n=2)
    orm = Dossier.objects.select_related(
        "procedure_version", "receiving_agency", "competent_agency", "applicant"
    ).only(*TRACKING_FIELDS)
    for code in (d.code, other.code):
        (got,) = _LOOKUP.run([code])
        expected = orm.get(code=code)
        assert got.get_deferred_fields() == expected.get_deferred_fields()
        assert _loaded(got) == _loaded(expected)
        for relation in ("procedure_version", "receiving_agency", "competent_agency", "applicant"):
            assert _loaded(getattr(got, relation)) == _loaded(getattr(expected, relation))
        events = _EVENTS.run([got.pk])
        orm_events = list(
            DossierEvent.objects.filter(dossier_id=got.pk)
            .select_related("to_agency")
            .only("seq", "at", "action", "to_agency__name")
            .order_by("seq")
        )
        assert [_loaded(e) for e in events] == [_loaded(e) for e in orm_events]
        assert [e.to_agency.name if e.to_agency else None for e in events] == [
            e.to_agency.name if e.to_agency else None for e in orm_events
        ]
    assert _LOOKUP.run(["000.01.01.H32-260302-9999"]) == []
