"""A dossier brought to a result through the officers' services (engine + workspace): the
result PDF attached during appraisal, then signed with the agency certificate (PAdES)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from tests.dossiers.conftest import World, at
from tests.workspace.conftest import pdf_bytes

from motcua.dossiers import services as sv
from motcua.dossiers.models import Dossier
from motcua.workspace import services as ws
from motcua.workspace.models import ResultDocument


def use_test_certificate(settings: Any, folder: Path) -> None:
    from motcua.workspace.signing import make_self_signed

    make_self_signed(folder / "default.p12", "Văn phòng Đăng ký đất đai")
    settings.MOTCUA_SIGNING_DIR = str(folder)
    settings.MOTCUA_SIGNING_PASSPHRASE = ""
    settings.MOTCUA_PUBLIC_BASE_URL = "https://dichvucong.khanhhoa.gov.vn/"


def appraising_with_draft(world: World) -> tuple[Dossier, ResultDocument]:
    """Accepted, forwarded, assigned, the draft result attached (not signed)."""
    d = world.receive(accept=True)
    sv.dossier_forward(actor=world.reception, dossier=d.code, at=at(2, 11))
    sv.dossier_assign(actor=world.head, dossier=d.code, assignee=world.specialist, at=at(2, 14))
    row = ws.result_attach(
        actor=world.specialist,
        code=d.code,
        upload=SimpleUploadedFile("giay-chung-nhan.pdf", pdf_bytes("Giấy chứng nhận")),
        name="Giấy chứng nhận quyền sử dụng đất",
    )
    return Dossier.objects.get(pk=d.pk), row


def resolved_with_signed_result(world: World) -> tuple[Dossier, ResultDocument]:
    """…then submitted, approved and signed by the leader: resolved (national 9)."""
    return sign_result(world, *appraising_with_draft(world))


def sign_result(world: World, d: Dossier, row: ResultDocument) -> tuple[Dossier, ResultDocument]:
    """The draft submitted, approved and signed by the leader: resolved (national 9)."""
    sv.dossier_submit_draft(actor=world.specialist, dossier=d.code, at=at(3, 9))
    sv.dossier_approve(actor=world.head, dossier=d.code, at=at(3, 10))
    d = Dossier.objects.get(pk=d.pk)
    ws.result_sign(actor=world.leader, code=d.code, expected_version=d.version, at=at(3, 11))
    row.refresh_from_db()
    return Dossier.objects.get(pk=d.pk), row
