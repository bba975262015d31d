"""Department processing and the return of results through the pages: every action calls the
engine; a stale form is a 409 conflict; another agency's dossier is 404; the result is signed
with the agency certificate and the signature verifies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.dossiers.conftest import World
from tests.workspace.conftest import pdf_bytes, upload

from motcua.audit.models import AuditEntry
from motcua.dossiers.models import Dossier
from motcua.workspace import forms_pdf, signing
from motcua.workspace.models import ResultDocument, ResultHandover

pytestmark = pytest.mark.django_db


def _now_dossier(world: World, n: int = 1) -> Dossier:
    return world.receive(n=n, at=timezone.now(), accept=True)


def _act(client: Client, code: str, action: str, **data: Any) -> Any:
    version = Dossier.objects.get(code=code).version
    data.setdefault("version", str(version))
    return client.post(f"/can-bo/ho-so/{code}/thao-tac/{action}/", data)


def test_the_whole_path_from_forward_to_return(
    world: World, login: Callable[[Any], Client]
) -> None:
    d = _now_dossier(world)
    reception, head, specialist, leader = (
        login(u) for u in (world.reception, world.head, world.specialist, world.leader)
    )
    assert _act(reception, d.code, "forward").status_code == 302
    assert _act(head, d.code, "assign", chuyen_vien=str(world.specialist.pk)).status_code == 302
    response = _act(
        specialist,
        d.code,
        "submit_draft",
        ket_qua=upload("gcn.pdf", pdf_bytes("Giấy chứng nhận")),
        ten_ket_qua="Giấy chứng nhận",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ResultDocument.objects.get().name == "Giấy chứng nhận"
    assert _act(head, d.code, "approve").status_code == 302
    response = _act(leader, d.code, "sign")
    assert response.status_code == 302, response.content.decode()[:2000]
    d.refresh_from_db()
    assert d.status == "resolved"
    result = ResultDocument.objects.get()
    assert result.signed_by == world.leader
    assert result.signed_at is not None
    check = signing.verify_pdf(result.signed_file.read(), d.competent_agency.code)
    assert check.signed
    assert check.intact
    assert check.valid
    assert check.trusted
    assert "Văn phòng Đăng ký đất đai" in check.signer
    # the result is in the center's "to return" box, flagged early with the phone to call
    box = reception.get("/can-bo/?hop=cho-tra").content.decode()
    assert d.code in box
    assert d.outcome == "early"
    assert "Có kết quả trước hạn: báo người nộp (0905123456)" in box
    assert (
        "Báo người nộp hồ sơ đến nhận sớm"
        in reception.get(f"/can-bo/ho-so/{d.code}/").content.decode()
    )
    # wrong identity at the counter: refused, nothing changes
    bad = _act(
        reception,
        d.code,
        "return_result",
        hinh_thuc="counter",
        nguoi_nhan="Nguyễn Văn An 1",
        giay_to_nguoi_nhan="056190000009",
    )
    assert bad.status_code == 400
    assert "không khớp với người nộp hồ sơ" in bad.content.decode()
    assert Dossier.objects.get(pk=d.pk).status == "resolved"
    ok = _act(
        reception,
        d.code,
        "return_result",
        hinh_thuc="counter",
        nguoi_nhan="Nguyễn Văn An 1",
        giay_to_nguoi_nhan="056190000001",
    )
    assert ok.status_code == 302
    d.refresh_from_db()
    assert d.status == "returned"
    handover = ResultHandover.objects.get()
    assert handover.receiver_id == "056190000001"
    assert handover.handed_by == world.reception
    assert AuditEntry.objects.filter(action="workspace.result_sign").count() == 1
    assert AuditEntry.objects.filter(action="workspace.result_handover").count() == 1
    text = forms_pdf.control_sheet_pdf(d)
    assert text.startswith(b"%PDF")
    from tests.workspace.test_intake import pdf_text

    slip = pdf_text(reception.get(f"/can-bo/ho-so/{d.code}/bieu-mau/giao-nhan-ket-qua.pdf").content)
    assert "PHIẾU GIAO NHẬN KẾT QUẢ" in slip
    assert "056190000001" in slip
    assert "Trả tại Bộ phận Một cửa" in slip


def test_a_tampered_signed_result_does_not_verify(world: World) -> None:
    data, _ = signing.sign_pdf(pdf_bytes(), "000.01.10.H32", reason="Ký", location="Khánh Hòa")
    assert signing.verify_pdf(data, "000.01.10.H32").intact
    # change one byte inside the signed range (the original document, before the signature)
    at = data.index(b"/Producer") if b"/Producer" in data else 20
    tampered = data[:at] + b"X" + data[at + 1 :]
    check = signing.verify_pdf(tampered, "000.01.10.H32")
    assert not (check.intact and check.valid)


def test_signing_without_a_result_file_is_refused(
    world: World, login: Callable[[Any], Client]
) -> None:
    d = _now_dossier(world)
    _act(login(world.reception), d.code, "forward")
    _act(login(world.head), d.code, "assign", chuyen_vien=str(world.specialist.pk))
    _act(login(world.specialist), d.code, "submit_draft")
    _act(login(world.head), d.code, "approve")
    response = _act(login(world.leader), d.code, "sign")
    assert response.status_code == 400
    assert "Chưa có tệp kết quả" in response.content.decode()
    assert Dossier.objects.get(pk=d.pk).status == "awaiting_signature"


def test_a_stale_form_gets_a_clear_conflict_and_changes_nothing(
    world: World, login: Callable[[Any], Client]
) -> None:
    d = _now_dossier(world)
    seen = Dossier.objects.get(pk=d.pk).version
    reception = login(world.reception)
    assert _act(reception, d.code, "forward", version=str(seen)).status_code == 302
    # the head assigns with the page he opened before the forward? no: someone else acted since
    head = login(world.head)
    assert _act(head, d.code, "assign", chuyen_vien=str(world.specialist.pk)).status_code == 302
    before = Dossier.objects.get(pk=d.pk)
    stale = _act(
        head, d.code, "assign", chuyen_vien=str(world.specialist.pk), version=str(seen + 1)
    )
    assert stale.status_code == 409
    assert "Hồ sơ vừa được người khác cập nhật" in stale.content.decode()
    after = Dossier.objects.get(pk=d.pk)
    assert (after.version, after.status, after.last_event_seq) == (
        before.version,
        before.status,
        before.last_event_seq,
    )


def test_acting_on_another_agencys_dossier_is_not_found(
    world: World, login: Callable[[Any], Client]
) -> None:
    d = _now_dossier(world)
    response = _act(login(world.other_reception), d.code, "forward")
    assert response.status_code == 404
    assert Dossier.objects.get(pk=d.pk).status == "received"


def test_a_refused_transition_shows_the_engines_reason(
    world: World, login: Callable[[Any], Client]
) -> None:
    d = _now_dossier(world)
    response = _act(login(world.reception), d.code, "approve")
    assert response.status_code == 400
    assert "Chưa thực hiện được thao tác" in response.content.decode()
    assert Dossier.objects.get(pk=d.pk).status == "received"


def test_return_step_needs_a_reason_and_extension_prints_the_apology(
    world: World, login: Callable[[Any], Client]
) -> None:
    d = _now_dossier(world)
    head = login(world.head)
    _act(login(world.reception), d.code, "forward")
    _act(head, d.code, "assign", chuyen_vien=str(world.specialist.pk))
    _act(login(world.specialist), d.code, "submit_draft")
    assert _act(head, d.code, "return_step", ly_do="").status_code == 400
    assert _act(head, d.code, "return_step", ly_do="Thiếu căn cứ pháp lý").status_code == 302
    assert Dossier.objects.get(pk=d.pk).status == "appraising"
    new_due = timezone.localtime(Dossier.objects.get(pk=d.pk).due_at) + timezone.timedelta(days=7)
    response = _act(
        head,
        d.code,
        "request_extension",
        ngay_hen_moi=new_due.date().isoformat(),
        gio_hen_moi="16:30",
        ly_do="Chờ kết quả đo đạc",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from tests.workspace.test_intake import pdf_text

    text = pdf_text(head.get(f"/can-bo/ho-so/{d.code}/bieu-mau/xin-loi.pdf").content)
    assert "Chờ kết quả đo đạc" in text
    assert f"16 giờ 30 phút, ngày {new_due:%d/%m/%Y}" in text


def test_post_return_needs_a_tracking_number(world: World, login: Callable[[Any], Client]) -> None:
    from motcua.common.errors import ValidationFailed
    from motcua.workspace.services import HandoverInput, result_return

    d = _now_dossier(world)
    with pytest.raises(ValidationFailed, match="số hiệu bưu gửi"):
        result_return(
            actor=world.reception,
            code=d.code,
            data=HandoverInput(method="post"),
            expected_version=d.version,
        )


def _appraising(world: World, login: Callable[[Any], Client], **kwargs: Any) -> Dossier:
    d = world.receive(n=1, at=timezone.now(), accept=True, **kwargs)
    _act(login(world.reception), d.code, "forward")
    _act(login(world.head), d.code, "assign", chuyen_vien=str(world.specialist.pk))
    return Dossier.objects.get(pk=d.pk)


def test_supplement_after_appraisal_then_received_with_scans(
    world: World, login: Callable[[Any], Client]
) -> None:
    d = _appraising(world, login)
    response = _act(
        login(world.specialist), d.code, "request_supplement_after_appraisal", ly_do="Thiếu bản vẽ"
    )
    assert response.status_code == 302
    reception = login(world.reception)
    assert d.code in reception.get("/can-bo/?hop=bo-sung").content.decode()
    # nothing named: refused; a fake scan: refused; both change nothing
    assert _act(reception, d.code, "supplement_received").status_code == 400
    fake = _act(
        reception,
        d.code,
        "supplement_received",
        bo_sung_1="Bản vẽ",
        bo_sung_1_tep=upload("ban-ve.pdf", b"GIF89a"),
    )
    assert fake.status_code == 400
    assert "không phải PDF, JPEG hay PNG" in fake.content.decode()
    assert Dossier.objects.get(pk=d.pk).status == "supplement_requested"
    ok = _act(
        reception,
        d.code,
        "supplement_received",
        bo_sung_1="Bản vẽ",
        bo_sung_1_tep=upload("ban-ve.pdf", pdf_bytes()),
    )
    assert ok.status_code == 302
    d.refresh_from_db()
    assert d.status == "appraising"
    added = d.documents.get(name="Bản vẽ")
    assert added.content_type == "application/pdf"


def test_hand_over_to_partner_agencies(world: World, login: Callable[[Any], Client]) -> None:
    d = _appraising(world, login, inter_agency_mode="parallel")
    specialist = login(world.specialist)
    due = (timezone.localdate() + timezone.timedelta(days=5)).isoformat()
    incomplete = _act(specialist, d.code, "hand_over_to_partners", phoi_hop_1=str(world.partner.pk))
    assert incomplete.status_code == 400
    assert "phải chọn cơ quan, ghi phần việc và hạn" in incomplete.content.decode()
    response = _act(
        specialist,
        d.code,
        "hand_over_to_partners",
        phoi_hop_1=str(world.partner.pk),
        nhiem_vu_1="Xác định nghĩa vụ tài chính",
        han_1=due,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    d.refresh_from_db()
    assert d.status == "at_partner_agencies"
    assert d.partner_tasks.get().task == "Xác định nghĩa vụ tài chính"
    assert d.code in specialist.get("/can-bo/?hop=lien-thong").content.decode()


def test_online_dossiers_show_the_8_working_hour_clock(
    world: World, login: Callable[[Any], Client]
) -> None:
    from motcua.dossiers.services import dossier_submit_online

    d = dossier_submit_online(
        actor=None,
        procedure=world.procedure,
        receiving_agency=world.center,
        applicant=world.applicant(5),
    )
    html = login(world.reception).get("/can-bo/?hop=truc-tuyen").content.decode()
    assert d.code in html
    assert "Tiếp nhận trong 8 giờ làm việc" in html
    # and it is accepted from its page
    assert _act(login(world.reception), d.code, "accept").status_code == 302
    assert Dossier.objects.get(pk=d.pk).status == "received"
