"""``common.copy.insert_rows``: the values written are those the ORM stores — choices members
as their value, in any column and mixed with plain strings in the same column from one row to
the next, and even an Enum that is not a choices member — on both backends (``COPY`` on
PostgreSQL, ``bulk_create`` elsewhere)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import pytest
from django.db import connection
from django.db.models import GenericIPAddressField
from django.db.models.fields.files import FieldFile
from tests.dossiers.conftest import World

from motcua.common.copy import _Format, insert_rows
from motcua.dossiers.models import ClockEvent, ClockKind, Dossier, DossierDocument, DossierEvent
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


# --- the format: binary when every value fits its column, else text ---------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY (and its binary format) is PostgreSQL's"
)


def _copy_of(d: Dossier, n: int) -> Dossier:
    """The dossier ``d`` again under another key, UUID and code (every other value the same)."""
    values = {f.attname: getattr(d, f.attname) for f in Dossier._meta.concrete_fields}
    values.update(id=d.pk + n, uuid=uuid.uuid4(), code=f"{d.code}-{n}")
    return Dossier(**values)


_COMPARED = [
    f.attname
    for f in Dossier._meta.concrete_fields
    if f.attname not in ("id", "uuid", "code")
    and not getattr(f, "auto_now", False)
    and not getattr(f, "auto_now_add", False)
]


@needs_postgres
def test_binary_copy_writes_what_the_orm_writes(world: World) -> None:
    d = world.receive()
    Dossier.objects.filter(pk=d.pk).update(
        fee_amount=150_000, extension_used=True, summary="Đăng ký hộ kinh doanh — “Phở 24”"
    )
    d.refresh_from_db()
    fields = list(Dossier._meta.concrete_fields)
    fmt = _Format(fields)
    assert fmt.binary  # every column of a dossier has a binary dumper
    insert_rows(Dossier, [_copy_of(d, 1000)])
    Dossier.objects.bulk_create([_copy_of(d, 2000)])
    copied = Dossier.objects.filter(pk=d.pk + 1000).values_list(*_COMPARED).get()
    by_orm = Dossier.objects.filter(pk=d.pk + 2000).values_list(*_COMPARED).get()
    original = Dossier.objects.filter(pk=d.pk).values_list(*_COMPARED).get()
    assert copied == by_orm == original


@needs_postgres
def test_a_value_the_binary_format_does_not_take_sends_the_batch_as_text(world: World) -> None:
    fields = [ClockEvent._meta.get_field(n) for n in ("seq", "kind", "at")]
    fmt = _Format(fields)
    fmt.check([1, "pause", AT])
    assert fmt.binary
    fmt.check([True, "pause", AT])  # a bool for an integer: text COPY would refuse it too
    assert not fmt.binary
    fmt = _Format(fields)
    fmt.check([1, Plain.PAUSE, AT])  # not converted: the text path is the safe one
    assert not fmt.binary
    fmt = _Format(fields)
    fmt.check([1, "pause", AT.date()])  # a date where a moment goes
    assert not fmt.binary
    # A column type without a binary dumper in the table: text for the whole model.
    from motcua.audit.models import AuditEntry

    assert _Format(AuditEntry._meta.concrete_fields).binary
    from django.contrib.admin.models import LogEntry

    assert _Format([LogEntry._meta.get_field("object_repr")]).binary
    ip = GenericIPAddressField()
    assert not _Format([ip]).binary


@needs_postgres
def test_rows_going_as_text_are_still_written(world: World) -> None:
    d = world.receive()
    # ``seq`` as a string: not binary (a str for an integer), so the batch goes as text,
    # which PostgreSQL parses as it always did.
    rows = [
        ClockEvent(dossier_id=d.pk, seq=300, kind="pause", at=AT),
        ClockEvent(dossier_id=d.pk, seq="301", kind="resume", at=AT),  # type: ignore[misc]
    ]
    insert_rows(ClockEvent, rows)
    assert list(
        ClockEvent.objects.filter(dossier=d, seq__gte=300).order_by("seq").values_list("seq")
    ) == [(300,), (301,)]


@needs_postgres
def test_file_columns_are_written_as_the_orm_writes_them_without_a_fieldfile_per_row(
    world: World,
) -> None:
    """No file, a stored name and a file to store: the same values as ``bulk_create``; the
    first two leave the instance as it was (no ``FieldFile``, which is a reference cycle)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    d = world.receive()

    def rows(names: list[str]) -> list[DossierDocument]:
        return [
            DossierDocument(dossier_id=d.pk, name=names[0]),
            DossierDocument(dossier_id=d.pk, name=names[1], file="ho-so/da-luu.pdf"),
            DossierDocument(
                dossier_id=d.pk, name=names[2], file=ContentFile(b"%PDF-1.4", name="quet.pdf")
            ),
        ]

    copied = rows(["copy-none", "copy-name", "copy-file"])
    insert_rows(DossierDocument, copied)
    DossierDocument.objects.bulk_create(rows(["orm-none", "orm-name", "orm-file"]))
    assert type(copied[0].__dict__["file"]) is not FieldFile
    assert copied[1].__dict__["file"] == "ho-so/da-luu.pdf"
    written = dict(DossierDocument.objects.filter(dossier=d).values_list("name", "file"))
    assert written["copy-none"] == written["orm-none"] == ""
    assert written["copy-name"] == written["orm-name"] == "ho-so/da-luu.pdf"
    assert written["copy-file"].endswith(".pdf")
    assert written["orm-file"].endswith(".pdf")
    with default_storage.open(written["copy-file"]) as stored:
        assert stored.read() == b"%PDF-1.4"
