"""Reception: codes, components, applicants, the first control-sheet row, the audit entry."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from tests.dossiers.conftest import MONDAY, World, at

from motcua.audit.models import AuditEntry
from motcua.common.errors import ValidationFailed
from motcua.dossiers.codes import CodeLayout, agency_part, format_code
from motcua.dossiers.errors import DossierInvalid
from motcua.dossiers.models import Applicant, ClockEvent, DailySequence, Dossier, DossierEvent
from motcua.dossiers.national import NationalStatus
from motcua.dossiers.services import ApplicantInput, DocumentInput, dossier_accept
from motcua.dossiers.workflow import DossierStatus

pytestmark = pytest.mark.django_db


def test_reception_issues_the_tt01_code_and_records_the_control_sheet(world: World) -> None:
    dossier = world.receive()
    assert dossier.code == "000.01.01.H32-260302-0001"
    assert dossier.status == DossierStatus.SUBMITTED
    assert dossier.national_status == NationalStatus.NEW
    assert dossier.version == 1
    event = DossierEvent.objects.get(dossier=dossier)
    assert (event.seq, event.action, event.from_status, event.to_status) == (
        1,
        "receive_direct",
        "draft",
        "submitted",
    )
    assert event.to_agency == world.center
    assert AuditEntry.objects.filter(
        object_type="dossier", object_id=str(dossier.uuid), action="dossier.receive_direct"
    ).exists()
    assert dossier.documents.count() == 2


def test_codes_are_sequential_per_agency_per_day() -> None:
    assert format_code("000.01.01.H32", MONDAY.date(), 7, CodeLayout.TT01_2018) == (
        "000.01.01.H32-260302-0007"
    )
    assert format_code("000.01.01.H32", MONDAY.date(), 12345, CodeLayout.TT01_2018).endswith(
        "-12345"
    )
    assert agency_part("000.00.16.H41", CodeLayout.TT03_2025) == "H41.16.00.000"
    assert agency_part("H32.101.01", CodeLayout.TT03_2025) == "H32.101.01"


def test_gapless_per_agency_and_day(world: World) -> None:
    codes = [world.receive(n=i, at=at(2, 9, i)).code for i in range(1, 4)]
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    # Another day starts again at 1; another agency has its own sequence.
    assert world.receive(n=9, at=at(3)).code == "000.01.01.H32-260303-0001"


@override_settings(MOTCUA_DOSSIER_CODE_LAYOUT="tt03_2025")
def test_tt03_layout_by_setting(world: World) -> None:
    assert world.receive().code == "H32.01.01.000-260302-0001"


def test_a_rolled_back_reception_gives_its_number_back(world: World) -> None:
    world.receive(n=1)

    def receive_then_fail() -> None:
        with transaction.atomic():
            world.receive(n=2)
            raise RuntimeError("giấy tờ scan lỗi")

    with pytest.raises(RuntimeError):
        receive_then_fail()
    assert world.receive(n=3).code.endswith("-0002")
    assert DailySequence.objects.get(agency=world.center).last_value == 2


def test_the_code_never_changes(world: World) -> None:
    dossier = world.receive()
    dossier.code = "X-260302-0009"
    with pytest.raises(Exception, match="không được thay đổi"):
        dossier.save()


def test_applicant_reused_by_personal_id_and_validated(world: World) -> None:
    first = world.receive(n=1)
    second = world.receive(n=1, at=at(2, 10))
    assert first.applicant_id == second.applicant_id
    assert Applicant.objects.count() == 1
    with pytest.raises(ValidationFailed, match="12 chữ số"):
        world.receive(applicant=ApplicantInput(full_name="Trần Bình", personal_id="12345"))


def test_components_record_scan_and_reuse(world: World) -> None:
    required = list(world.version.documents.all())
    content = b"%PDF-1.7 scanned"
    dossier = world.receive(
        documents=[
            DocumentInput(
                required_document=required[0],
                file=ContentFile(content, name="don.pdf"),
                content_type="application/pdf",
            ),
            DocumentInput(
                required_document=required[1],
                reused=True,
                reuse_source="Kho quản lý dữ liệu điện tử của tổ chức, cá nhân",
                form="electronic",
            ),
        ]
    )
    scanned, reused = dossier.documents.order_by("id")
    assert scanned.sha256 == hashlib.sha256(content).hexdigest()
    assert scanned.scanned_by == world.reception
    assert scanned.scanned_at == MONDAY
    assert reused.reused
    assert not reused.file
    with pytest.raises(DossierInvalid, match="nguồn"):
        world.receive(documents=[DocumentInput(name="Sổ hộ khẩu", reused=True)])


def test_an_officer_of_another_agency_cannot_receive_for_it(world: World) -> None:
    from motcua.dossiers.services import dossier_receive

    with pytest.raises(DossierInvalid, match="không có vai trò"):
        dossier_receive(
            actor=world.other_reception,
            procedure=world.procedure,
            receiving_agency=world.center,
            applicant=world.applicant(),
        )


def _rows(dossier: Dossier) -> dict[str, object]:
    """What a reception wrote, without what differs between two dossiers by nature."""
    own = {"id", "uuid", "code", "applicant", "created_at", "updated_at"}
    values = Dossier.objects.filter(pk=dossier.pk).values().get()
    audit = AuditEntry.objects.filter(object_type="dossier", object_id=str(dossier.uuid))
    return {
        "dossier": {k: v for k, v in values.items() if k.removesuffix("_id") not in own},
        "events": [
            {k: v for k, v in row.items() if k not in {"id", "dossier_id"}}
            for row in DossierEvent.objects.filter(dossier=dossier).order_by("seq").values()
        ],
        "clock": [
            {k: v for k, v in row.items() if k not in {"id", "dossier_id"}}
            for row in ClockEvent.objects.filter(dossier=dossier).order_by("seq").values()
        ],
        "audit": [
            (e.action, {k: v for k, v in e.data.items() if k not in {"code", "applicant"}})
            for e in audit.order_by("seq")
        ],
        "documents": list(
            dossier.documents.order_by("pk").values_list("name", "required_document_id")
        ),
    }


def test_receive_with_acceptance_writes_what_receive_then_accept_writes(world: World) -> None:
    moment = at(2, 9, 30)
    two_steps = world.receive(n=1, at=moment)
    dossier_accept(actor=world.reception, dossier=two_steps.pk, at=moment)
    one_act = world.receive(n=2, at=moment, accept=True)
    assert one_act.status == DossierStatus.RECEIVED
    assert one_act.version == 2
    assert _rows(one_act) == _rows(two_steps)
    assert [e.action for e in DossierEvent.objects.filter(dossier=one_act)] == [
        "receive_direct",
        "accept",
    ]


def test_receive_with_acceptance_refused_writes_nothing(world: World) -> None:
    before = (Dossier.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DossierInvalid):
        world.receive(at=at(2, 9), accept=True, due_at=at(2, 8))
    assert (Dossier.objects.count(), AuditEntry.objects.count()) == before
    assert world.receive(at=at(2, 10)).code.endswith("-0001")
