"""Writes of feedback (PAKN): one function per state change. Each checks permission
(``motcua.feedback.access``), validates, then writes the change and its audit entry in one
transaction, the row locked. Messages of errors are Vietnamese, for the person acting.

Lifecycle (rules.md §1.13, QĐ 766 5.2): received → refused (≤ 2 wd) / supplement requested
(first request ≤ 5 wd) → answered (≤ 15 wd from receipt or the latest transfer) → approved →
published (≤ 2 wd after approval); citizens like or dislike a published answer (one vote per
account, rules.md §1.10) and may re-raise it as unsatisfied (QĐ 766 5.3).

The steps that concern the sender — received, refused, supplement requested, transferred,
answer published — queue the sender's message in the notification outbox in the same
transaction (``feedback.notifications``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid as uuid_mod
from typing import Any

from django.db import transaction
from django.utils import timezone

from motcua.agencies.models import Agency
from motcua.audit.services import audit_log
from motcua.catalogue.models import Procedure
from motcua.common.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.common.text import nfc
from motcua.dossiers.models import Dossier
from motcua.feedback import access
from motcua.feedback import notifications as nt
from motcua.feedback.models import OPEN_STATUSES, Feedback, Kind, Reaction, Status
from motcua.feedback.rules import deadlines
from motcua.workcalendar.selectors import calendar_for

TITLE_LIMIT = 200
TEXT_LIMIT = 5000
PHONE_RE = re.compile(r"^0\d{9,10}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class FeedbackNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Không tìm thấy phản ánh, kiến nghị.")


def _days_after(agency: Agency, start: dt.datetime, days: float) -> dt.datetime:
    """``days`` working days after ``start`` on the agency's calendar, counted from the moment
    itself (no reception cut-off: a feedback item is not a dossier)."""
    cal = calendar_for(agency)
    return cal.add_working_hours(start, days * cal.daily_us / 3_600_000_000)


def set_deadlines(item: Feedback, start: dt.datetime) -> None:
    """Start (or restart, after a transfer) the counting at ``start`` (QĐ 766 5.2)."""
    d = deadlines()
    item.start_at = start
    item.refuse_due = _days_after(item.agency, start, d.refuse)
    item.supplement_due = _days_after(item.agency, start, d.supplement)
    item.handle_due = _days_after(item.agency, start, d.handle)


def _text(value: str, label: str, limit: int, *, required: bool = True) -> str:
    value = nfc((value or "").strip())
    if required and not value:
        raise ValidationFailed(f"Vui lòng nhập {label}.")
    if len(value) > limit:
        raise ValidationFailed(f"{label[0].upper()}{label[1:]} tối đa {limit} ký tự.")
    return value


def _audit(item: Feedback, actor: Any, action: str, at: dt.datetime, **data: Any) -> int:
    """Write the step's audit entry; returns its id (which also names the sender's message)."""
    entry = audit_log(
        actor=actor,
        action=f"feedback.{action}",
        object_type="feedback",
        object_id=str(item.uuid),
        agency_id=item.agency_id,
        data={"status": item.status, **data},
        at=at,
    )
    return int(entry.pk)


def feedback_submit(
    *,
    agency: Agency,
    kind: Kind | str,
    title: str,
    content: str,
    citizen: Any = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    dossier_code: str = "",
    procedure: Procedure | None = None,
    at: dt.datetime | None = None,
) -> Feedback:
    """Receive a feedback item from a signed-in citizen (``citizen``) or from anyone with a
    name and a telephone number or e-mail address; optionally about a dossier (by its code)
    and/or a procedure. The counting of QĐ 766 5.2 starts at the submission."""
    try:
        kind = Kind(kind)
    except ValueError:
        raise ValidationFailed("Vui lòng chọn loại phản ánh, kiến nghị.") from None
    title = _text(title, "tiêu đề", TITLE_LIMIT)
    content = _text(content, "nội dung phản ánh, kiến nghị", TEXT_LIMIT)
    signed_in = access.is_citizen(citizen)
    if citizen is not None and not signed_in:
        raise PermissionDenied("Chỉ tài khoản công dân, tổ chức mới gửi phản ánh bằng tài khoản.")
    if signed_in:
        contact_name = contact_name or citizen.full_name or citizen.username
        contact_phone = contact_phone or getattr(citizen, "phone", "") or ""
        contact_email = contact_email or citizen.email or ""
    contact_name = _text(contact_name, "họ và tên", 200)
    contact_phone = re.sub(r"[\s.]", "", contact_phone or "")
    contact_email = (contact_email or "").strip()
    if contact_phone and not PHONE_RE.match(contact_phone):
        raise ValidationFailed("Số điện thoại phải có 10 hoặc 11 chữ số, bắt đầu bằng 0.")
    if contact_email and (len(contact_email) > 254 or not EMAIL_RE.match(contact_email)):
        raise ValidationFailed("Địa chỉ thư điện tử không hợp lệ.")
    if not signed_in and not (contact_phone or contact_email):
        raise ValidationFailed(
            "Vui lòng nhập số điện thoại hoặc thư điện tử để cơ quan liên hệ, trả lời."
        )
    dossier = None
    code = (dossier_code or "").strip()
    if code:
        dossier = Dossier.objects.filter(code=code).first()
        if dossier is None:
            raise ValidationFailed(f"Không tìm thấy hồ sơ có mã {code}. Vui lòng kiểm tra lại.")
    moment = at or timezone.now()
    with transaction.atomic():
        item = Feedback(
            citizen=citizen if signed_in else None,
            contact_name=contact_name,
            contact_phone=contact_phone,
            contact_email=contact_email,
            agency=agency,
            dossier=dossier,
            procedure=procedure,
            kind=kind,
            title=title,
            content=content,
            submitted_at=moment,
            recorded_at=timezone.now(),
        )
        set_deadlines(item, moment)
        item.save()
        step = _audit(
            item,
            citizen if signed_in else None,
            "submit",
            moment,
            kind=kind.value,
            dossier=dossier.code if dossier else None,
            procedure=procedure.code if procedure else None,
        )
        nt.notify_sender(item, nt.RECEIVED, step_id=step)
    return item


def _locked(feedback_id: uuid_mod.UUID | str) -> Feedback:
    try:
        key = uuid_mod.UUID(str(feedback_id))
    except ValueError:
        raise FeedbackNotFound() from None
    item = Feedback.objects.select_for_update().select_related("agency").filter(uuid=key).first()
    if item is None:
        raise FeedbackNotFound()
    return item


def _for_officer(actor: Any, feedback_id: Any, *, approve: bool = False) -> Feedback:
    item = _locked(feedback_id)
    if not access.feedback_visible_to_officer(actor).filter(pk=item.pk).exists():
        raise FeedbackNotFound()
    allowed = access.may_approve if approve else access.may_handle
    if not allowed(actor, item.agency):
        if approve:
            raise PermissionDenied("Chỉ lãnh đạo cơ quan hoặc Trung tâm mới duyệt trả lời.")
        raise PermissionDenied("Bạn không có quyền xử lý phản ánh, kiến nghị này.")
    return item


def _for_owner(citizen: Any, feedback_id: Any) -> Feedback:
    item = _locked(feedback_id)
    if not access.is_citizen(citizen) or item.citizen_id != citizen.pk:
        raise FeedbackNotFound()
    return item


def _need(item: Feedback, statuses: tuple[str, ...], message: str) -> None:
    if item.status not in statuses:
        raise ValidationFailed(message)


@transaction.atomic
def feedback_refuse(
    *, feedback_id: Any, actor: Any, reason: str, at: dt.datetime | None = None
) -> Feedback:
    """Refuse the item (out of scope, anonymous slander …) with a reason; due ≤ 2 working
    days from the counting start (QĐ 766 5.2)."""
    item = _for_officer(actor, feedback_id)
    _need(item, OPEN_STATUSES, "Chỉ từ chối được phản ánh đang xử lý.")
    reason = _text(reason, "lý do từ chối", TEXT_LIMIT)
    moment = at or timezone.now()
    item.status, item.refused_at, item.refusal_reason = Status.REFUSED, moment, reason
    item.save(update_fields=["status", "refused_at", "refusal_reason", "updated_at"])
    step = _audit(item, actor, "refuse", moment)
    nt.notify_sender(item, nt.REFUSED, step_id=step, note=reason)
    return item


@transaction.atomic
def feedback_request_supplement(
    *, feedback_id: Any, actor: Any, note: str, at: dt.datetime | None = None
) -> Feedback:
    """Ask the sender for more information; the first request is timed (≤ 5 working days,
    QĐ 766 5.2). The handling clock keeps running."""
    item = _for_officer(actor, feedback_id)
    _need(item, (Status.RECEIVED,), "Chỉ yêu cầu bổ sung được phản ánh đang xử lý.")
    note = _text(note, "nội dung cần bổ sung", TEXT_LIMIT)
    moment = at or timezone.now()
    item.status, item.supplement_note = Status.SUPPLEMENT, note
    fields = ["status", "supplement_note", "updated_at"]
    if item.supplement_requested_at is None:
        item.supplement_requested_at = moment
        fields.append("supplement_requested_at")
    item.save(update_fields=fields)
    step = _audit(item, actor, "request_supplement", moment)
    nt.notify_sender(item, nt.SUPPLEMENT, step_id=step, note=note)
    return item


@transaction.atomic
def feedback_supplement(
    *, feedback_id: Any, citizen: Any, text: str, at: dt.datetime | None = None
) -> Feedback:
    """The signed-in sender adds the information asked for; the item is back in handling."""
    item = _for_owner(citizen, feedback_id)
    _need(item, (Status.SUPPLEMENT,), "Phản ánh này không chờ bổ sung thông tin.")
    text = _text(text, "thông tin bổ sung", TEXT_LIMIT)
    moment = at or timezone.now()
    item.status = Status.RECEIVED
    item.supplement_text = (item.supplement_text + "\n\n" + text).strip()
    item.save(update_fields=["status", "supplement_text", "updated_at"])
    _audit(item, citizen, "supplement", moment)
    return item


@transaction.atomic
def feedback_transfer(
    *,
    feedback_id: Any,
    actor: Any,
    to_agency: Agency | None,
    reason: str,
    at: dt.datetime | None = None,
) -> Feedback:
    """Transfer the item to the competent agency, with the reason (kept on the item for the
    receiving agency, in the audit entry and told to the sender): the counting restarts from
    the transfer (QĐ 766 5.2, "from the latest transfer"; NĐ 118/2025 Đ8.1đ: the one-stop unit
    forwards feedback to the agency that must explain). Only an officer who may handle the
    item — its agency's handlers or the Center's manager — transfers it, and only while it is
    being handled; the receiving agency must be another one, in force on the day."""
    item = _for_officer(actor, feedback_id)
    _need(item, (Status.RECEIVED,), "Chỉ chuyển được phản ánh đang xử lý.")
    if to_agency is None:
        raise ValidationFailed("Vui lòng chọn cơ quan nhận phản ánh, kiến nghị.")
    if to_agency.pk == item.agency_id:
        raise ValidationFailed(
            "Phản ánh, kiến nghị đang ở cơ quan này. Vui lòng chọn một cơ quan khác."
        )
    moment = at or timezone.now()
    if to_agency.valid_to is not None and to_agency.valid_to < timezone.localdate(moment):
        raise ValidationFailed(
            f"{to_agency.name} đã hết hiệu lực hoạt động. Vui lòng chọn cơ quan đang hoạt động."
        )
    reason = _text(reason, "lý do chuyển", TEXT_LIMIT)
    source = item.agency_id
    item.transferred_from_id = source
    item.agency, item.transferred_at, item.transfer_reason = to_agency, moment, reason
    set_deadlines(item, moment)
    item.save()
    step = _audit(item, actor, "transfer", moment, from_agency=source, to_agency=to_agency.pk)
    nt.notify_sender(item, nt.TRANSFERRED, step_id=step, note=reason)
    return item


@transaction.atomic
def feedback_answer(
    *, feedback_id: Any, actor: Any, answer: str, at: dt.datetime | None = None
) -> Feedback:
    """Record the answer (handled, awaiting approval); due ≤ 15 working days (QĐ 766 5.2)."""
    item = _for_officer(actor, feedback_id)
    _need(item, OPEN_STATUSES, "Chỉ trả lời được phản ánh đang xử lý.")
    answer = _text(answer, "nội dung trả lời", TEXT_LIMIT)
    moment = at or timezone.now()
    item.status, item.answer, item.answered_at, item.answered_by = (
        Status.ANSWERED,
        answer,
        moment,
        actor,
    )
    item.save(update_fields=["status", "answer", "answered_at", "answered_by", "updated_at"])
    _audit(item, actor, "answer", moment)
    return item


@transaction.atomic
def feedback_approve(
    *, feedback_id: Any, actor: Any, publish: bool = True, at: dt.datetime | None = None
) -> Feedback:
    """Approve the answer; publication is then due within 2 working days (QĐ 766 5.2).
    ``publish`` publishes it at once (the usual case)."""
    item = _for_officer(actor, feedback_id, approve=True)
    _need(item, (Status.ANSWERED,), "Chỉ duyệt được phản ánh đã có nội dung trả lời.")
    moment = at or timezone.now()
    item.status, item.approved_at, item.approved_by = Status.APPROVED, moment, actor
    item.publish_due = _days_after(item.agency, moment, deadlines().publish)
    fields = ["status", "approved_at", "approved_by", "publish_due", "updated_at"]
    if publish:
        item.status, item.published_at = Status.PUBLISHED, moment
        fields.append("published_at")
    item.save(update_fields=fields)
    step = _audit(item, actor, "approve", moment, publish=publish)
    if publish:
        nt.notify_sender(item, nt.PUBLISHED, step_id=step, note=item.answer)
    return item


@transaction.atomic
def feedback_publish(*, feedback_id: Any, actor: Any, at: dt.datetime | None = None) -> Feedback:
    """Publish an approved answer on the portal."""
    item = _for_officer(actor, feedback_id, approve=True)
    _need(item, (Status.APPROVED,), "Chỉ công khai được trả lời đã duyệt.")
    moment = at or timezone.now()
    item.status, item.published_at = Status.PUBLISHED, moment
    item.save(update_fields=["status", "published_at", "updated_at"])
    step = _audit(item, actor, "publish", moment)
    nt.notify_sender(item, nt.PUBLISHED, step_id=step, note=item.answer)
    return item


@transaction.atomic
def feedback_react(
    *, feedback_id: Any, citizen: Any, like: bool, at: dt.datetime | None = None
) -> Feedback:
    """Like or dislike a published answer: one vote per citizen account; voting again
    replaces the earlier vote (rules.md §1.10; QĐ 766 5.3 counts dislikes > likes)."""
    if not access.is_citizen(citizen):
        raise PermissionDenied("Vui lòng đăng nhập bằng tài khoản công dân để bày tỏ ý kiến.")
    item = _locked(feedback_id)
    _need(item, (Status.PUBLISHED,), "Chỉ bày tỏ ý kiến được với trả lời đã công khai.")
    moment = at or timezone.now()
    old = Reaction.objects.filter(feedback=item, citizen=citizen).first()
    if old is not None and old.like == like:
        return item
    if old is None:
        Reaction.objects.create(feedback=item, citizen=citizen, like=like, at=moment)
    else:
        old.like, old.at = like, moment
        old.save(update_fields=["like", "at"])
        if like:
            item.dislikes -= 1
        else:
            item.likes -= 1
    if like:
        item.likes += 1
    else:
        item.dislikes += 1
    item.save(update_fields=["likes", "dislikes", "updated_at"])
    _audit(item, citizen, "react", moment, like=like)
    return item


@transaction.atomic
def feedback_reraise(
    *, feedback_id: Any, citizen: Any, reason: str, at: dt.datetime | None = None
) -> Feedback:
    """The sender, not satisfied with the published answer, raises the item again (once):
    QĐ 766 5.3 counts it as not satisfied."""
    item = _for_owner(citizen, feedback_id)
    _need(item, (Status.PUBLISHED,), "Chỉ phản ánh lại được sau khi trả lời đã công khai.")
    if item.reraised_at is not None:
        raise ValidationFailed("Bạn đã phản ánh lại nội dung này rồi.")
    reason = _text(reason, "lý do chưa hài lòng", TEXT_LIMIT)
    moment = at or timezone.now()
    item.reraised_at, item.reraise_reason = moment, reason
    item.save(update_fields=["reraised_at", "reraise_reason", "updated_at"])
    _audit(item, citizen, "reraise", moment)
    return item
