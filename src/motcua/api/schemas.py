"""Request and response schemas. Inputs are strict: no string → number coercion, no number →
date coercion, moments must carry their time zone, sizes and page lengths are bounded."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
)

from motcua.dossiers.workflow import DossierStatus

_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?")


def _iso_text(value: Any) -> Any:
    """Dates and moments come as ISO 8601 text only (a number is never taken as a date)."""
    if not isinstance(value, str | dt.date) or (
        isinstance(value, str) and _NUMBER.fullmatch(value.strip())
    ):
        raise ValueError("phải là chuỗi ngày giờ ISO 8601 (ví dụ 2026-03-02T09:00:00+07:00)")
    return value


Moment = Annotated[AwareDatetime, Strict(False), BeforeValidator(_iso_text)]
Day = Annotated[dt.date, Strict(False), BeforeValidator(_iso_text)]
Text = Annotated[str, Field(max_length=2000)]
ShortText = Annotated[str, Field(max_length=300)]


class StrictIn(Schema):
    """Base of every input: unknown fields are refused, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorOut(Schema):
    code: str = Field(description="Mã lỗi ổn định (stable error code)")
    message: str = Field(description="Thông báo theo Accept-Language (vi mặc định, en)")
    details: dict[str, Any]


# --- catalogue ------------------------------------------------------------------------------


class ProcedureItem(Schema):
    code: str
    name: str
    version: int
    field: str
    level: str | None
    online_level: str
    needs_review: bool


class ProcedurePage(Schema):
    items: list[ProcedureItem]
    next: str | None = Field(description="Con trỏ trang sau (keyset); null là hết")


class TimeLimitOut(Schema):
    value: float | int | None
    value_max: float | int | None
    unit: str | None
    cutoff: str
    condition: str | None
    is_default: bool
    note: str | None


class FeeOut(Schema):
    channel: str
    amount: int
    condition: str | None
    description: str


class ChannelOut(Schema):
    channel: str
    national_code: int = Field(description="KenhThucHien: 1 trực tiếp, 2 trực tuyến, 3 bưu chính")
    label: str
    time_limits: list[TimeLimitOut]
    fees: list[FeeOut]


class DocumentSpecOut(Schema):
    order: int
    name: str
    originals: int | None
    copies: int | None
    case: str | None
    form: str | None


class StepOut(Schema):
    order: int
    name: str
    role: str
    agency_kind: str | None
    agency: str | None
    share: float | int | None


class ResultOut(Schema):
    name: str
    result_type_code: str | None


class ProcedureOut(Schema):
    code: str
    name: str
    version: int
    status: str
    effective_from: str | None
    effective_to: str | None
    field: str
    level: str | None
    competent_agencies: list[str]
    receiving_agencies: list[str]
    online_level: str
    channels: list[ChannelOut]
    time_limit_text: str
    fee_text: str
    documents: list[DocumentSpecOut]
    results: list[ResultOut]
    legal_basis: list[str]
    steps: list[StepOut]
    needs_review: bool


class AgencyOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    parent: str | None
    unit: str | None
    address: str
    phone: str
    email: str


class AgencyPage(Schema):
    items: list[AgencyOut]
    next: str | None


class UnitOut(Schema):
    code: str
    name: str
    level: str
    division_type: str
    parent: str | None


class UnitPage(Schema):
    items: list[UnitOut]
    next: str | None


# --- dossiers -------------------------------------------------------------------------------


class ApplicantIn(StrictIn):
    kind: Literal["person", "organisation"] = "person"
    full_name: Annotated[str, Field(max_length=200)] = ""
    personal_id: Annotated[str, Field(max_length=12)] = ""
    date_of_birth: Day | None = None
    phone: Annotated[str, Field(max_length=20)] = ""
    email: Annotated[str, Field(max_length=254)] = ""
    address: ShortText = ""
    organisation_name: ShortText = ""
    enterprise_code: Annotated[str, Field(max_length=14)] = ""


class FileIn(StrictIn):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    content_type: Annotated[str, Field(max_length=100)] = "application/pdf"
    content_base64: Annotated[str, Field(max_length=2_800_000)] = Field(
        description="Nội dung tệp mã hóa base64 (tối đa 2 MB sau giải mã)"
    )


class DocumentIn(StrictIn):
    required_document: StrictInt | None = Field(
        None, description="Thứ tự (order) của thành phần trong thủ tục"
    )
    name: ShortText = ""
    submitted: StrictBool = True
    form: Literal["original", "copy", "certified_copy", "electronic"] = "copy"
    count: Annotated[StrictInt, Field(ge=1, le=100)] = 1
    reused: StrictBool = Field(False, description="DuocLayTuKhoDMQG: lấy từ kho dữ liệu")
    reuse_source: ShortText = ""
    reuse_origin: Literal["", "citizen_store", "agency_store", "national_db"] = Field(
        "",
        description="Loại nguồn khi tái sử dụng: citizen_store = kho dữ liệu của tổ chức, cá nhân "
        "trên Cổng DVCQG (QĐ 766 chỉ số 4.4), agency_store, national_db",
    )
    file: FileIn | None = None


class DossierSubmitIn(StrictIn):
    procedure: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="Mã thủ tục (MaTTHC)"
    )
    receiving_agency: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="Mã định danh cơ quan tiếp nhận"
    )
    channel: Literal["online", "direct", "postal"] = "online"
    return_method: Literal["counter", "post", "online"] = "online"
    applicant: ApplicantIn
    documents: Annotated[list[DocumentIn], Field(max_length=50)] = []
    summary: Annotated[str, Field(max_length=500)] = ""
    accept: StrictBool = Field(False, description="Tiếp nhận ngay (chỉ tại quầy / bưu chính)")


