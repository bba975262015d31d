"""``common.copy.insert_rows``: the values written are those the ORM stores — choices members
as their value, in any column and mixed with plain strings in the same column from one row to
the next, and even an Enum that is not a choices member — on both backends (``COPY`` on
PostgreSQL, ``bulk_create`` elsewhere)."""

from __future__ import annotations

import datetime as dt
import enum

import pytest
from tests.dossiers.conftest import World

from motcua.common.copy import insert_rows
from motcua.dossiers.models import ClockEvent, ClockKind, DossierEvent
from motcua.dossiers.workflow import Action, DossierStatus

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


class Plain(enum.Enum):
    """An Enum that is not a ``str``: psycopg alone would write ``PAUSE``, the ORM writes
    ``str(member)``."""

    PAUSE = "pause"


def test_enum_members_are_written_as_their_values_whatever_the_row_before(world: World) -> None:
    d = world.receive()
    kinds: list[ClockKind | Plain | str] = [Plain.PAUSE, "resume", ClockKind.EXTEND, "stop"]
    clock = [
        ClockEvent(dossier_id=d.pk, seq=100 + n, kind=k, at=AT, due_before=None, due_after=None)
        for n, k in enumerate(kinds)
    ]
    insert_rows(ClockEvent, clock)
    ClockEvent.objects.bulk_create(  # the ORM's own writing of the same values
        ClockEvent(dossier_id=d.pk, seq=200 + n, kind=k, at=AT) for n, k in enumerate(kinds)
    )
    stored = dict(ClockEvent.objects.filter(dossier=d, seq__gte=100).values_list("seq", "kind"))
    assert [stored[100 + n] for n in range(4)] == [stored[200 + n] for n in range(4)]
    assert [stored[101], stored[102], stored[103]] == ["resume", "extend", "stop"]

    # Two Enum columns in one row, then the same types in other columns' places.
    events = [
        DossierEvent(
            dossier_id=d.pk,
            seq=100 + n,
            action=action,
            from_status=source,
            to_status=target,
            at=AT,
            actor_label="Hệ thống",
            data={},
        )
        for n, (action, source, target) in enumerate(
            [
                (Action.ACCEPT, DossierStatus.SUBMITTED, "received"),
                ("forward", DossierStatus.RECEIVED, DossierStatus.AWAITING_ASSIGNMENT),
                (Action.ASSIGN, "awaiting_assignment", DossierStatus.APPRAISING),
            ]
        )
    ]
    insert_rows(DossierEvent, events)
    stored_events = list(
        DossierEvent.objects.filter(dossier=d, seq__gte=100)
        .order_by("seq")
        .values_list("action", "from_status", "to_status")
    )
    assert stored_events == [
        ("accept", "submitted", "received"),
        ("forward", "received", "awaiting_assignment"),
        ("assign", "awaiting_assignment", "appraising"),
    ]
