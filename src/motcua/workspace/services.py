"""Writes of the workspace. Dossier state changes go through ``motcua.dossiers.services`` only;
this module adds the checks that belong to the counter (the procedure version in force, the
personal ID, the scans checked by content, the checklist of required documents) and the records
the engine does not hold (fee receipts, result files and signatures, handovers), each with its
audit entry, in the same transaction as the engine's action."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from motcua.accounts.models import User
from motcua.agencies.models import Agency
from motcua.audit.services import audit_log
from motcua.catalogue.models import ProcedureVersion, RequiredDocument
from motcua.catalogue.selectors import procedure_version_for
from motcua.common.errors import ValidationFailed
from motcua.common.text import nfc
from motcua.dossiers import services as engine
from motcua.dossiers.access import access_dossier_for_officer
from motcua.dossiers.errors import DossierInvalid
from motcua.dossiers.models import Consultation, DocumentForm, Dossier, DossierEvent
from motcua.integrations.services import result_store_refusal_record
from motcua.workspace import signing
from motcua.workspace.models import (
    FeeCollection,
    HandoverMethod,
    PaymentMethod,
    PostalDelivery,
    ResultDocument,
    ResultHandover,
)
from motcua.workspace.validation import (
    enterprise_code_problem,
    personal_id_problem,
    sniff,
    upload_problem,
)

OBJECT_TYPE = "dossier"


def upload_limit() -> int:
    return int(settings.MOTCUA_UPLOAD_MAX_MB) * 1024 * 1024


def check_upload(upload: UploadedFile) -> str | None:
    """The Vietnamese problem with an uploaded scan (by content, not name), or ``None``."""
    size = upload.size or 0
    upload.seek(0)
    head = upload.read(16)
    tail = b""
    if size:
        upload.seek(max(0, size - 1024))
        tail = upload.read(1024)
    upload.seek(0)
    return upload_problem(upload.name or "tệp", head, tail, size, upload_limit())


@dataclass
class ChecklistItem:
    """One required document of the procedure as ticked at the counter."""

    required: RequiredDocument
    submitted: bool
    form: str = DocumentForm.COPY
    count: int = 1
    upload: UploadedFile | None = None


def missing_documents(items: Sequence[ChecklistItem]) -> list[str]:
    """The required documents not ticked as submitted (shown before anything is saved)."""
    return [i.required.name for i in items if not i.submitted]


def applicant_problems(data: engine.ApplicantInput) -> list[str]:
    problems: list[str] = []
    if data.kind == "person":
        if not data.full_name.strip():
            problems.append("Phải ghi họ và tên người nộp hồ sơ.")
        problem = personal_id_problem(data.personal_id, data.date_of_birth)
        if problem:
            problems.append(problem)
    else:
        if not data.organisation_name.strip():
            problems.append("Phải ghi tên tổ chức, doanh nghiệp nộp hồ sơ.")
        problem = enterprise_code_problem(data.enterprise_code)
        if problem:
            problems.append(problem)
    if data.phone and not data.phone.replace(" ", "").lstrip("+").isdigit():
        problems.append(f"Số điện thoại “{data.phone}” chỉ được gồm chữ số.")
    return problems


def version_problem(version: ProcedureVersion, at: dt.datetime) -> str | None:
    """The version shown on the form must still be the one in force (NĐ 118/2025 Điều 17
    khoản 3: the dossier is handled under the version in force when it is received)."""
    current = procedure_version_for(version.procedure, at)
    if current is None or current.pk != version.pk:
        if current is None:
            return (
                f"Thủ tục {version.procedure.code} không còn phiên bản nào có hiệu lực; không "
                "tiếp nhận được hồ sơ."
            )
        return (
            f"Phiên bản {version.number} của thủ tục {version.procedure.code} không còn hiệu "
            f"lực (phiên bản đang áp dụng là {current.number}); hãy chọn lại thủ tục."
        )
    return None


@dataclass(frozen=True)
class FeeLine:
    """One fee line of the catalogue that applies to the dossier, with its catalogue amount."""

    fee_id: int
    description: str
    condition: str
    amount: int

    def as_json(self) -> dict[str, Any]:
        return {
            "fee": self.fee_id,
            "description": self.description,
            "condition": self.condition,
            "amount": self.amount,
        }


@dataclass(frozen=True)
class FeeInput:
    amount: int
    method: str
    receipt_number: str
    lines: tuple[FeeLine, ...] = ()


def fee_lines(version: ProcedureVersion, channel: str, chosen: Sequence[str]) -> list[FeeLine]:
    """The fee lines of ``version`` for ``channel`` that apply (NĐ 118/2025 Điều 24; the
    catalogue's fees with their conditions, docs/catalogue.md): every line without a condition,
    and the conditional lines the officer ticked (``chosen``: their ids as posted). Amounts are
    the catalogue's, never the form's. An id that is not a conditional line of this version and
    channel is refused (``ValidationFailed``)."""
    fees = list(version.fees.filter(channel=channel).order_by("order", "id"))
    conditional = {f.pk for f in fees if f.condition.strip()}
    picked: set[int] = set()
    for raw in chosen:
        try:
            pk = int(str(raw).strip())
        except ValueError:
            pk = -1
        if pk not in conditional:
            raise ValidationFailed(
                f"Khoản phí “{str(raw)[:20]}” không thuộc danh mục phí, lệ phí có điều kiện của "
                f"thủ tục {version.procedure.code} cho hình thức nộp này; hãy tải lại trang."
            )
        picked.add(pk)
    return [
        FeeLine(f.pk, f.description, f.condition, int(f.amount))
        for f in fees
        if not f.condition.strip() or f.pk in picked
    ]


def fee_for_intake(
    version: ProcedureVersion,
    channel: str,
    chosen: Sequence[str],
    *,
    method: str,
    receipt_number: str,
) -> FeeInput:
    """The fee to collect: the sum of the applying lines' catalogue amounts (:func:`fee_lines`);
    whatever total the form shows is not read."""
    lines = tuple(fee_lines(version, channel, chosen))
    return FeeInput(
        amount=sum(line.amount for line in lines),
        method=method,
        receipt_number=receipt_number,
        lines=lines,
    )


class Decision:
    ACCEPT = "accept"
    SUPPLEMENT = "supplement"
    REFUSE = "refuse"


def intake(
    *,
    actor: User,
    version: ProcedureVersion,
    receiving_agency: Agency,
    applicant: engine.ApplicantInput,
    items: Sequence[ChecklistItem],
    decision: str,
    reason: str = "",
    return_method: str = "counter",
    fee: FeeInput | None = None,
    due_at: dt.datetime | None = None,
    at: dt.datetime | None = None,
    ticket: Any = None,
) -> Dossier:
    """Counter intake (tiếp nhận trực tiếp, NĐ 118/2025 Điều 15 khoản 1, Điều 17 khoản 1): check
    everything first — nothing is saved when any check fails (``ValidationFailed`` listing every
    problem at once) — then, in one transaction, receive the dossier and accept it
    (``dossier_receive(accept=True)``), request a supplement (Mẫu 02, everything missing at
    once) or refuse it (Mẫu 03), with the fee receipt when a fee is collected."""
    moment = at or timezone.now()
    problems: list[str] = []
    problem = version_problem(version, moment)
    if problem:
        problems.append(problem)
    problems += applicant_problems(applicant)
    for item in items:
        if item.upload is not None:
            problem = check_upload(item.upload)
            if problem:
                problems.append(problem)
        if item.count < 1:
            problems.append(f"Số lượng bản của “{item.required.name[:60]}” phải từ 1 trở lên.")
    missing = missing_documents(items)
    if decision == Decision.ACCEPT and missing:
        problems.append(
            "Hồ sơ còn thiếu: " + "; ".join(missing) + ". Không tiếp nhận được: hãy lập Phiếu "
            "yêu cầu bổ sung, hoàn thiện hồ sơ."
        )
    if decision == Decision.SUPPLEMENT and not (missing or reason.strip()):
        problems.append("Phải nêu giấy tờ còn thiếu hoặc nội dung cần hoàn thiện.")
    if decision == Decision.REFUSE and not reason.strip():
        problems.append("Phải ghi lý do từ chối tiếp nhận hồ sơ.")
    if decision == Decision.ACCEPT and fee is not None and fee.amount > 0:
        if fee.method not in PaymentMethod.values:
            problems.append("Phải chọn hình thức nộp phí, lệ phí (tiền mặt hoặc chuyển khoản).")
        if not fee.receipt_number.strip():
            problems.append("Phải ghi số biên lai thu phí, lệ phí.")
        elif FeeCollection.objects.filter(receipt_number=fee.receipt_number.strip()).exists():
            problems.append(
                f"Số biên lai {fee.receipt_number.strip()} đã được dùng cho hồ sơ khác."
            )
    if problems:
        raise ValidationFailed(" ".join(problems))
    documents = [
        engine.DocumentInput(
            required_document=item.required,
            submitted=item.submitted,
            form=item.form,
            count=item.count,
            file=item.upload,
            content_type=content_type(item.upload),
        )
        for item in items
    ]
    fee_amount = fee.amount if fee is not None else None
    with transaction.atomic():
        dossier = engine.dossier_receive(
            actor=actor,
            procedure=version,
            receiving_agency=receiving_agency,
            applicant=applicant,
            documents=documents,
            return_method=return_method,
            fee_amount=fee_amount,
            at=moment,
            accept=decision == Decision.ACCEPT,
            due_at=due_at,
        )
        if decision == Decision.SUPPLEMENT:
            text = reason.strip()
            if missing:
                text = ("Còn thiếu: " + "; ".join(missing) + ". " + text).strip()
            dossier = engine.dossier_request_supplement(
                actor=actor,
                dossier=dossier.pk,
                reason=text,
                expected_version=dossier.version,
                at=moment,
            )
        elif decision == Decision.REFUSE:
            dossier = engine.dossier_refuse(
                actor=actor,
                dossier=dossier.pk,
                reason=reason,
                expected_version=dossier.version,
                at=moment,
            )
        elif fee is not None and fee.amount > 0:
            fee_collect(actor=actor, dossier=dossier, fee=fee, at=moment)
        if ticket is not None:
            # The queue ticket called to the counter leads to this dossier (NĐ 118/2025 Đ13:
            # the ticket machine is connected to the information system).
            from motcua.queueing.services import ticket_link_dossier

            ticket_link_dossier(ticket=ticket, dossier=dossier, actor=actor, at=moment)
    return dossier


def content_type(upload: UploadedFile | None) -> str:
    """The sniffed content type of an upload (PDF, JPEG, PNG), else a generic one."""
    if upload is None:
        return ""
    upload.seek(0)
    kind = sniff(upload.read(16)) or "application/octet-stream"
    upload.seek(0)
    return kind


def fee_collect(
    *, actor: User, dossier: Dossier, fee: FeeInput, at: dt.datetime | None = None
) -> FeeCollection:
    """Record a fee collected at the counter with its receipt number (NĐ 118/2025 Điều 24)."""
    moment = at or timezone.now()
    number = fee.receipt_number.strip()
    if fee.amount <= 0:
        raise ValidationFailed("Số tiền thu phải lớn hơn 0.")
    if not number:
        raise ValidationFailed("Phải ghi số biên lai thu phí, lệ phí.")
    with transaction.atomic():
        if FeeCollection.objects.filter(receipt_number=number).exists():
            raise ValidationFailed(f"Số biên lai {number} đã được dùng cho hồ sơ khác.")
        row = FeeCollection.objects.create(
            dossier=dossier,
            amount=fee.amount,
            method=PaymentMethod(fee.method).value,
            receipt_number=number,
            lines=[line.as_json() for line in fee.lines],
            collected_at=moment,
            collected_by=actor,
        )
        audit_log(
            actor=actor,
            action="workspace.fee_collect",
            object_type=OBJECT_TYPE,
            object_id=str(dossier.uuid),
            agency_id=dossier.receiving_agency_id,
            data={
                "amount": fee.amount,
                "method": fee.method,
                "receipt": number,
                "fees": [line.fee_id for line in fee.lines],
            },
        )
    return row


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def result_attach(
    *, actor: User, code: str, upload: UploadedFile, name: str = ""
) -> ResultDocument:
    """Attach the result document (PDF only, checked by content) to a dossier being processed;
    the leader signs it later (:func:`result_sign`). Out of scope → ``DossierNotFound``."""
    with transaction.atomic():
        dossier = access_dossier_for_officer(actor, code, lock=True)
        if dossier.status not in (
            "appraising",
            "awaiting_approval",
            "awaiting_signature",
            "result_under_correction",
        ):
            raise DossierInvalid(
                f"Chỉ đính kèm kết quả khi hồ sơ đang được giải quyết (hiện: "
                f"{dossier.get_status_display()})."
            )
        problem = check_upload(upload)
        if problem:
            raise ValidationFailed(problem)
        if content_type(upload) != "application/pdf":
            raise ValidationFailed("Kết quả giải quyết phải là tệp PDF để ký số.")
        data = upload.read()
        row = ResultDocument(
            dossier=dossier,
            name=nfc(name) or dossier.procedure_version.name[:300],
            sha256=_sha(data),
            uploaded_by=actor,
        )
        row.file.save(f"ket-qua-{dossier.code}.pdf", ContentFile(data), save=False)
        row.save()
        audit_log(
            actor=actor,
            action="workspace.result_attach",
            object_type=OBJECT_TYPE,
            object_id=str(dossier.uuid),
            agency_id=dossier.current_agency_id,
            data={"result": row.pk, "sha256": row.sha256},
        )
    return row


def result_sign(
    *,
    actor: User,
    code: str,
    expected_version: int | None,
    note: str = "",
    at: dt.datetime | None = None,
) -> tuple[Dossier, ResultDocument]:
    """The leader signs the result digitally and the dossier is resolved (``dossier_sign``),
    in one transaction: a refused signature leaves the result unsigned and the dossier as it
    was. The signed result goes back to the one-stop center's "results to return" list."""
    with transaction.atomic():
        dossier = access_dossier_for_officer(actor, code)
        row = ResultDocument.objects.filter(dossier=dossier).order_by("-id").first()
        if row is None:
            raise DossierInvalid(
                "Chưa có tệp kết quả giải quyết để ký số; chuyên viên cần đính kèm kết quả."
            )
        signed_dossier = engine.dossier_sign(
            actor=actor, dossier=dossier.pk, note=note, expected_version=expected_version, at=at
        )
        with row.file.open("rb") as handle:
            data = handle.read()
        signed, subject = signing.sign_pdf(
            data,
            dossier.competent_agency.code,
            reason=f"Ký kết quả giải quyết hồ sơ {dossier.code}",
            location=dossier.competent_agency.name,
        )
        row.signed_file.save(f"ket-qua-{dossier.code}-da-ky.pdf", ContentFile(signed), save=False)
        row.signed_sha256 = _sha(signed)
        row.signed_at = signed_dossier.decided_at
        row.signed_by = actor
        row.signer_subject = subject[:300]
        row.save()
        audit_log(
            actor=actor,
            action="workspace.result_sign",
            object_type=OBJECT_TYPE,
            object_id=str(dossier.uuid),
            agency_id=dossier.competent_agency_id,
            data={
                "result": row.pk,
                "signed_sha256": row.signed_sha256,
                "signer": row.signer_subject,
            },
        )
    return signed_dossier, row


@dataclass(frozen=True)
class HandoverInput:
    method: str
    receiver_name: str = ""
    receiver_id: str = ""
    is_applicant: bool = True
    postal_tracking: str = ""
    note: str = ""
    #: By post: when the result was handed to the postal operator (default: now).
    handed_at: dt.datetime | None = None
    #: The applicant does not want the e-result in their personal data store on the Cổng DVCQG
    #: (recorded with the return: ``integrations.services.result_store_refusal_record``).
    store_refused: bool = False


#: A postal tracking number (số hiệu bưu gửi): letters, digits and dashes, as printed on the
#: postal receipt (e.g. the UPU S10 form "EL123456789VN" of the public postal operator).
_TRACKING = re.compile(r"^[A-Z0-9-]{4,40}$")


def tracking_problem(text: str) -> str | None:
    number = text.strip().upper()
    if not number:
        return "Phải ghi số hiệu bưu gửi khi trả kết quả qua dịch vụ bưu chính."
    if not _TRACKING.match(number):
        return (
            f"Số hiệu bưu gửi “{text.strip()[:40]}” không hợp lệ: chỉ gồm chữ cái không dấu, "
            "chữ số và dấu gạch ngang, từ 4 đến 40 ký tự."
        )
    return None


def result_return(
    *,
    actor: User,
    code: str,
    data: HandoverInput,
    expected_version: int | None,
    at: dt.datetime | None = None,
) -> tuple[Dossier, ResultHandover]:
    """Hand the result over (NĐ 118/2025 Điều 22 khoản 3): at the counter the receiver's
    identity is checked (the applicant's own personal ID, or an authorised person's ID); by post
    the postal tracking number is recorded (QĐ 45/2016/QĐ-TTg); then ``dossier_return_result``.
    When the applicant refuses to keep the e-result in their personal data store on the Cổng
    DVCQG (``store_refused``), the refusal is recorded first, in the same transaction, so the
    return is not pushed there (QĐ 766 4.4; docs/integration.md)."""
    moment = at or timezone.now()
    problems: list[str] = []
    method = data.method
    if method not in HandoverMethod.values:
        problems.append("Phải chọn hình thức trả kết quả.")
    dossier = access_dossier_for_officer(actor, code)
    if method == HandoverMethod.COUNTER:
        if not data.receiver_name.strip():
            problems.append("Phải ghi họ tên người nhận kết quả.")
        receiver_id = data.receiver_id.strip()
        if data.is_applicant:
            expected = dossier.applicant.personal_id or dossier.applicant.enterprise_code
            if receiver_id != expected:
                problems.append(
                    "Số giấy tờ tùy thân của người nhận không khớp với người nộp hồ sơ; nếu là "
                    "người được ủy quyền, hãy đánh dấu và kiểm tra giấy ủy quyền."
                )
        else:
            problem = personal_id_problem(receiver_id)
            if problem:
                problems.append(problem)
    handed_at = moment
    if method == HandoverMethod.POST:
        problem = tracking_problem(data.postal_tracking)
        if problem:
            problems.append(problem)
        if data.handed_at is not None:
            handed_at = data.handed_at
            last = (
                DossierEvent.objects.filter(dossier=dossier)
                .order_by("-seq")
                .values_list("at", flat=True)
                .first()
            )
            if handed_at > moment:
                problems.append("Thời điểm giao cho bưu chính không được ở tương lai.")
            elif last is not None and handed_at < last:
                problems.append(
                    "Thời điểm giao cho bưu chính không được trước thao tác gần nhất của hồ sơ "
                    f"({timezone.localtime(last):%H:%M %d/%m/%Y})."
                )
    if problems:
        raise ValidationFailed(" ".join(problems))
    tracking = data.postal_tracking.strip().upper() if method == HandoverMethod.POST else ""
    with transaction.atomic():
        if data.store_refused:
            result_store_refusal_record(actor=actor, dossier=dossier.pk, note=data.note, at=moment)
        returned = engine.dossier_return_result(
            actor=actor,
            dossier=dossier.pk,
            note=nfc(
                data.note
                or HandoverMethod(method).label + (f", bưu gửi {tracking}" if tracking else "")
            ),
            expected_version=expected_version,
            at=handed_at,
        )
        row = ResultHandover.objects.create(
            dossier=returned,
            method=method,
            receiver_name=nfc(data.receiver_name),
            receiver_id=data.receiver_id.strip(),
            is_applicant=data.is_applicant,
            postal_tracking=tracking,
            handed_at=handed_at,
            handed_by=actor,
            note=nfc(data.note),
        )
        audit_log(
            actor=actor,
            action="workspace.result_handover",
            object_type=OBJECT_TYPE,
            object_id=str(returned.uuid),
            agency_id=returned.receiving_agency_id,
            data={"method": method, "handover": row.pk},
        )
    return returned, row


def result_postal_delivered(
    *,
    actor: User,
    code: str,
    delivered_at: dt.datetime,
    expected_version: int | None,
    note: str = "",
    at: dt.datetime | None = None,
) -> tuple[Dossier, PostalDelivery]:
    """The postal operator confirms the result delivered to the applicant (QĐ 45/2016/QĐ-TTg):
    the engine's ``dossier_confirm_postal_delivery`` (control sheet, once per dossier) and the
    :class:`PostalDelivery` row of the postal handover, in one transaction. Only a result sent by
    post; the delivery cannot precede the handover to the post nor lie in the future. Out of
    scope → ``DossierNotFound``."""
    moment = at or timezone.now()
    dossier = access_dossier_for_officer(actor, code)
    handover = (
        ResultHandover.objects.filter(dossier=dossier, method=HandoverMethod.POST)
        .order_by("-handed_at", "-id")
        .first()
    )
    if handover is None:
        raise DossierInvalid("Kết quả của hồ sơ này không gửi qua dịch vụ bưu chính.")
    if delivered_at < handover.handed_at:
        raise ValidationFailed(
            f"Thời điểm phát cho người nhận ({timezone.localtime(delivered_at):%H:%M %d/%m/%Y}) "
            "không được trước thời điểm giao cho bưu chính "
            f"({timezone.localtime(handover.handed_at):%H:%M %d/%m/%Y})."
        )
    if delivered_at > moment:
        raise ValidationFailed("Thời điểm phát cho người nhận không được ở tương lai.")
    with transaction.atomic():
        if PostalDelivery.objects.filter(handover=handover).exists():
            raise DossierInvalid("Bưu chính đã xác nhận phát kết quả này; không ghi nhận lại.")
        delivered = engine.dossier_confirm_postal_delivery(
            actor=actor,
            dossier=dossier.pk,
            delivered_at=delivered_at,
            note=nfc(note) or f"Bưu gửi {handover.postal_tracking} đã phát cho người nhận",
            expected_version=expected_version,
            at=moment,
        )
        row = PostalDelivery.objects.create(
            handover=handover,
            delivered_at=delivered_at,
            recorded_at=moment,
            recorded_by=actor,
            note=nfc(note),
        )
        audit_log(
            actor=actor,
            action="workspace.postal_delivered",
            object_type=OBJECT_TYPE,
            object_id=str(dossier.uuid),
            agency_id=dossier.receiving_agency_id,
            data={"handover": handover.pk, "delivered_at": delivered_at.isoformat()},
        )
    return delivered, row


def consultation_answer(
    *,
    actor: User,
    consultation: Consultation,
    answer: str,
    upload: UploadedFile | None,
    expected_version: int | None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The consulted agency answers (NĐ 118/2025 Điều 19 khoản 4 điểm c): the opinion and,
    optionally, the signed written opinion as a scan (PDF, JPEG or PNG checked by content, like
    at intake), through the engine's ``dossier_answer_consultation``."""
    if upload is not None:
        problem = check_upload(upload)
        if problem:
            raise ValidationFailed(problem)
    return engine.dossier_answer_consultation(
        actor=actor,
        dossier=consultation.dossier_id,
        consultation=consultation,
        answer=answer,
        file=upload,
        content_type=content_type(upload),
        expected_version=expected_version,
        at=at,
    )
