"""Moving a citizen's online dossier through the officers' side with the engine's services (the
officer workspace is another part of the system; these tests only need its effects)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from tests.dossiers.conftest import at
from tests.portal.conftest import PDF, Portal

from motcua.dossiers import services as sv
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import ApplicantInput, DocumentInput
from motcua.portal.files import check_upload
from motcua.portal.services import result_attach


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


class _Named:
    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.data, self.size = name, data, len(data)

    def chunks(self) -> list[bytes]:
        return [self.data]


def returned_with_result(portal: Portal, d: Dossier) -> Dossier:
    w = portal.world
    d = sign(portal, to_appraisal(portal, d))
    result_attach(
        actor=w.reception,
        code=d.code,
        checked=check_upload(_Named("giay-phep.pdf", PDF + b"signed")),
        name="Giấy phép xây dựng",
    )
    return sv.dossier_return_result(actor=w.reception, dossier=d.code, at=at(3, 15))
