"""The dossier's history in plain words for the citizen (the control sheet without the officers'
names and internal steps). NĐ 118/2025 Điều 17, 19, 21, 22; TT 03/2025 forms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.workflow import Action, DossierStatus

A = Action
S = DossierStatus

#: What the citizen reads for each action; ``None`` hides internal moves (assignment, approval…).
PLAIN: dict[str, str | None] = {
    A.SUBMIT_ONLINE: gettext_noop("Hồ sơ đã được nộp trực tuyến và được cấp mã hồ sơ."),
    A.RECEIVE_DIRECT: gettext_noop("Hồ sơ đã được nhận tại Bộ phận Một cửa."),
    A.RECEIVE_POSTAL: gettext_noop("Hồ sơ đã được nhận qua dịch vụ bưu chính."),
    A.ACCEPT: gettext_noop(
        "Hồ sơ được tiếp nhận chính thức; thời hạn giải quyết bắt đầu được tính."
    ),
    A.REQUEST_SUPPLEMENT: gettext_noop("Cơ quan yêu cầu bổ sung, hoàn thiện hồ sơ."),
    A.RESUBMIT: gettext_noop("Đã nhận hồ sơ bổ sung; hồ sơ được kiểm tra lại."),
    A.REFUSE: gettext_noop("Hồ sơ không được tiếp nhận."),
    A.FORWARD: gettext_noop("Hồ sơ được chuyển đến cơ quan có thẩm quyền giải quyết."),
    A.ASSIGN: gettext_noop("Hồ sơ đang được thẩm định."),
    A.CONSULT: gettext_noop("Cơ quan đang lấy ý kiến cơ quan liên quan."),
    A.CONSULTATION_ANSWERED: None,
    A.HAND_OVER_TO_PARTNERS: gettext_noop("Hồ sơ được chuyển các cơ quan phối hợp (liên thông)."),
    A.PARTNERS_COMPLETED: None,
    A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL: gettext_noop(
        "Cơ quan yêu cầu bổ sung hồ sơ sau khi thẩm định."
    ),
    A.SUPPLEMENT_RECEIVED: gettext_noop(
        "Đã nhận đủ hồ sơ bổ sung; thời hạn giải quyết được tính lại từ đầu."
    ),
    A.CLOSE_UNSUPPLEMENTED: gettext_noop("Hồ sơ đã đóng do không bổ sung trong 15 ngày."),
    A.REQUEST_PAYMENT: gettext_noop("Cần nộp phí, lệ phí hoặc nghĩa vụ tài chính."),
    A.RECORD_PAYMENT: gettext_noop("Đã ghi nhận việc nộp phí, lệ phí."),
    A.SUBMIT_DRAFT: None,
    A.APPROVE: None,
    A.RETURN_STEP: None,
    A.SIGN: gettext_noop("Đã có kết quả giải quyết."),
    A.REFUSE_AFTER_APPRAISAL: gettext_noop("Cơ quan từ chối giải quyết hồ sơ."),
    A.REQUEST_EXTENSION: gettext_noop("Cơ quan xin lỗi vì chậm trễ và hẹn lại ngày trả kết quả."),
    A.WITHDRAW: gettext_noop("Đã nhận yêu cầu rút hồ sơ."),
    A.STOP: gettext_noop("Hồ sơ đã dừng xử lý."),
    A.RETURN_RESULT: gettext_noop("Đã trả kết quả."),
    A.REPORT_ERROR: gettext_noop("Kết quả có sai sót và đang được đính chính."),
    A.CORRECT_RESULT: gettext_noop("Kết quả đã được đính chính."),
}

#: Actions whose note the citizen must read (the list of what to supplement, the reason).
NOTE_SHOWN = {
    A.REQUEST_SUPPLEMENT,
    A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL,
    A.REFUSE,
    A.REFUSE_AFTER_APPRAISAL,
    A.REQUEST_EXTENSION,
    A.REQUEST_PAYMENT,
    A.STOP,
}

#: What the citizen should do now, by status (msgids: templates translate them with
#: ``{% translate next_step %}``).
NEXT_STEP: dict[str, str] = {
    S.SUBMITTED: gettext_noop(
        "Cán bộ tiếp nhận sẽ kiểm tra hồ sơ trong 8 giờ làm việc: tiếp nhận hoặc yêu cầu bổ sung."
    ),
    S.SUPPLEMENT_REQUESTED_AT_RECEPTION: gettext_noop("Bạn cần bổ sung hồ sơ theo yêu cầu."),
    S.SUPPLEMENT_REQUESTED: gettext_noop("Bạn cần bổ sung hồ sơ theo yêu cầu."),
    S.AWAITING_PAYMENT: gettext_noop("Bạn cần nộp phí, lệ phí để hồ sơ được tiếp tục giải quyết."),
    S.RESOLVED: gettext_noop("Kết quả đã sẵn sàng."),
    S.RETURNED: gettext_noop("Đã trả kết quả. Mời bạn đánh giá mức độ hài lòng."),
}


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    text: str
    note: str = ""
    agency: str = ""
    when: str = ""  # ``at`` as the page shows it (the language's DATETIME_FORMAT, local time)
    iso: str = ""  # ``at`` for ``<time datetime>`` (ISO 8601, local time)


#: Django date formats done with ``strftime`` (the same text, a tenth of the CPU).
_STRFTIME = {"H:i d/m/Y": "%H:%M %d/%m/%Y"}


def moment_text(moment: dt.datetime | None, fmt: str | None = None) -> str:
    """``moment`` in local time as the templates show a datetime (``{{ value }}``: the current
    language's ``DATETIME_FORMAT``; Vietnamese ``14:05 28/11/2026``); ``""`` for ``None``.
    ``fmt``: that format, when the caller already looked it up."""
    if moment is None:
        return ""
    fmt = fmt or str(formats.get_format("DATETIME_FORMAT"))
    local = timezone.localtime(moment)
    fast = _STRFTIME.get(fmt)
    return local.strftime(fast) if fast else str(formats.date_format(local, fmt))


def _when(moment: dt.datetime | None) -> str:
    return moment_text(moment)


def timeline(dossier: Dossier, events: list[DossierEvent], *, notes: bool = True) -> list[Step]:
    """The citizen's timeline; ``notes=False`` for public tracking (no free text at all)."""
    steps: list[Step] = []
    last = ""
    fmt = str(formats.get_format("DATETIME_FORMAT"))
    for e in events:
        text = PLAIN.get(e.action)
        if text is None or text == last:
            continue
        last = text
        text = gettext(text)
        if e.action == A.ACCEPT and dossier.original_due_at is not None:
            text += " " + gettext("Ngày hẹn trả kết quả: %(due)s.") % {
                "due": _when(dossier.original_due_at)
            }
        if e.action == A.REQUEST_EXTENSION and dossier.due_at is not None:
            text += " " + gettext("Ngày hẹn mới: %(due)s.") % {"due": _when(dossier.due_at)}
        agency = e.to_agency.name if e.action == A.FORWARD and e.to_agency else ""
        steps.append(
            Step(
                at=e.at,
                text=text,
                note=e.note if notes and e.action in NOTE_SHOWN else "",
                agency=agency,
                when=moment_text(e.at, fmt),
                iso=timezone.localtime(e.at).isoformat(),
            )
        )
    return steps
