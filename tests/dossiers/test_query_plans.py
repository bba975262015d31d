"""The hot queries have an index made for them (PostgreSQL plans).

With a test's few rows PostgreSQL would rightly scan the table, so sequential scans are switched
off for the check: what is asserted is that an index serving the query's filter (and, for the
worklists, its order) exists and is picked — the shape that stays fast at 10 million dossiers.
Measured plans on a million-dossier database are in docs/scaling.md."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from tests.dossiers.conftest import World, at

from motcua.dossiers.access import officer_agency_ids
from motcua.dossiers.models import RUNNING_STATUSES, Dossier, DossierEvent

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL"),
]


def _plan(qs: QuerySet) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return qs.explain()


def test_worklist_of_an_agency_uses_the_worklist_index(world: World) -> None:
    world.receive()
    ids = officer_agency_ids(world.head)
    qs = Dossier.objects.filter(current_agency_id__in=ids, status="appraising").order_by(
        "due_at", "id"
    )[:50]
    assert "dossiers_worklist" in _plan(qs)


def test_assigned_worklist_uses_its_index(world: World) -> None:
    world.receive()
    qs = Dossier.objects.filter(assigned_to=world.specialist, status="appraising").order_by(
        "due_at"
    )[:50]
    assert "dossiers_assigned_worklist" in _plan(qs)


def test_overdue_and_coming_due_use_the_partial_index(world: World) -> None:
    world.receive()
    moment = at(10)
    overdue = Dossier.objects.filter(status__in=RUNNING_STATUSES, due_at__lt=moment)
    coming = Dossier.objects.filter(
        status__in=RUNNING_STATUSES, due_at__gte=moment, due_at__lt=moment + dt.timedelta(days=2)
    )
    assert "dossiers_open_due" in _plan(overdue.order_by("due_at", "id")[:50])
    assert "dossiers_open_due" in _plan(coming)


def test_lookup_by_code_and_control_sheet_use_unique_indexes(world: World) -> None:
    d = world.receive()
    plan = _plan(Dossier.objects.filter(code=d.code))
    assert "Index" in plan
    assert "code" in plan
    assert "Index" in _plan(DossierEvent.objects.filter(dossier=d).order_by("seq"))


def test_sweeps_use_their_partial_indexes(world: World) -> None:
    world.receive()
    moment = at(20)
    waiting = Dossier.objects.filter(status="submitted", decision_due_at__lt=moment)
    assert "dossiers_awaiting_reception" in _plan(waiting)
    unanswered = Dossier.objects.filter(
        status__in=["supplement_requested", "supplement_requested_at_reception"],
        supplement_requested_at__lt=moment,
    ).order_by("supplement_requested_at", "pk")
    assert "dossiers_awaiting_supplement" in _plan(unanswered)
