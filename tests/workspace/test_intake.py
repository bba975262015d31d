"""Counter intake: procedure search, applicant look-up, checklist, scans by content, accept /
supplement / refuse, fees, the receipt as a page and as a PDF; bad input changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader
from tests.dossiers.conftest import World, _version
from tests.workspace.conftest import PNG, pdf_bytes, upload

from motcua.catalogue.models import ProcedureVersion
from motcua.dossiers.models import Dossier
from motcua.workspace import forms_pdf, selectors
from motcua.workspace.models import FeeCollection

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def _form(world: World, version: ProcedureVersion, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "thu_tuc": version.procedure.code,
        "phien_ban": str(version.pk),
        "loai": "person",
        "ho_ten": "Trần Thị Bích",
        "so_dinh_danh": "056185012345",
        "ngay_sinh": "1985-04-02",
        "dien_thoai": "0914000111",
        "dia_chi": "5 Lê Thánh Tôn, phường Nha Trang",
        "nhan_ket_qua": "counter",
        "quyet_dinh": "accept",
    }
    for doc in version.documents.all():
        data[f"gt_{doc.pk}_nop"] = "1"
        data[f"gt_{doc.pk}_hinh_thuc"] = "copy"
        data[f"gt_{doc.pk}_so_luong"] = "1"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_procedure_search_ignores_diacritics(world: World, fee_version: ProcedureVersion) -> None:
    assert [v.procedure.code for v in selectors.procedure_search("dang ky tam tru")] == ["1.004194"]
    assert [v.procedure.code for v in selectors.procedure_search("ĐĂNG KÝ BIẾN ĐỘNG")] == [
        "1.004222"
    ]
    assert selectors.procedure_search("1.004194")[0].name == "Đăng ký tạm trú"


def test_intake_page_search_and_prefill(world: World, login: Callable[[Any], Client]) -> None:
    client = login(world.reception)
    html = client.get("/can-bo/tiep-nhan/?tim=dang+ky+bien+dong").content.decode()
    assert "?thu-tuc=1.004222" in html
    world.receive(n=3)  # the applicant 056190000003 is now known
    html = client.get("/can-bo/tiep-nhan/?thu-tuc=1.004222&cccd=056190000003").content.decode()
    assert "Đã có thông tin của người nộp" in html
    assert 'value="Nguyễn Văn An 3"' in html
    html = client.get("/can-bo/tiep-nhan/?thu-tuc=1.004222&cccd=056190000099").content.decode()
    assert "Chưa có người nộp này" in html
    # only reception officers take dossiers at the counter
    assert login(world.specialist).get("/can-bo/tiep-nhan/").status_code == 404


def test_accept_with_fee_prints_the_receipt(
    world: World, login: Callable[[Any], Client], fee_version: ProcedureVersion
) -> None:
    client = login(world.reception)
    doc = fee_version.documents.get()
    response = client.post(
        "/can-bo/tiep-nhan/",
        _form(
            world,
            fee_version,
            hinh_thuc_nop_phi="cash",
            so_bien_lai="BL-0001",
            **{f"gt_{doc.pk}_tep": upload("to-khai.pdf", pdf_bytes())},
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier = Dossier.objects.get()
    assert response["Location"] == f"/can-bo/ho-so/{dossier.code}/giay-tiep-nhan/"
    assert dossier.status == "received"
    assert dossier.fee_amount == 50_000
    fee = FeeCollection.objects.get()
    assert (fee.receipt_number, fee.method, fee.amount) == ("BL-0001", "cash", 50_000)
    stored = dossier.documents.get()
    assert stored.content_type == "application/pdf"
    assert stored.sha256
    page = client.get(response["Location"]).content.decode()
    due = forms_pdf.moment_text(dossier.due_at)
    assert dossier.code in page
    assert due in page
    assert "BL-0001" in page
    assert "<svg" in page
    text = pdf_text(client.get(f"/can-bo/ho-so/{dossier.code}/bieu-mau/giay-tiep-nhan.pdf").content)
    assert dossier.code in text
    assert due in text
    assert " giờ " in due
    assert " phút, ngày " in due
    assert f"https://dichvucong.khanhhoa.gov.vn/tra-cuu/{dossier.code}/" in text
    assert "Tờ khai thay đổi thông tin cư trú" in text
    assert "BL-0001" in text
    # the same stored data gives the same document
    assert forms_pdf.receipt_pdf(dossier) == forms_pdf.receipt_pdf(
        Dossier.objects.get(pk=dossier.pk)
    )


def test_missing_documents_are_shown_and_accepting_is_refused(
    world: World, login: Callable[[Any], Client]
) -> None:
    client = login(world.reception)
    docs = list(world.version.documents.all())
    response = client.post(
        "/can-bo/tiep-nhan/", _form(world, world.version, **{f"gt_{docs[1].pk}_nop": None})
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Hồ sơ còn thiếu: Giấy chứng nhận (bản gốc)" in html
    assert Dossier.objects.count() == 0


def test_supplement_request_lists_everything_missing(
    world: World, login: Callable[[Any], Client]
) -> None:
    client = login(world.reception)
    docs = list(world.version.documents.all())
    response = client.post(
        "/can-bo/tiep-nhan/",
        _form(
            world,
            world.version,
            quyet_dinh="supplement",
            ly_do="Đơn chưa ký",
            **{f"gt_{docs[1].pk}_nop": None},
        ),
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.status == "supplement_requested_at_reception"
    text = pdf_text(client.get(f"/can-bo/ho-so/{dossier.code}/bieu-mau/phieu-bo-sung.pdf").content)
    assert "PHIẾU YÊU CẦU BỔ SUNG" in text
    assert "Giấy chứng nhận (bản gốc)" in text
    assert "Đơn chưa ký" in text


def test_refusal_prints_the_reason(world: World, login: Callable[[Any], Client]) -> None:
    client = login(world.reception)
    response = client.post(
        "/can-bo/tiep-nhan/",
        _form(world, world.version, quyet_dinh="refuse", ly_do="Không thuộc thẩm quyền"),
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.status == "refused_at_reception"
    text = pdf_text(client.get(f"/can-bo/ho-so/{dossier.code}/bieu-mau/phieu-tu-choi.pdf").content)
    assert "Không thuộc thẩm quyền" in text
    assert dossier.code in text
    # refusing needs a reason
    response = client.post(
        "/can-bo/tiep-nhan/", _form(world, world.version, quyet_dinh="refuse", ly_do="")
    )
    assert response.status_code == 400
    assert "lý do từ chối" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"so_dinh_danh": "05618501234"}, "phải gồm đúng 12 chữ số"),
        ({"so_dinh_danh": "999185012345"}, "không phải mã tỉnh"),
        ({"so_dinh_danh": "056190012345"}, "không khớp với năm sinh 1985"),
        ({"ho_ten": ""}, "Phải ghi họ và tên"),
        (
            {
                "loai": "organisation",
                "ten_to_chuc": "Công ty A",
                "ma_so_doanh_nghiep": "0100109107",
            },
            "sai chữ số kiểm tra",
        ),
    ],
)
def test_bad_applicant_data_is_refused_and_nothing_saved(
    world: World, login: Callable[[Any], Client], overrides: dict[str, str], message: str
) -> None:
    response = login(world.reception).post(
        "/can-bo/tiep-nhan/", _form(world, world.version, **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Dossier.objects.count() == 0


def test_a_file_that_claims_to_be_a_pdf_but_is_not_is_refused(
    world: World, login: Callable[[Any], Client]
) -> None:
    doc = world.version.documents.first()
    assert doc is not None
    fake = upload("don.pdf", b"<html>not a pdf</html>")
    response = login(world.reception).post(
        "/can-bo/tiep-nhan/", _form(world, world.version, **{f"gt_{doc.pk}_tep": fake})
    )
    assert response.status_code == 400
    assert "“don.pdf” không phải PDF, JPEG hay PNG" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_an_oversized_file_is_refused(
    world: World, login: Callable[[Any], Client], settings: Any
) -> None:
    settings.MOTCUA_UPLOAD_MAX_MB = 1
    doc = world.version.documents.first()
    assert doc is not None
    big = upload("scan.png", PNG + b"\x00" * (1024 * 1024 + 10), "image/png")
    response = login(world.reception).post(
        "/can-bo/tiep-nhan/", _form(world, world.version, **{f"gt_{doc.pk}_tep": big})
    )
    assert response.status_code == 400
    assert "quá lớn" in response.content.decode()
    assert "tối đa là 1 MB" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_a_procedure_version_no_longer_in_force_is_refused(
    world: World, login: Callable[[Any], Client]
) -> None:
    old = world.version
    _version(world.procedure, old.field, world.land, world.center, review=False)  # replaces it
    # (published from 1 July 2025 again: the new version is the one in force from then on)
    response = login(world.reception).post("/can-bo/tiep-nhan/", _form(world, old))
    assert response.status_code == 400
    assert "không còn hiệu lực" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_fee_receipt_number_is_required_and_unique(
    world: World, login: Callable[[Any], Client], fee_version: ProcedureVersion
) -> None:
    client = login(world.reception)
    response = client.post(
        "/can-bo/tiep-nhan/", _form(world, fee_version, hinh_thuc_nop_phi="cash", so_bien_lai="")
    )
    assert response.status_code == 400
    assert "số biên lai" in response.content.decode()
    assert (
        client.post(
            "/can-bo/tiep-nhan/",
            _form(world, fee_version, hinh_thuc_nop_phi="transfer", so_bien_lai="BL-9"),
        ).status_code
        == 302
    )
    again = client.post(
        "/can-bo/tiep-nhan/",
        _form(
            world,
            fee_version,
            so_dinh_danh="056185012346",
            hinh_thuc_nop_phi="cash",
            so_bien_lai="BL-9",
        ),
    )
    assert again.status_code == 400
    assert "đã được dùng" in again.content.decode()
    assert Dossier.objects.count() == 1


def test_today_is_used_for_the_version_check(world: World) -> None:
    from motcua.workspace.services import version_problem

    assert version_problem(world.version, dt.datetime.now(dt.UTC)) is None


def test_scans_are_viewable_in_the_browser_within_scope_only(
    world: World, login: Callable[[Any], Client]
) -> None:
    doc = world.version.documents.first()
    assert doc is not None
    client = login(world.reception)
    scan = PNG + b"\x01" * 10
    response = client.post(
        "/can-bo/tiep-nhan/",
        _form(world, world.version, **{f"gt_{doc.pk}_tep": upload("don.png", scan, "image/png")}),
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    stored = dossier.documents.get(required_document=doc)
    url = f"/can-bo/ho-so/{dossier.code}/giay-to/{stored.pk}/"
    assert url in client.get(f"/can-bo/ho-so/{dossier.code}/").content.decode()
    shown = client.get(url)
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/png"
    assert b"".join(shown.streaming_content) == scan
    assert login(world.other_reception).get(url).status_code == 404
    assert client.get(f"/can-bo/ho-so/{dossier.code}/giay-to/999999/").status_code == 404
