"""The national portal bridge: the status and field mapping, the outbound push through the
outbox and the inbound submission, both against a stand-in portal started by the tests."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.api.conftest import Caller, MakeClient
from tests.api.results import (
    appraising_with_draft,
    sign_result,
    use_test_certificate,
)
from tests.dossiers.conftest import MONDAY, World

from motcua.api.services import api_client_create
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.national import NationalStatus
from motcua.dossiers.services import (
    DocumentInput,
    dossier_accept,
    dossier_forward,
)
from motcua.dossiers.workflow import DossierStatus
from motcua.integrations import national
from motcua.integrations.fake_national import FakeNationalPortal
from motcua.integrations.models import NationalDossierLink, NationalSync, Subscription
from motcua.integrations.services import run_outbox

SECRET = "khoa-dong-bo-quoc-gia"


@pytest.fixture
def portal() -> Iterator[FakeNationalPortal]:
    server = FakeNationalPortal(secret=SECRET).start()
    yield server
    server.stop()


def test_every_status_maps_to_one_of_the_ten_codes() -> None:
    table = national.status_table()
    assert {status for status, _, _ in table} == {s.value for s in DossierStatus}
    codes = {code for _, code, _ in table if code is not None}
    assert codes == set(range(1, 11))
    assert {s: c for s, c, _ in table}["draft"] is None
    assert national.status_code("supplement_requested_at_reception") == 5
    assert national.status_code("closed") == NationalStatus.STOPPED
    assert national.status_code("returned") == 10


@pytest.mark.django_db
def test_sync_record_fields(world: World) -> None:
    dossier = world.receive(
        at=MONDAY,
        documents=[
            DocumentInput(name="Đơn", file=_pdf()),
            DocumentInput(
                name="CCCD",
                reused=True,
                reuse_source="CSDL quốc gia về dân cư",
                reuse_origin="national_db",
            ),
            DocumentInput(
                name="Giấy khai sinh",
                reused=True,
                reuse_source="Kho dữ liệu trên Cổng DVCQG",
                reuse_origin="citizen_store",
            ),
        ],
    )
    dossier_accept(actor=world.reception, dossier=dossier.pk, at=MONDAY)
    dossier.refresh_from_db()
    record = national.sync_record(dossier)
    assert record["MaHoSo"] == dossier.code
    assert record["MaTTHC"] == "1.004222"
    assert record["MaCoQuan"] == "000.01.01.H32"
    assert record["TrangThaiHoSo"] == 2
    assert record["KenhThucHien"] == 1
    assert record["NgayTiepNhan"].startswith("2026-03-02T09:00:00")
    assert record["NgayHenTra"] is not None
    assert record["NgayKetThucXuLy"] is None
    assert record["ThoiGianGiaiQuyet"] == 5
    assert record["DonViTinh"] == "ngày làm việc"
    assert record["HoSoCoThanhPhanSoHoa"] == 1
    # Only a component from the citizen's own store is DuocLayTuKhoDMQG (QĐ 766 4.4), not one
    # reused from the population database.
    assert [(d["DuocSoHoa"], d["DuocLayTuKhoDMQG"]) for d in record["TaiLieuNop"]] == [
        (1, 0),
        (0, 0),
        (0, 1),
    ]
    assert record["DuocThanhToanTrucTuyen"] == 2
    assert record["TaiKhoanDuocXacThucVoiVNeID"] == 0
    assert record["MaHoSoQuocGia"] is None
    assert {key: record[key] for key in national.RESULT_KEYS} == dict.fromkeys(national.RESULT_KEYS)


@pytest.mark.django_db
def test_sync_record_result_document(world: World, settings: Any, tmp_path: Path) -> None:
    use_test_certificate(settings, tmp_path)
    dossier, draft = appraising_with_draft(world)
    # A draft attached during appraisal is not a result yet: not sent.
    record = national.sync_record(dossier)
    assert record["TrangThaiHoSo"] == 4
    assert record["MaKetQua"] is None
    assert record["DuongDanTepTinKetQua"] is None
    dossier, row = sign_result(world, dossier, draft)
    event = DossierEvent.objects.filter(dossier=dossier).order_by("-seq").first()
    record = national.sync_record(dossier, event)
    assert record["TrangThaiHoSo"] == 9
    assert record["MaKetQua"] == f"{dossier.code}.KQ{row.pk}"
    assert record["DuongDanTepTinKetQua"] == (
        f"https://dichvucong.khanhhoa.gov.vn/api/v1/dossiers/{dossier.code}/result"
    )
    assert record["TenKetQua"] == "Giấy chứng nhận quyền sử dụng đất"
    assert record["TenTepKetQua"] == row.signed_file.name.rsplit("/", 1)[-1]
    assert record["KichThuocTepKetQua"] == row.signed_file.size > 0
    assert record["MaHashKetQua"] == row.signed_sha256
    assert record["KetQuaDaKySo"] == 1
    assert record["NgayBanHanhKetQua"].startswith("2026-03-03T11:00:00")
    assert record["MaCSDL"] is None


def _pdf() -> Any:
    from django.core.files.base import ContentFile

    return ContentFile(b"%PDF-1.4", name="don.pdf")


@pytest.mark.django_db
def test_each_change_is_pushed_to_the_national_endpoint(
    world: World, portal: FakeNationalPortal
) -> None:
    Subscription.objects.create(
        name="Cổng DVC quốc gia", kind="national", url=portal.sync_url, secret=SECRET
    )
    dossier = world.receive(at=MONDAY)
    dossier_accept(actor=world.reception, dossier=dossier.pk, at=MONDAY)
    dossier_forward(actor=world.reception, dossier=dossier.pk, at=MONDAY + dt.timedelta(hours=1))
    run_outbox(now=MONDAY + dt.timedelta(hours=1))
    assert portal.rejected == 0
    assert portal.statuses(dossier.code) == [1, 2, 4]
    latest = portal.latest(dossier.code)
    assert latest is not None
    assert latest["LichSu"]["STT"] == 3
    assert latest["LichSu"]["TrangThaiTruoc"] == 2
    assert latest["NgayTiepNhan"] is not None
    # A wrongly signed push is refused by the stand-in (it checks like the real one would).
    Subscription.objects.update(secret="sai")
    other = world.receive(at=MONDAY + dt.timedelta(hours=2), n=2)
    run_outbox(now=MONDAY + dt.timedelta(hours=2))
    assert portal.rejected == 1
    assert portal.latest(other.code) is None


@pytest.mark.django_db(transaction=True)
def test_inbound_submission_from_the_portal(
    world: World, portal: FakeNationalPortal, live_server: Any
) -> None:
    _, key = api_client_create(
        actor=world.admin,
        name="Cổng DVC quốc gia",
        scopes=["national:inbound"],
        agencies=[world.center],
    )
    Subscription.objects.create(name="Đồng bộ", kind="national", url=portal.sync_url, secret=SECRET)
    record = {
        "MaHoSoQuocGia": "G22.99-260302-000123",
        "MaTTHC": "1.004222",
        "MaCoQuan": "000.01.01.H32",
        "ChuHoSo": {"HoTen": "Lê Văn Cường", "SoDinhDanh": "056190009999"},
        "TaiLieuNop": [
            {
                "MaThanhPhan": 1,
                "TepDinhKem": {
                    "TenTep": "don.pdf",
                    "NoiDungBase64": base64.b64encode(b"%PDF-1.4").decode(),
                },
            },
            {"MaThanhPhan": 2, "DuocLayTuKhoDMQG": 1},
        ],
    }
    status, body = FakeNationalPortal.submit(live_server.url, key, record)
    assert status == 201, body
    dossier = Dossier.objects.get(code=body["MaHoSo"])
    assert dossier.channel == "online"
    assert dossier.status == "submitted"
    assert body["TrangThaiHoSo"] == 1
    # Submitted on the portal: the portal knows it (QĐ 766 1.4).
    assert NationalSync.objects.filter(dossier=dossier, via="link").exists()
    # Sent again (a retry): the same dossier, not a second one.
    again_status, again = FakeNationalPortal.submit(live_server.url, key, record)
    assert again_status == 200
    assert again["MaHoSo"] == body["MaHoSo"]
    assert Dossier.objects.count() == 1
    # And the dossier's status goes back to the portal, with the portal's own id.
    run_outbox()
    latest = portal.latest(dossier.code)
    assert latest is not None
    assert latest["MaHoSoQuocGia"] == "G22.99-260302-000123"
    assert latest["TrangThaiHoSo"] == 1
    assert [t["DuocLayTuKhoDMQG"] for t in latest["TaiLieuNop"]] == [0, 1]
    # Bad input is refused in the one error shape.
    bad_status, bad = FakeNationalPortal.submit(
        live_server.url, key, {**record, "MaHoSoQuocGia": "x2", "MaTTHC": "9.999"}
    )
    assert bad_status == 404
    assert bad["code"] == "procedure_not_found"
    assert NationalDossierLink.objects.count() == 1


@pytest.mark.django_db
def test_inbound_needs_the_scope_and_the_agency(world: World, make_client: MakeClient) -> None:
    record = {
        "MaHoSoQuocGia": "Q-1",
        "MaTTHC": "1.004222",
        "MaCoQuan": "000.01.01.H32",
        "ChuHoSo": {"HoTen": "Lê Văn Cường"},
    }
    _, no_scope = make_client(name="khong quyen", scopes=["dossiers:read"])
    assert no_scope("POST", "/national/dossiers", record).status == 403
    _, elsewhere = make_client(name="noi khac", agencies=[world.other_center])
    assert elsewhere("POST", "/national/dossiers", record).status == 404
    _, ok = make_client(name="dung")
    assert ok("POST", "/national/dossiers", record).status == 201
    strict = ok(
        "POST", "/national/dossiers", {**record, "MaHoSoQuocGia": "Q-2", "HinhThucNhanKetQua": "3"}
    )
    assert strict.status == 422
    browser = Caller()
    assert browser("POST", "/national/dossiers", record).status == 401
