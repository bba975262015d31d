"""Online submission: steps with the profile prefilled, the procedure's own fields from its JSON
schema, uploads checked, reuse from the personal data store, the draft on the server, fees and
the test payment gateway, submission through the engine with the code at once."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.portal.conftest import PDF, PNG, Portal, pdf

from motcua.audit.models import AuditEntry
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.portal.models import Draft, Payment, StoredDocument
from motcua.portal.schema import check_schema

pytestmark = pytest.mark.django_db


def _start(client: Client) -> str:
    r = client.get("/cong-dan/nop/1.009972/")
    assert r.status_code == 302
    return str(r["Location"])  # /cong-dan/nhap/<uuid>/nguoi-nop/


def _applicant(**over: str) -> dict[str, str]:
    return {
        "full_name": "Trần Thị Bình",
        "personal_id": "056188001234",
        "phone": "0912345678",
        "email": "binh@example.vn",
        "address": "5 Lê Lợi",
        "date_of_birth": "1988-05-04",
        **over,
    }


def _fill(portal: Portal, client: Client) -> tuple[Draft, str]:
    url = _start(client)
    base = url.rsplit("/", 2)[0]
    assert client.post(url, _applicant()).status_code == 302
    r = client.post(
        f"{base}/thong-tin/",
        {"dia_chi_cong_trinh": "Lô 5, Phước Long", "so_tang": "3", "loai": "Nhà ở riêng lẻ"},
    )
    assert r.status_code == 302
    docs = list(portal.version.documents.all())
    r = client.post(
        f"{base}/giay-to/",
        {
            f"tep-{docs[0].pk}": pdf("don.pdf"),
            f"tep-{docs[1].pk}": SimpleUploadedFile("ban-ve.png", PNG),
            "tiep": "1",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    return Draft.objects.get(user=portal.citizen), base


def test_the_profile_prefills_the_applicant_step(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    body = client.get(_start(client)).content.decode()
    assert 'value="056188001234"' in body
    assert "5 Lê Lợi, Nha Trang" in body
    assert 'value="1988-05-04"' in body


def test_a_whole_submission_gets_its_code_at_once(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    draft, base = _fill(portal, client)
    review = client.get(f"{base}/xem-lai/").content.decode()
    assert "75000 đồng" in review
    assert "Lô 5, Phước Long" in review
    assert "ban-ve.png" in review
    r = client.post(
        f"{base}/xem-lai/",
        {"receiving_agency": portal.world.center.pk, "return_method": "online", "confirm": "on"},
    )
    assert r.status_code == 302
    dossier = Dossier.objects.get()
    assert r["Location"] == f"/cong-dan/ho-so/{dossier.code}/"
    assert dossier.status == "submitted"
    assert dossier.channel == "online"
    assert dossier.applicant.user == portal.citizen
    assert dossier.fee_amount == 75000
    assert "Số tầng: 3" in dossier.summary
    assert "Địa chỉ công trình: Lô 5" in dossier.summary
    assert DossierEvent.objects.get(dossier=dossier).action == "submit_online"
    docs = list(dossier.documents.order_by("id"))
    assert [d.content_type for d in docs] == ["application/pdf", "image/png"]
    assert all(d.file and d.sha256 for d in docs)
    assert AuditEntry.objects.filter(action="dossier.submit_online").exists()
    page = client.get(r["Location"]).content.decode()
    assert dossier.code in page
    assert "8 giờ làm việc" in page
    # Uploads are kept in the personal data store for reuse; the draft is closed.
    assert StoredDocument.objects.filter(user=portal.citizen).count() == 2
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.dossier == dossier


def test_the_draft_survives_a_closed_browser(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    url = _start(client)
    client.post(url, _applicant(address="Địa chỉ đã lưu"))
    # A new browser (new session) resumes the same draft at the step reached.
    fresh = portal.client_for(portal.citizen)
    r = fresh.get("/cong-dan/nop/1.009972/")
    assert r["Location"].endswith("/thong-tin/")
    assert r["Location"].startswith(url.rsplit("/", 2)[0])
    assert "Địa chỉ đã lưu" in fresh.get(url).content.decode()
    assert "Cấp giấy phép xây dựng" in fresh.get("/cong-dan/").content.decode()


def test_schema_fields_are_validated_in_vietnamese(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    base = _start(client).rsplit("/", 2)[0]
    body = client.post(f"{base}/thong-tin/", {"so_tang": "99", "loai": "Lâu đài"}).content.decode()
    assert "Nhập “Địa chỉ công trình”" in body
    assert "99" in body
    assert "nhỏ hơn hoặc bằng 50" in body or "50" in body
    assert "Lâu đài" in body  # re-shown; not a valid choice
    assert Draft.objects.get().data.get("fields") == {}


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf"), "không phải PDF, PNG hoặc JPEG"),
        (SimpleUploadedFile("a.exe", b"MZ\x90\x00"), "không phải PDF"),
        (SimpleUploadedFile(".htaccess", PDF), "Tên tệp không hợp lệ"),
        (SimpleUploadedFile("empty.pdf", b""), "rỗng"),
        (SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024 + 1)), "quá lớn"),
    ],
)
def test_bad_uploads_are_refused(
    portal: Portal, upload: SimpleUploadedFile, message: str, settings: object
) -> None:
    settings.MOTCUA_PORTAL_UPLOAD_MAX_MB = 1  # type: ignore[attr-defined]
    client = portal.client_for(portal.citizen)
    base = _start(client).rsplit("/", 2)[0]
    doc = portal.version.documents.first()
    r = client.post(f"{base}/giay-to/", {f"tep-{doc.pk}": upload, "tiep": "1"})
    assert r.status_code == 400
    assert message in r.content.decode()
    assert not Draft.objects.get().files.exists()


class RawUpload:
    """An upload whose name is exactly what a client sent (Django's parser would strip it)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.data, self.size = name, data, len(data)

    def chunks(self) -> list[bytes]:
        return [self.data]


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\win.pdf", "a/b.pdf", "x\x00.pdf", ".env", "~root.pdf"]
)
def test_path_tricks_in_the_name_are_refused(name: str) -> None:
    from motcua.common.errors import ValidationFailed
    from motcua.portal.files import check_upload

    with pytest.raises(ValidationFailed, match="Tên tệp không hợp lệ"):
        check_upload(RawUpload(name, PDF))
    assert check_upload(RawUpload("Đơn đề nghị (bản 2).pdf", PDF)).content_type == "application/pdf"


