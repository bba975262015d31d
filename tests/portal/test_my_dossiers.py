"""My dossiers: the timeline in plain words, answering a supplement request with uploads,
withdrawing, downloading the result (which lands in the store), rating once — and nothing of
anyone else's dossier, by id, code or file URL."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.dossiers.conftest import at
from tests.portal import flow
from tests.portal.conftest import PDF, Portal
from tests.workspace.conftest import pdf_bytes

from motcua.dossiers import services as sv
from motcua.dossiers.models import Dossier
from motcua.portal.models import StoredDocument
from motcua.ratings.models import Rating

pytestmark = pytest.mark.django_db


def _page(client: Client, d: Dossier) -> str:
    r = client.get(f"/cong-dan/ho-so/{d.code}/")
    assert r.status_code == 200
    return r.content.decode()


def test_list_and_timeline_after_acceptance(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    d = flow.submit(portal)
    assert d.code in client.get("/cong-dan/ho-so/").content.decode()
    assert "8 giờ làm việc" in _page(client, d)
    flow.accept(portal, d)
    page = _page(client, d)
    assert "Được tiếp nhận" in page
    assert "được tiếp nhận chính thức" in page
    assert "Ngày hẹn trả kết quả" in page
    assert "Tiepnhan" not in page  # no officer names in the citizen's timeline


def test_answer_a_supplement_request_at_reception_with_uploads(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    d = flow.submit(portal)
    sv.dossier_request_supplement(
        actor=portal.world.reception,
        dossier=d.code,
        reason="Thiếu bản vẽ mặt bằng tầng 2.",
        at=at(2, 10),
    )
    page = _page(client, d)
    assert "Thiếu bản vẽ mặt bằng tầng 2." in page
    assert "Gửi bổ sung" in page
    bad = client.post(
        f"/cong-dan/ho-so/{d.code}/bo-sung/",
        {"tep": SimpleUploadedFile("x.pdf", b"not a pdf")},
        follow=True,
    )
    assert "không phải PDF" in bad.content.decode()
    r = client.post(
        f"/cong-dan/ho-so/{d.code}/bo-sung/",
        {"tep": [SimpleUploadedFile("mat-bang.pdf", PDF), SimpleUploadedFile("anh.pdf", PDF)]},
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "submitted"
    assert d.documents.filter(name__startswith="Bổ sung:").count() == 2
    assert d.events.order_by("-seq").first().data == {"documents": 2}
    assert "Đã nhận hồ sơ bổ sung" in _page(client, d)


def test_answer_a_supplement_after_appraisal_restarts_the_clock(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    d = flow.to_appraisal(portal, flow.submit(portal))
    sv.dossier_request_supplement_after_appraisal(
        actor=portal.world.specialist, dossier=d.code, reason="Bổ sung giấy phép PCCC.", at=at(3, 9)
    )
    assert "Bổ sung giấy phép PCCC." in _page(client, d)
    client.post(f"/cong-dan/ho-so/{d.code}/bo-sung/", {"tep": SimpleUploadedFile("p.pdf", PDF)})
    d.refresh_from_db()
    assert d.status == "appraising"
    assert "thời hạn giải quyết được tính lại từ đầu" in _page(client, d)


def test_withdraw_before_the_decision(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    d = flow.submit(portal)
    assert "Rút hồ sơ" in client.get(f"/cong-dan/ho-so/{d.code}/rut/").content.decode()
    client.post(f"/cong-dan/ho-so/{d.code}/rut/", {"ly-do": "Đổi ý"})
    d.refresh_from_db()
    assert d.status == "withdrawal_requested"
    page = _page(client, d)
    assert "Đã nhận yêu cầu rút hồ sơ" in page
    assert "/rut/" not in page
    # A second withdrawal is refused by the engine, in Vietnamese.
    r = client.post(f"/cong-dan/ho-so/{d.code}/rut/", follow=True)
    assert r.status_code == 200
    assert "messages" in r.content.decode()


def test_result_download_lands_in_the_store_and_rating_once(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    d = flow.returned_with_result(portal, flow.submit(portal))
    page = _page(client, d)
    assert "Tải kết quả điện tử đã ký số: Giấy phép xây dựng" in page
    assert "Đánh giá mức độ hài lòng" in page
    assert "Văn phòng Đăng ký đất đai" in page  # the signer
    r = client.get(f"/cong-dan/ho-so/{d.code}/ket-qua/")
    assert r.status_code == 200
    body = b"".join(r.streaming_content)
    assert body.startswith(b"%PDF")
    assert b"/ByteRange" in body  # the PAdES signature is in the file
    assert r["Content-Disposition"].startswith("attachment")
    stored = StoredDocument.objects.get(user=portal.citizen, source="result")
    assert stored.name == "Giấy phép xây dựng"
    assert stored.dossier == d
    form = client.get(f"/cong-dan/ho-so/{d.code}/danh-gia/").content.decode()
    assert "Thái độ, cách ứng xử" in form
    assert "Rất hài lòng" in form
    assert (
        "Chọn một mức đánh giá"
        in client.post(f"/cong-dan/ho-so/{d.code}/danh-gia/", {}).content.decode()
    )
    r = client.post(
        f"/cong-dan/ho-so/{d.code}/danh-gia/",
        {"level": "4", "c_a": "4", "c_dd": "3", "comment": "Nhanh"},
    )
    assert r.status_code == 302
    rating = Rating.objects.get()
    assert rating.source == "portal"
    assert rating.dossier == d
    assert rating.level == 4
    assert rating.criteria == {"a": 4, "đ": 3}
    assert rating.officer == portal.world.specialist
    assert rating.agency == portal.world.center
    again = client.post(f"/cong-dan/ho-so/{d.code}/danh-gia/", {"level": "1"})
    assert "đã đánh giá" in again.content.decode()
    assert Rating.objects.count() == 1
    assert "Bạn đã đánh giá hồ sơ này" in _page(client, d)


def test_rating_before_the_result_is_returned_is_refused(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    d = flow.submit(portal)
    r = client.post(f"/cong-dan/ho-so/{d.code}/danh-gia/", {"level": "4"})
    assert r.status_code == 302
    assert not Rating.objects.exists()
    assert client.get(f"/cong-dan/ho-so/{d.code}/ket-qua/").status_code == 404


def test_an_unsigned_result_is_not_delivered(portal: Portal) -> None:
    from motcua.workspace import services as ws

    client = portal.client_for(portal.citizen)
    d = flow.to_appraisal(portal, flow.submit(portal))
    ws.result_attach(
        actor=portal.world.specialist,
        code=d.code,
        upload=SimpleUploadedFile("kq.pdf", pdf_bytes("Dự thảo")),
        name="Dự thảo",
    )
    assert client.get(f"/cong-dan/ho-so/{d.code}/ket-qua/").status_code == 404
    assert "Tải kết quả" not in _page(client, d)
    assert not StoredDocument.objects.filter(source="result").exists()


def test_a_citizen_cannot_see_or_act_on_another_citizens_dossier(portal: Portal) -> None:
    d = flow.returned_with_result(portal, flow.submit(portal))
    doc = d.documents.exclude(file="").first()
    own = portal.client_for(portal.citizen)
    assert own.get(f"/cong-dan/ho-so/{d.code}/tep/{doc.pk}/").status_code == 200
    other = portal.client_for(portal.other)
    for url in (
        f"/cong-dan/ho-so/{d.code}/",
        f"/cong-dan/ho-so/{d.code}/ket-qua/",
        f"/cong-dan/ho-so/{d.code}/tep/{doc.pk}/",
        f"/cong-dan/ho-so/{d.code}/rut/",
        f"/cong-dan/ho-so/{d.code}/danh-gia/",
        f"/cong-dan/ho-so/{d.uuid}/",
        f"/cong-dan/ho-so/{d.pk}/",
    ):
        assert other.get(url).status_code == 404, url
    for url, data in (
        (f"/cong-dan/ho-so/{d.code}/bo-sung/", {"tep": SimpleUploadedFile("a.pdf", PDF)}),
        (f"/cong-dan/ho-so/{d.code}/rut/", {}),
        (f"/cong-dan/ho-so/{d.code}/danh-gia/", {"level": "1"}),
        (f"/cong-dan/ho-so/{d.code}/thanh-toan/", {}),
    ):
        assert other.post(url, data).status_code == 404, url
    assert not Rating.objects.exists()
    assert d.code not in other.get("/cong-dan/ho-so/").content.decode()
    # My own file, but under another dossier's code: not found either.
    mine = flow.submit(portal, user=portal.other, moment=at(2, 9, 5))
    assert other.get(f"/cong-dan/ho-so/{mine.code}/tep/{doc.pk}/").status_code == 404
    # Uploaded media are never served by URL.
    assert Client().get(f"/media/{doc.file.name}").status_code == 404


def test_payment_requested_after_reception_is_paid_through_the_gateway(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    d = flow.to_appraisal(portal, flow.submit(portal))
    sv.dossier_request_payment(
        actor=portal.world.specialist, dossier=d.code, amount=500000, at=at(3, 9)
    )
    page = _page(client, d)
    assert "Thanh toán trực tuyến 500000 đồng" in page
    r = client.post(f"/cong-dan/ho-so/{d.code}/thanh-toan/")
    r = client.post(r["Location"], {"pay": "1"})
    assert r["Location"] == f"/cong-dan/ho-so/{d.code}/"
    d.refresh_from_db()
    assert d.status == "appraising"
    assert d.paid_at is not None
    assert "Đã ghi nhận việc nộp phí" in _page(client, d)


def test_keeping_the_result_out_of_the_national_data_store(portal: Portal) -> None:
    """QĐ 766 4.4: until the result is returned, the applicant may refuse that its e-result be
    pushed to their data store on the Cổng DVCQG — a confirmation page, then the record
    (audited, once); the link disappears; another citizen gets "not found"; after the return
    the refusal is refused in Vietnamese."""
    from motcua.audit.models import AuditEntry
    from motcua.integrations.models import ResultStoreRefusal

    client = portal.client_for(portal.citizen)
    d = flow.submit(portal)
    url = f"/cong-dan/ho-so/{d.code}/khong-luu-kho/"
    assert url in _page(client, d)
    confirm = client.get(url).content.decode()
    assert "Không đồng ý lưu vào Kho" in confirm
    assert not ResultStoreRefusal.objects.exists()  # the GET records nothing

    # Another citizen: not found, by the code, and nothing recorded.
    other = portal.client_for(portal.other)
    assert other.get(url).status_code == 404
    assert other.post(url, {"ghi-chu": "x"}).status_code == 404
    assert not ResultStoreRefusal.objects.exists()

    r = client.post(url, {"ghi-chu": "Tôi lưu bản giấy."}, follow=True)
    assert r.status_code == 200
    page = r.content.decode()
    assert "sẽ không được lưu vào Kho dữ liệu" in page
    assert "Bạn đã không đồng ý lưu kết quả điện tử" in page
    assert url not in page
    refusal = ResultStoreRefusal.objects.get(dossier=d)
    assert refusal.note == "Tôi lưu bản giấy."
    assert refusal.recorded_by == portal.citizen
    assert (
        AuditEntry.objects.filter(
            action="integrations.result_store_refusal", object_id=str(d.uuid)
        ).count()
        == 1
    )
    client.post(url, {"ghi-chu": "lần hai"})  # once: the first record stays, no second entry
    assert ResultStoreRefusal.objects.get(dossier=d).note == "Tôi lưu bản giấy."
    assert AuditEntry.objects.filter(action="integrations.result_store_refusal").count() == 1


def test_no_refusal_of_the_store_after_the_return(portal: Portal) -> None:
    from motcua.integrations.models import ResultStoreRefusal

    client = portal.client_for(portal.citizen)
    d = flow.returned_with_result(portal, flow.submit(portal))
    url = f"/cong-dan/ho-so/{d.code}/khong-luu-kho/"
    assert url not in _page(client, d)
    r = client.post(url, {}, follow=True)
    assert "Kết quả đã được trả" in r.content.decode()
    assert not ResultStoreRefusal.objects.exists()
    # Without the CSRF token the form is refused.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(portal.citizen)
    assert strict.post(url, {}).status_code == 403


def test_store_refusal_page_in_english(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    d = flow.submit(portal)
    client.cookies["django_language"] = "en"
    page = client.get(f"/cong-dan/ho-so/{d.code}/khong-luu-kho/").content.decode()
    assert "Do not keep it in the store" in page
    assert "Không đồng ý lưu vào Kho" not in page
