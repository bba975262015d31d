"""Inbound from the national portal: a dossier submitted on the Cổng Dịch vụ công quốc gia is
routed to the provincial system (NĐ 118/2025/NĐ-CP Điều 15 khoản 3, Điều 17 khoản 2) and becomes
an online dossier here, through ``dossier_submit_online`` as the system.

The interface is **ours** (the national portal's is not public): the field names follow the
national sync names (rules.md §4.3), documented in docs/integration.md. ``MaHoSoQuocGia`` makes
the call idempotent: the same national dossier sent twice answers with the same motcua dossier.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field, StrictInt

from motcua.api.auth import AUTH, Principal
from motcua.api.dossiers import _agency, _documents, _required_of
from motcua.api.errors import ApiError
from motcua.api.models import Scope
from motcua.api.responses import errors
from motcua.api.schemas import Day, DocumentIn, FileIn, StrictIn
from motcua.catalogue.models import Procedure
from motcua.dossiers import services as engine
from motcua.dossiers.models import ReturnMethod
from motcua.dossiers.services import ApplicantInput
from motcua.integrations import national
from motcua.integrations.models import NationalDossierLink, SyncVia
from motcua.integrations.services import national_sync_record

router = Router(tags=["national"], auth=AUTH)

ZeroOne = Literal[0, 1]


class ChuHoSoIn(StrictIn):
    LoaiDoiTuong: Literal[1, 2] = Field(1, description="1 công dân, 2 tổ chức, doanh nghiệp")
    HoTen: Annotated[str, Field(max_length=200)] = ""
    SoDinhDanh: Annotated[str, Field(max_length=12)] = ""
    NgaySinh: Day | None = None
    SoDienThoai: Annotated[str, Field(max_length=20)] = ""
    Email: Annotated[str, Field(max_length=254)] = ""
    DiaChi: Annotated[str, Field(max_length=300)] = ""
    TenToChuc: Annotated[str, Field(max_length=300)] = ""
    MaSoDoanhNghiep: Annotated[str, Field(max_length=14)] = ""


class TepIn(StrictIn):
    TenTep: Annotated[str, Field(min_length=1, max_length=200)]
    LoaiTep: Annotated[str, Field(max_length=100)] = "application/pdf"
    NoiDungBase64: Annotated[str, Field(max_length=2_800_000)]


class TaiLieuIn(StrictIn):
    TenTaiLieu: Annotated[str, Field(max_length=300)] = ""
    MaThanhPhan: Annotated[StrictInt, Field(ge=1, le=1000)] | None = Field(
        None, description="Thứ tự thành phần hồ sơ của thủ tục"
    )
    DuocLayTuKhoDMQG: ZeroOne = 0
    NguonDuLieu: Annotated[str, Field(max_length=300)] = ""
    TepDinhKem: TepIn | None = None


class NationalDossierIn(StrictIn):
    MaHoSoQuocGia: Annotated[str, Field(min_length=1, max_length=100)]
    MaTTHC: Annotated[str, Field(min_length=1, max_length=40)]
    MaCoQuan: Annotated[str, Field(min_length=1, max_length=40)]
    ChuHoSo: ChuHoSoIn
    TaiLieuNop: Annotated[list[TaiLieuIn], Field(max_length=50)] = []
    HinhThucNhanKetQua: Literal[1, 2, 3] = Field(
        3, description="1 tại Bộ phận Một cửa, 2 bưu chính, 3 trực tuyến"
    )
    TrichYeu: Annotated[str, Field(max_length=500)] = ""


class NationalDossierOut(Schema):
    MaHoSoQuocGia: str
    MaHoSo: str
    TrangThaiHoSo: int | None
    NgayNopHoSo: str | None


RETURN_METHOD = {1: ReturnMethod.COUNTER, 2: ReturnMethod.POST, 3: ReturnMethod.ONLINE}


def _documents_in(items: list[TaiLieuIn]) -> list[DocumentIn]:
    return [
        DocumentIn(
            required_document=item.MaThanhPhan,
            name=item.TenTaiLieu,
            form="electronic" if item.TepDinhKem else "copy",
            reused=bool(item.DuocLayTuKhoDMQG),
            reuse_source=item.NguonDuLieu
            or ("Kho dữ liệu điện tử (Cổng DVC quốc gia)" if item.DuocLayTuKhoDMQG else ""),
            reuse_origin="citizen_store" if item.DuocLayTuKhoDMQG else "",
            file=FileIn(
                name=item.TepDinhKem.TenTep,
                content_type=item.TepDinhKem.LoaiTep,
                content_base64=item.TepDinhKem.NoiDungBase64,
            )
            if item.TepDinhKem
            else None,
        )
        for item in items
    ]


def _answer(link: NationalDossierLink) -> dict[str, Any]:
    d = link.dossier
    record = national.sync_record(d)
    return {
        "MaHoSoQuocGia": link.national_id,
        "MaHoSo": d.code,
        "TrangThaiHoSo": record["TrangThaiHoSo"],
        "NgayNopHoSo": record["NgayNopHoSo"],
    }


@router.post(
    "/dossiers",
    response={200: NationalDossierOut, 201: NationalDossierOut, **errors()},
    summary="Nhận hồ sơ nộp trên Cổng Dịch vụ công quốc gia",
)
def receive(request: HttpRequest, response: HttpResponse, payload: NationalDossierIn) -> Any:
    """201 with the motcua code for a new national dossier; 200 with the same answer when the
    same ``MaHoSoQuocGia`` is sent again (retries never create a second dossier)."""
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal) or principal.client is None:
        raise ApiError(403, "forbidden")
    principal.require(Scope.NATIONAL_INBOUND)
    existing = NationalDossierLink.objects.filter(national_id=payload.MaHoSoQuocGia).first()
    if existing is not None:
        response["Idempotent-Replayed"] = "true"
        return Status(200, _answer(existing))
    procedure = Procedure.objects.filter(code=payload.MaTTHC.strip()).first()
    if procedure is None:
        raise ApiError(404, "procedure_not_found")
    agency = _agency(principal, payload.MaCoQuan)
    owner = payload.ChuHoSo
    applicant = ApplicantInput(
        kind="organisation" if owner.LoaiDoiTuong == 2 else "person",
        full_name=owner.HoTen,
        personal_id=owner.SoDinhDanh,
        date_of_birth=owner.NgaySinh,
        phone=owner.SoDienThoai,
        email=owner.Email,
        address=owner.DiaChi,
        organisation_name=owner.TenToChuc,
        enterprise_code=owner.MaSoDoanhNghiep,
    )
    documents = _documents(_documents_in(payload.TaiLieuNop), _required_of(procedure))
    try:
        with transaction.atomic():
            dossier = engine.dossier_submit_online(
                actor=None,
                procedure=procedure,
                receiving_agency=agency,
                applicant=applicant,
                documents=documents,
                return_method=RETURN_METHOD[payload.HinhThucNhanKetQua],
                summary=payload.TrichYeu,
            )
            link = NationalDossierLink.objects.create(
                national_id=payload.MaHoSoQuocGia, dossier=dossier
            )
            # Submitted on the portal: the portal knows it (QĐ 766 1.4).
            national_sync_record(dossier_ids=[dossier.pk], at=link.received_at, via=SyncVia.LINK)
    except IntegrityError:  # the same national dossier arrived twice at once
        found = NationalDossierLink.objects.filter(national_id=payload.MaHoSoQuocGia).first()
        if found is None:
            raise
        link = found
        response["Idempotent-Replayed"] = "true"
        return Status(200, _answer(link))
    return Status(201, _answer(link))