def test_a_path_in_an_http_upload_never_reaches_storage(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    base = _start(client).rsplit("/", 2)[0]
    doc = portal.version.documents.first()
    client.post(f"{base}/giay-to/", {f"tep-{doc.pk}": SimpleUploadedFile("../../x.pdf", PDF)})
    stored = Draft.objects.get().files.get()
    assert stored.file.name.startswith("portal/draftfile/")
    assert ".." not in stored.file.name
    assert "x.pdf" not in stored.file.name


def test_documents_in_the_store_are_offered_and_reused(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    r = client.post("/cong-dan/kho-du-lieu/", {"ten": "Bản vẽ đã có", "tep": pdf("ve.pdf")})
    assert r.status_code == 302
    stored = StoredDocument.objects.get()
    base = _start(client).rsplit("/", 2)[0]
    page = client.get(f"{base}/giay-to/").content.decode()
    assert "Bản vẽ đã có" in page
    docs = list(portal.version.documents.all())
    client.post(f"{base}/thong-tin/", {"dia_chi_cong_trinh": "X", "so_tang": "1"})
    client.post(f"{base}/nguoi-nop/", _applicant())
    r = client.post(
        f"{base}/giay-to/",
        {f"tep-{docs[0].pk}": pdf(), f"dung-lai-{docs[1].pk}": stored.pk, "tiep": "1"},
    )
    assert r.status_code == 302
    client.post(
        f"{base}/xem-lai/",
        {"receiving_agency": portal.world.center.pk, "return_method": "counter", "confirm": "on"},
    )
    reused = Dossier.objects.get().documents.get(reused=True)
    assert reused.required_document == docs[1]
    assert "Kho quản lý dữ liệu" in reused.reuse_source
    # Another citizen cannot reuse (or download) my stored document.
    other = portal.client_for(portal.other)
    assert other.get(f"/cong-dan/kho-du-lieu/{stored.pk}/tai/").status_code == 404
    obase = _start(other).rsplit("/", 2)[0]
    other.post(f"{obase}/giay-to/", {f"dung-lai-{docs[1].pk}": stored.pk, "tiep": "1"})
    assert not Draft.objects.get(user=portal.other).files.exists()


def test_test_gateway_payment_is_recorded_on_the_dossier(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    _, base = _fill(portal, client)
    r = client.post(f"{base}/thanh-toan/")
    assert r.status_code == 302
    assert "/thanh-toan/thu-nghiem/" in r["Location"]
    gateway_page = r["Location"]
    assert "75000 đồng" in client.get(gateway_page).content.decode()
    # Someone else cannot see or complete my payment.
    assert portal.client_for(portal.other).post(gateway_page, {"pay": "1"}).status_code == 404
    r = client.post(gateway_page, {"pay": "1"})
    assert r["Location"].endswith("/xem-lai/")
    payment = Payment.objects.get()
    assert payment.status == "paid"
    assert payment.amount == 75000
    client.post(
        f"{base}/xem-lai/",
        {"receiving_agency": portal.world.center.pk, "return_method": "online", "confirm": "on"},
    )
    payment.refresh_from_db()
    dossier = Dossier.objects.get()
    assert payment.dossier == dossier
    page = client.get(f"/cong-dan/ho-so/{dossier.code}/").content.decode()
    assert "đã thanh toán" in page
    # The payment is on the dossier itself, recorded by the engine as the gateway's answer.
    assert dossier.paid_at == payment.paid_at
    assert dossier.status == "submitted"
    event = DossierEvent.objects.get(dossier=dossier, action="record_payment")
    assert event.actor is None
    assert event.data["reference"] == payment.reference
    assert "Đã ghi nhận việc nộp phí, lệ phí." in page


def test_a_payment_confirmed_after_submission_lands_on_the_dossier(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    _, base = _fill(portal, client)
    gateway_page = client.post(f"{base}/thanh-toan/")["Location"]
    client.post(
        f"{base}/xem-lai/",
        {"receiving_agency": portal.world.center.pk, "return_method": "online", "confirm": "on"},
    )
    dossier = Dossier.objects.get()
    assert dossier.paid_at is None
    r = client.post(gateway_page, {"pay": "1"})
    assert r.status_code == 302
    dossier.refresh_from_db()
    assert dossier.paid_at is not None
    assert Payment.objects.get().dossier == dossier
    assert DossierEvent.objects.filter(dossier=dossier, action="record_payment").count() == 1


def test_a_cancelled_payment_records_nothing(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    _, base = _fill(portal, client)
    gateway_page = client.post(f"{base}/thanh-toan/")["Location"]
    client.post(gateway_page, {"cancel": "1"})
    client.post(
        f"{base}/xem-lai/",
        {"receiving_agency": portal.world.center.pk, "return_method": "online", "confirm": "on"},
    )
    dossier = Dossier.objects.get()
    assert dossier.paid_at is None
    assert not DossierEvent.objects.filter(dossier=dossier, action="record_payment").exists()
    assert "chưa thanh toán" in client.get(f"/cong-dan/ho-so/{dossier.code}/").content.decode()


def test_a_forged_gateway_answer_is_refused(portal: Portal) -> None:
    from motcua.common.errors import ValidationFailed
    from motcua.portal.payments import payment_complete, payment_start

    payment = payment_start(portal.citizen, amount=1000)
    with pytest.raises(ValidationFailed, match="Chữ ký"):
        payment_complete({"ref": payment.reference, "ket-qua": "paid", "chu-ky": "0" * 64})
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_an_unverified_account_cannot_submit(portal: Portal) -> None:
    profile = portal.citizen.portal_profile
    profile.email_verified_at = None
    profile.save()
    client = portal.client_for(portal.citizen)
    _, base = _fill(portal, client)
    body = client.post(
        f"{base}/xem-lai/",
        {"receiving_agency": portal.world.center.pk, "return_method": "online", "confirm": "on"},
    ).content.decode()
    assert "chưa được xác minh" in body
    assert not Dossier.objects.exists()


def test_review_refuses_missing_confirmation_and_wrong_agency(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    _, base = _fill(portal, client)
    body = client.post(
        f"{base}/xem-lai/", {"receiving_agency": portal.world.center.pk, "return_method": "online"}
    ).content.decode()
    assert "cam đoan" in body
    body = client.post(
        f"{base}/xem-lai/",
        {
            "receiving_agency": portal.world.other_center.pk,
            "return_method": "online",
            "confirm": "on",
        },
    ).content.decode()
    assert "Hãy chọn" in body or "không hợp lệ" in body or "Select a valid choice" in body
    assert not Dossier.objects.exists()


def test_a_procedure_without_the_online_channel_refuses(portal: Portal) -> None:
    portal.world.version.channels.filter(channel="online").delete() if False else None
    from motcua.catalogue.models import ChannelOption

    assert ChannelOption.objects.filter(version=portal.world.review_version, channel="online")
    client = portal.client_for(portal.citizen)
    r = client.get("/cong-dan/nop/9.999999/")
    assert r.status_code == 404


def test_schema_subset_is_checked() -> None:
    from motcua.common.errors import ValidationFailed

    assert check_schema({}) == {}
    for bad in (
        {"type": "array"},
        {"type": "object", "properties": {"Bad Name": {"type": "string"}}},
        {"type": "object", "properties": {"a": {"type": "object"}}},
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]},
        {"type": "object", "properties": {"a": {"type": "string", "enum": []}}},
    ):
        with pytest.raises(ValidationFailed):
            check_schema(bad)
