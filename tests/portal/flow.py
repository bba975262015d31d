"""Moving a citizen's online dossier through the officers' side with the engine's services (the
officer workspace is another part of the system; these tests only need its effects)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.dossiers.conftest import at
from tests.portal.conftest import PDF, Portal
from tests.workspace.conftest import pdf_bytes

from motcua.dossiers import services as sv
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import ApplicantInput, DocumentInput
from motcua.workspace import services as ws


def submit(portal: Portal, *, moment: dt.datetime | None = None, user: object = None) -> Dossier:
    owner = user or portal.citizen
    return sv.dossier_submit_online(
        actor=owner,  # type: ignore[arg-type]
        procedure=portal.version,
        receiving_agency=portal.world.center,
        applicant=ApplicantInput(
            full_name=owner.full_name,  # type: ignore[attr-defined]
            personal_id=owner.personal_id,  # type: ignore[attr-defined]
            phone=owner.phone,  # type: ignore[attr-defined]
            email=owner.email,  # type: ignore[attr-defined]
            user=owner,  # type: ignore[arg-type]
        ),
        documents=[
            DocumentInput(
                name="Đơn", file=ContentFile(PDF, name="don.pdf"), content_type="application/pdf"
            )
        ],
        at=moment or at(2, 9),
    )


def accept(portal: Portal, d: Dossier, moment: dt.datetime | None = None) -> Dossier:
    return sv.dossier_accept(actor=portal.world.reception, dossier=d.code, at=moment or at(2, 10))


def to_appraisal(portal: Portal, d: Dossier) -> Dossier:
    w = portal.world
    d = accept(portal, d)
    sv.dossier_forward(actor=w.reception, dossier=d.code, at=at(2, 11))
    return sv.dossier_assign(actor=w.head, dossier=d.code, assignee=w.specialist, at=at(2, 14))


def sign(portal: Portal, d: Dossier, start: int = 3) -> Dossier:
    w = portal.world
    sv.dossier_submit_draft(actor=w.specialist, dossier=d.code, at=at(start, 9))
    sv.dossier_approve(actor=w.head, dossier=d.code, at=at(start, 10))
    return sv.dossier_sign(actor=w.leader, dossier=d.code, at=at(start, 11))


def returned_with_result(portal: Portal, d: Dossier) -> Dossier:
    """Appraised, the result PDF attached, signed with the agency certificate (the officer
    workspace's services, PAdES) and returned."""
    w = portal.world
    d = to_appraisal(portal, d)
    ws.result_attach(
        actor=w.specialist,
        code=d.code,
        upload=SimpleUploadedFile("giay-phep.pdf", pdf_bytes("Giấy phép xây dựng")),
        name="Giấy phép xây dựng",
    )
    sv.dossier_submit_draft(actor=w.specialist, dossier=d.code, at=at(3, 9))
    sv.dossier_approve(actor=w.head, dossier=d.code, at=at(3, 10))
    d = Dossier.objects.get(pk=d.pk)
    ws.result_sign(actor=w.leader, code=d.code, expected_version=d.version, at=at(3, 11))
    return sv.dossier_return_result(actor=w.reception, dossier=d.code, at=at(3, 15))