class DocumentOut(Schema):
    name: str
    submitted: bool
    form: str
    count: int
    digitised: bool
    reused: bool
    sha256: str | None


class ApplicantOut(Schema):
    kind: str
    name: str


class DossierResultOut(Schema):
    name: str = Field(description="Tên kết quả giải quyết")
    file_name: str
    size: int | None = Field(description="Kích thước tệp (byte)")
    sha256: str | None
    signed: bool = Field(description="Đã ký số (PAdES, chứng thư của cơ quan)")
    signer: str | None
    issued_at: dt.datetime | None = Field(description="Ngày ban hành (ký số, hoặc quyết định)")
    download_url: str | None = Field(
        description="Địa chỉ tải tệp (cần quyền dossiers:read với hồ sơ); null nếu không có quyền"
    )


class DossierOut(Schema):
    code: str
    uuid: str
    procedure: str
    procedure_version: int
    status: str
    status_label: str
    national_status: int | None
    channel: str
    channel_code: int
    return_method: str
    receiving_agency: str
    competent_agency: str
    current_agency: str
    submitted_at: dt.datetime | None
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    decided_at: dt.datetime | None
    ended_at: dt.datetime | None
    returned_at: dt.datetime | None
    outcome: str | None
    version: int = Field(description="Phiên bản để gửi lại trong expected_version")
    applicant: ApplicantOut
    documents: list[DocumentOut]
    result: DossierResultOut | None = Field(description="Kết quả giải quyết; null nếu chưa có")


class DossierItem(Schema):
    code: str
    procedure: str
    status: str
    national_status: int | None
    channel: str
    receiving_agency: str
    current_agency: str
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    updated_at: dt.datetime
    version: int


class DossierPage(Schema):
    items: list[DossierItem]
    next: str | None


class EventOut(Schema):
    seq: int
    action: str
    action_label: str
    from_status: str
    to_status: str
    national_status: int | None
    at: dt.datetime
    actor: str
    from_agency: str | None
    to_agency: str | None
    step: str | None
    step_due_at: dt.datetime | None
    outcome: str | None
    note: str | None


class ClockEventOut(Schema):
    seq: int
    kind: str
    at: dt.datetime
    due_before: dt.datetime | None
    due_after: dt.datetime | None
    reason: str | None


class TimelineOut(Schema):
    code: str
    events: list[EventOut]
    clock_events: list[ClockEventOut]


class PartnerIn(StrictIn):
    agency: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="Mã định danh cơ quan phối hợp"
    )
    task: Annotated[str, Field(min_length=1, max_length=2000)]
    due_at: Moment


class ActionIn(StrictIn):
    expected_version: StrictInt | None = Field(
        None, ge=1, description="Phiên bản hồ sơ bạn đã xem; khác hiện tại → 409"
    )
    reason: Text = Field("", description="Lý do / ghi chú (bắt buộc với từ chối, yêu cầu bổ sung…)")
    due_at: Moment | None = Field(None, description="accept: ngày hẹn trả khi thời hạn cần rà soát")
    new_due_at: Moment | None = Field(None, description="request_extension: ngày hẹn mới")
    amount: Annotated[StrictInt, Field(ge=0, le=10**12)] | None = Field(
        None, description="request_payment: số tiền (đồng)"
    )
    assignee: Annotated[str, Field(max_length=150)] | None = Field(
        None, description="assign: tên đăng nhập chuyên viên"
    )
    documents: Annotated[list[DocumentIn], Field(max_length=50)] = []
    agency: Annotated[str, Field(max_length=40)] | None = Field(
        None, description="consult: mã cơ quan được lấy ý kiến"
    )
    consultation: Annotated[StrictInt, Field(ge=1)] | None = Field(
        None, description="consultation_answered: số của lần lấy ý kiến (xem timeline)"
    )
    partners: Annotated[list[PartnerIn], Field(max_length=20)] = Field(
        [], description="hand_over_to_partners: các cơ quan phối hợp và phần việc"
    )


class TrackingIn(StrictIn):
    code: Annotated[str, Field(min_length=1, max_length=60)]
    second_factor: Annotated[str, Field(min_length=4, max_length=20)] = Field(
        description="Số định danh cá nhân, mã số doanh nghiệp hoặc số điện thoại của người nộp"
    )


class TrackingOut(Schema):
    code: str
    procedure: str
    procedure_name: str
    status: str
    status_label: str
    national_status: int | None
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    returned_at: dt.datetime | None
    steps: list[EventOut]


class RatingIn(StrictIn):
    level: Annotated[StrictInt, Field(ge=0, le=10)]
    criteria: dict[str, StrictInt] = {}
    comment: Annotated[str, Field(max_length=2000)] = ""


class RatingOut(Schema):
    id: int
    level: int
    points: int
    satisfied: bool


class IndicatorsOut(Schema):
    agency: str | None
    received: int
    ended: int
    early: int
    on_time: int
    late: int
    on_time_rate: float | None = Field(description="(trước hạn + đúng hạn) / đã kết thúc (766 2.1)")


class MeOut(Schema):
    kind: Literal["client", "user"]
    name: str
    scopes: list[str]
    agencies: list[str]


STATUSES = [s.value for s in DossierStatus]
