"""Consulted and partner agencies (NĐ 118/2025 Điều 19 khoản 4, Điều 20 khoản 2): an officer of
the consulted agency sees the consultation in "Xin ý kiến / phối hợp" and answers it (opinion +
written opinion) through the engine's consultation service; a third agency gets 404 everywhere;
bad files and a second answer change nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.dossiers.conftest import World
from tests.workspace.conftest import PNG, pdf_bytes, upload

from motcua.accounts.models import User
from motcua.accounts.roles import Role
from motcua.accounts.services import officer_create
from motcua.dossiers import services as engine
from motcua.dossiers.errors import DossierNotFound
from motcua.dossiers.models import Consultation, Dossier, DossierEvent, PartnerTask

pytestmark = pytest.mark.django_db


def _officer(world: World, username: str, agency: Any, role: Role = Role.SPECIALIST) -> User:
    user, _ = officer_create(
        username=username, full_name=username.title(), password=None, agency=agency, roles=[role]
    )
    return user


def _consulting(world: World) -> tuple[Dossier, Consultation]:
    start = timezone.now() - dt.timedelta(hours=3)
    d = world.receive(n=5, at=start, accept=True)
    engine.dossier_forward(actor=world.reception, dossier=d.pk, at=start)
    engine.dossier_assign(
        actor=world.head, dossier=d.pk, assignee=world.specialist, at=start + dt.timedelta(hours=1)
    )
    d = engine.dossier_consult(
        actor=world.specialist,
        dossier=d.pk,
        agency=world.partner,
        question="Đề nghị cho ý kiến về nghĩa vụ tài chính của thửa đất.",
        due_at=timezone.now() + dt.timedelta(days=3),
        at=start + dt.timedelta(hours=2),
    )
    assert d.status == "consulting"
    return d, Consultation.objects.get(dossier=d)


def test_the_consulted_agency_sees_and_answers_with_a_written_opinion(
    world: World, login: Callable[[Any], Client]
) -> None:
    d, c = _consulting(world)
    partner = login(_officer(world, "taichinh", world.partner))
    # the dossier itself stays outside the consulted agency's scope
    assert partner.get(f"/can-bo/ho-so/{d.code}/").status_code == 404
    page = partner.get("/can-bo/phoi-hop/").content.decode()
    assert "Xin ý kiến / phối hợp" in page
    assert d.code in page
    assert "nghĩa vụ tài chính" in page
    page = partner.get(f"/can-bo/phoi-hop/y-kien/{c.pk}/").content.decode()
    assert "Gửi ý kiến trả lời" in page
    assert world.land.name in page  # who asks
    response = partner.post(
        f"/can-bo/phoi-hop/y-kien/{c.pk}/",
        {
            "version": str(d.version),
            "y_kien": "Thửa đất thuộc diện miễn tiền sử dụng đất.",
            "van_ban": upload("y-kien.pdf", pdf_bytes("Công văn trả lời")),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    c.refresh_from_db()
    assert c.answered_at is not None
    assert c.answer == "Thửa đất thuộc diện miễn tiền sử dụng đất."
    assert c.answered_by is not None
    assert c.answered_by.username == "taichinh"
    assert c.answer_content_type == "application/pdf"
    assert len(c.answer_sha256) == 64
    d.refresh_from_db()
    assert d.status == "appraising"  # the last open consultation answered
    event = DossierEvent.objects.filter(dossier=d).order_by("-seq").first()
    assert event is not None
    assert event.action == "consultation_answered"
    assert event.actor is not None
    assert event.actor.username == "taichinh"
    assert event.data["file_sha256"] == c.answer_sha256
    file_response = partner.get(f"/can-bo/phoi-hop/y-kien/{c.pk}/tep/")
    assert file_response.status_code == 200
    assert b"".join(file_response.streaming_content).startswith(b"%PDF")
    # answered: no longer waiting, listed as answered; the form is gone
    page = partner.get("/can-bo/phoi-hop/").content.decode()
    assert "Không có yêu cầu lấy ý kiến nào chờ trả lời" in page
    assert "trả lời lúc" in page
    assert (
        "Gửi ý kiến trả lời" not in partner.get(f"/can-bo/phoi-hop/y-kien/{c.pk}/").content.decode()
    )
    # a second answer is refused and changes nothing
    again = partner.post(
        f"/can-bo/phoi-hop/y-kien/{c.pk}/", {"version": str(d.version), "y_kien": "Khác"}
    )
    assert again.status_code == 400
    c.refresh_from_db()
    assert c.answer == "Thửa đất thuộc diện miễn tiền sử dụng đất."
    # the competent agency sees the answer on its dossier page
    assert (
        "Ý kiến trả lời" in login(world.specialist).get(f"/can-bo/ho-so/{d.code}/").content.decode()
    )


def test_bad_answers_change_nothing(world: World, login: Callable[[Any], Client]) -> None:
    d, c = _consulting(world)
    partner = login(_officer(world, "taichinh", world.partner))
    url = f"/can-bo/phoi-hop/y-kien/{c.pk}/"
    cases = [
        ({"version": str(d.version), "y_kien": "  "}, "Phải ghi ý kiến trả lời", 400),
        (
            {"version": str(d.version), "y_kien": "Đồng ý", "van_ban": upload("a.pdf", PNG)},
            "",
            400,
        ),
        (
            {
                "version": str(d.version),
                "y_kien": "Đồng ý",
                "van_ban": upload("gia.pdf", b"not a pdf at all", "application/pdf"),
            },
            "",
            400,
        ),
        ({"version": str(d.version - 1), "y_kien": "Đồng ý"}, "phiên bản", 409),
    ]
    for data, message, status in cases:
        response = partner.post(url, data)
        assert response.status_code == status, data
        assert message in response.content.decode()
    c.refresh_from_db()
    assert c.answered_at is None
    assert not c.answer_file
    d.refresh_from_db()
    assert d.status == "consulting"


def test_a_third_agency_gets_404(world: World, login: Callable[[Any], Client]) -> None:
    d, c = _consulting(world)
    third = _officer(world, "xa.chuyenvien", world.other_center)
    client = login(third)
    assert d.code not in client.get("/can-bo/phoi-hop/").content.decode()
    assert client.get(f"/can-bo/phoi-hop/y-kien/{c.pk}/").status_code == 404
    assert client.get(f"/can-bo/phoi-hop/y-kien/{c.pk}/tep/").status_code == 404
    response = client.post(
        f"/can-bo/phoi-hop/y-kien/{c.pk}/", {"version": str(d.version), "y_kien": "Đồng ý"}
    )
    assert response.status_code == 404
    with pytest.raises(DossierNotFound):
        engine.dossier_answer_consultation(
            actor=third, dossier=d.pk, consultation=c, answer="Đồng ý"
        )
    c.refresh_from_db()
    assert c.answered_at is None


def test_a_partner_agency_reports_its_part_of_an_inter_agency_dossier(
    world: World, login: Callable[[Any], Client]
) -> None:
    start = timezone.now() - dt.timedelta(hours=3)
    d = world.receive(n=6, at=start, accept=True, inter_agency_mode="parallel")
    engine.dossier_forward(actor=world.reception, dossier=d.pk, at=start)
    engine.dossier_assign(
        actor=world.head, dossier=d.pk, assignee=world.specialist, at=start + dt.timedelta(hours=1)
    )
    engine.dossier_hand_over_to_partners(
        actor=world.specialist,
        dossier=d.pk,
        partners=[
            engine.PartnerInput(
                agency=world.partner,
                task="Xác định nghĩa vụ tài chính",
                due_at=timezone.now() + dt.timedelta(days=2),
            )
        ],
        at=start + dt.timedelta(hours=2),
    )
    task = PartnerTask.objects.get(dossier=d)
    third = login(_officer(world, "xa.chuyenvien", world.other_center))
    assert third.post(f"/can-bo/phoi-hop/phan-viec/{task.pk}/", {"ket_qua": "x"}).status_code == 404
    partner = login(_officer(world, "taichinh", world.partner))
    page = partner.get("/can-bo/phoi-hop/").content.decode()
    assert "Xác định nghĩa vụ tài chính" in page
    response = partner.post(f"/can-bo/phoi-hop/phan-viec/{task.pk}/", {"ket_qua": "Đã xác định"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.completed_at is not None
    assert task.result_note == "Đã xác định"
    assert (
        "Không có phần việc phối hợp nào đang chờ"
        in partner.get("/can-bo/phoi-hop/").content.decode()
    )


def test_the_agency_that_asked_reads_the_written_opinion(
    world: World, login: Callable[[Any], Client]
) -> None:
    d, c = _consulting(world)
    engine.dossier_answer_consultation(
        actor=_officer(world, "taichinh", world.partner),
        dossier=d.pk,
        consultation=c,
        answer="Đồng ý",
        file=upload("y-kien.pdf", pdf_bytes("Công văn")),
        content_type="application/pdf",
    )
    specialist = login(world.specialist)
    assert specialist.get(f"/can-bo/phoi-hop/y-kien/{c.pk}/tep/").status_code == 200
    assert specialist.get(f"/can-bo/phoi-hop/y-kien/{c.pk}/").status_code == 404  # not its page
    third = login(_officer(world, "xa.chuyenvien", world.other_center))
    assert third.get(f"/can-bo/phoi-hop/y-kien/{c.pk}/tep/").status_code == 404
