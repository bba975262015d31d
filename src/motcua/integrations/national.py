"""The bridge to the Cổng Dịch vụ công quốc gia (national public service portal): how a motcua
dossier maps onto the national sync record. One module, pure functions, no I/O.

The provincial system must synchronise every status and result of a dossier with the national
portal (NĐ 118/2025/NĐ-CP Điều 27 khoản 2 điểm d) and keep the fields QĐ 766/QĐ-TTg needs for
its indicators (rules.md §4.3). The national portal's real interface is not public: the field
names below are the names used by the QĐ 766 formula description and provincial back ends
(rules.md §4.3, §8.1) [C2]; the envelope (``MaHoSo`` key, ``LichSu`` list, ISO 8601 moments) is
**ours**, defined here and in docs/integration.md.

Status codes: the 10 national codes of rules.md §8.1 come from ``motcua.dossiers.national``
(``NATIONAL_STATUS``, the engine's own mapping — one source of truth); this module only reads
them.

Field mapping (motcua → national):

================================  ===========================================================
``code``                          ``MaHoSo``
national link (inbound dossiers)  ``MaHoSoQuocGia`` (the portal's own id; ``null`` otherwise)
``procedure.code``                ``MaTTHC``
receiving agency identifier       ``MaCoQuan`` (mã định danh điện tử, QĐ 20/2020/QĐ-TTg)
``national_status``               ``TrangThaiHoSo`` (1–10, rules.md §8.1)
``submitted_at``                  ``NgayNopHoSo``
``received_at``                   ``NgayTiepNhan`` (tiếp nhận đầy đủ, hợp lệ — Đ17.3)
``due_at``                        ``NgayHenTra``
``ended_at``                      ``NgayKetThucXuLy`` (QĐ 766 2.1)
``returned_at``                   ``NgayTraKetQua``
``channel``                       ``KenhThucHien`` (1 trực tiếp, 2 trực tuyến, 3 bưu chính)
``limit_value`` / ``limit_unit``  ``ThoiGianGiaiQuyet`` / ``DonViTinh``
document ``file``                 ``TaiLieuNop[].DuocSoHoa`` (1 có tệp số hóa, 0 không)
document ``reuse_origin``         ``TaiLieuNop[].DuocLayTuKhoDMQG`` (1 lấy từ kho dữ liệu của
                                  tổ chức, cá nhân — ``citizen_store``; 0 không)
any digitised component           ``HoSoCoThanhPhanSoHoa`` (1 / 0)
``fee_amount`` / ``paid_at``      ``DanhSachPhiLePhi[].Gia`` / ``DuocThanhToanTrucTuyen``
                                  (1 đã thanh toán trực tuyến, 2 không — rules.md §4.3)
``applicant.user`` set            ``TaiKhoanDuocXacThucVoiVNeID`` (1 / 0: the citizen account
                                  signs in with VNeID; a counter dossier has none → 0)
``outcome``                       ``KetQuaDungHan`` (1 trước hạn, 2 đúng hạn, 3 quá hạn — ours)
result document (issued)          ``MaKetQua`` (``<MaHoSo>.KQ<id>``, ours, stable),
                                  ``DuongDanTepTinKetQua`` (the API's download address, for a
                                  client with ``dossiers:read`` on the agency), ``TenKetQua``,
                                  ``TenTepKetQua``, ``KichThuocTepKetQua`` (bytes),
                                  ``MaHashKetQua`` (SHA-256), ``KetQuaDaKySo`` (1 / 0),
                                  ``NgayBanHanhKetQua``
================================  ===========================================================

The result is *issued* once it is signed digitally, or once the dossier is resolved or
returned (national 9, 10); a draft attached during appraisal is not sent. Before that, and for
a dossier without result document, the result fields are ``null``. Not mapped (motcua does not
hold it): ``MaCSDL``, sent as ``null``.

**Push to the personal data store** (``store_record``; subscription kind ``national_store``):
when an electronic result is returned to an identified applicant, its link goes to the
applicant's *Kho quản lý dữ liệu điện tử của tổ chức, cá nhân* on the portal (NĐ 45/2020/NĐ-CP
Điều 14, 16; NĐ 118/2025/NĐ-CP Điều 22 khoản 4; QĐ 766 4.4). Its fields (ours, like the envelope):
``LoaiDoiTuong`` (1 cá nhân, 2 tổ chức); the store's owner, ``SoDinhDanh`` (personal ID) or
``MaSoDoanhNghiep`` (enterprise code); ``MaLoaiKetQua`` (``ProcedureResult.result_type_code``,
the national catalogue of result types; ``null`` if unknown); ``MaGiayTo`` (mã số giấy tờ,
Điều 22 khoản 4: the identifier followed by the result-type code; ``null`` without a type code);
the signed result as in the sync record (``MaKetQua`` … ``NgayBanHanhKetQua``, ``KetQuaDaKySo``
always 1) and ``NgayTraKetQua``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.utils import timezone

from motcua.api.results import describe, result_of
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.national import NATIONAL_STATUS, NationalStatus, national_status
from motcua.dossiers.workflow import DossierStatus
from motcua.integrations.models import NationalDossierLink
from motcua.workcalendar.units import TimeLimitUnit
from motcua.workspace.models import ResultDocument

#: ``KenhThucHien`` (rules.md §4.3).
CHANNEL_CODE: Final = {"direct": 1, "online": 2, "postal": 3}
CHANNEL_FROM_CODE: Final = {code: channel for channel, code in CHANNEL_CODE.items()}

#: ``DonViTinh`` of the time limit.
UNIT_LABEL: Final = {unit.value: unit.label for unit in TimeLimitUnit}

#: ``KetQuaDungHan`` — ours (the portal computes timeliness itself from the dates).
OUTCOME_CODE: Final = {"early": 1, "on_time": 2, "late": 3}


def status_code(status: DossierStatus | str) -> int | None:
    """The national code (1–10) of a motcua status; ``None`` for a draft (never synced)."""
    code = national_status(DossierStatus(status))
    return int(code) if code is not None else None


def status_table() -> list[tuple[str, int | None, str]]:
    """Every motcua status with its national code and label (for the docs and the admin)."""
    return [
        (s.value, int(c) if c is not None else None, NationalStatus(c).label if c else "—")
        for s, c in NATIONAL_STATUS.items()
    ]


def _moment(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def _number(value: Any) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


#: National codes once the dossier is decided: 9 Đã xử lý xong, 10 Đã trả kết quả.
_DECIDED: Final = (int(NationalStatus.RESOLVED), int(NationalStatus.RETURNED))

RESULT_KEYS: Final = (
    "MaKetQua",
    "DuongDanTepTinKetQua",
    "TenKetQua",
    "TenTepKetQua",
    "KichThuocTepKetQua",
    "MaHashKetQua",
    "KetQuaDaKySo",
    "NgayBanHanhKetQua",
)


def result_fields(dossier: Dossier, code: int | None) -> dict[str, Any]:
    """The result document's fields of the sync record (all ``None`` until it is issued: signed,
    or the dossier decided — national ``code`` 9 or 10)."""
    row = result_of(dossier)
    if row is None or not (row.signed_file or code in _DECIDED):
        return dict.fromkeys(RESULT_KEYS)
    result = describe(row, dossier, readable=True)
    return {
        "MaKetQua": f"{dossier.code}.KQ{row.pk}",
        "DuongDanTepTinKetQua": result["download_url"],
        "TenKetQua": result["name"],
        "TenTepKetQua": result["file_name"],
        "KichThuocTepKetQua": result["size"],
        "MaHashKetQua": result["sha256"],
        "KetQuaDaKySo": 1 if result["signed"] else 0,
        "NgayBanHanhKetQua": result["issued_at"],
    }


def sync_record(dossier: Dossier, event: DossierEvent | None = None) -> dict[str, Any]:
    """The national sync record of ``dossier``, after ``event`` when one is given (the status
    is the event's target, so each pushed message carries the status it announces)."""
    status = event.to_status if event is not None else dossier.status
    documents = list(dossier.documents.all())
    paid_online = dossier.paid_at is not None and dossier.channel == "online"
    link = NationalDossierLink.objects.filter(dossier_id=dossier.pk).values_list(
        "national_id", flat=True
    )
    record: dict[str, Any] = {
        "MaHoSo": dossier.code,
        "MaHoSoQuocGia": link.first(),
        "MaTTHC": dossier.procedure_version.procedure.code,
        "TenTTHC": dossier.procedure_version.name,
        "MaCoQuan": dossier.receiving_agency.code,
        "MaCoQuanGiaiQuyet": dossier.competent_agency.code,
        "TrangThaiHoSo": status_code(status),
        "NgayNopHoSo": _moment(dossier.submitted_at),
        "NgayTiepNhan": _moment(dossier.received_at),
        "NgayHenTra": _moment(dossier.due_at),
        "NgayKetThucXuLy": _moment(dossier.ended_at),
        "NgayTraKetQua": _moment(dossier.returned_at),
        "KenhThucHien": CHANNEL_CODE[dossier.channel],
        "ThoiGianGiaiQuyet": _number(dossier.limit_value),
        "DonViTinh": UNIT_LABEL.get(dossier.limit_unit) if dossier.limit_unit else None,
        "KetQuaDungHan": OUTCOME_CODE.get(dossier.outcome) if dossier.outcome else None,
        "ChuHoSo": dossier.applicant.display_name,
        "TaiKhoanDuocXacThucVoiVNeID": 1 if dossier.applicant.user_id else 0,
        "HoSoCoThanhPhanSoHoa": 1 if any(d.file for d in documents) else 0,
        "TaiLieuNop": [
            {
                "TenTaiLieu": d.name,
                "DuocSoHoa": 1 if d.file else 0,
                "DuocLayTuKhoDMQG": 1 if d.reuse_origin == "citizen_store" else 0,
                "MaHash": d.sha256 or None,
            }
            for d in documents
        ],
        "DanhSachPhiLePhi": (
            [{"TenPhiLePhi": "Phí, lệ phí", "Gia": dossier.fee_amount}]
            if dossier.fee_amount is not None
            else []
        ),
        "DuocThanhToanTrucTuyen": 1 if paid_online else 2,
        **result_fields(dossier, status_code(status)),
        "MaCSDL": None,
    }
    if event is not None:
        record["LichSu"] = {
            "STT": event.seq,
            "ThaoTac": event.action,
            "TrangThaiTruoc": status_code(event.from_status),
            "TrangThaiSau": status_code(event.to_status),
            "ThoiDiem": _moment(event.at),
            "NoiDung": event.note or None,
        }
    return record


# --- the push to the applicant's personal data store (QĐ 766 4.4) -------------------------------

#: ``LoaiDoiTuong`` of the store's owner.
OWNER_KIND_CODE: Final = {"person": 1, "organisation": 2}


def store_owner(dossier: Dossier) -> tuple[str, str] | None:
    """The applicant's identifier for the store: ``("SoDinhDanh", personal ID)`` for a person,
    ``("MaSoDoanhNghiep", enterprise code)`` for an organisation; ``None`` without one (the
    portal files a store document under its owner's identifier only)."""
    applicant = dossier.applicant
    if applicant.kind == "organisation":
        return ("MaSoDoanhNghiep", applicant.enterprise_code) if applicant.enterprise_code else None
    return ("SoDinhDanh", applicant.personal_id) if applicant.personal_id else None


def result_type_code(dossier: Dossier, name: str) -> str | None:
    """The national result-type code of the dossier's result (NĐ 118/2025 Điều 22 khoản 4): the
    procedure version's result named like the document, else its only result with a code."""
    rows = [
        (r.name.strip().casefold(), r.result_type_code)
        for r in dossier.procedure_version.results.all()
        if r.result_type_code
    ]
    for result_name, code in rows:
        if result_name == name.strip().casefold():
            return code
    return rows[0][1] if len(rows) == 1 else None


def store_record(dossier: Dossier, row: ResultDocument) -> dict[str, Any]:
    """The push of the signed result ``row`` of ``dossier`` to its applicant's personal data
    store (the caller checked eligibility: ``services.result_store_ineligible``)."""
    owner = store_owner(dossier)
    identifier = owner[1] if owner else None
    result = describe(row, dossier, readable=True)
    type_code = result_type_code(dossier, row.name)
    link = NationalDossierLink.objects.filter(dossier_id=dossier.pk).values_list(
        "national_id", flat=True
    )
    return {
        "MaHoSo": dossier.code,
        "MaHoSoQuocGia": link.first(),
        "MaTTHC": dossier.procedure_version.procedure.code,
        "MaCoQuanGiaiQuyet": dossier.competent_agency.code,
        "LoaiDoiTuong": OWNER_KIND_CODE.get(dossier.applicant.kind, 1),
        "SoDinhDanh": identifier if owner and owner[0] == "SoDinhDanh" else None,
        "MaSoDoanhNghiep": identifier if owner and owner[0] == "MaSoDoanhNghiep" else None,
        "ChuHoSo": dossier.applicant.display_name,
        "MaLoaiKetQua": type_code,
        "MaGiayTo": f"{identifier}{type_code}" if identifier and type_code else None,
        "MaKetQua": f"{dossier.code}.KQ{row.pk}",
        "TenKetQua": result["name"],
        "DuongDanTepTinKetQua": result["download_url"],
        "TenTepKetQua": result["file_name"],
        "KichThuocTepKetQua": result["size"],
        "MaHashKetQua": result["sha256"],
        "KetQuaDaKySo": 1 if result["signed"] else 0,
        "NgayBanHanhKetQua": result["issued_at"],
        "NgayTraKetQua": _moment(dossier.returned_at),
    }
