"""The dossier's history in plain words for the citizen (the control sheet without the officers'
names and internal steps). NĐ 118/2025 Điều 17, 19, 21, 22; TT 03/2025 forms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats, timezone

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.dossiers.workflow import Action, DossierStatus

A = Action
S = DossierStatus

#: What the citizen reads for each action; ``None`` hides internal moves (assignment, approval…).
PLAIN: dict[str, str | None] = {
    A.SUBMIT_ONLINE: "Hồ sơ đã được nộp trực tuyến và được cấp mã hồ sơ.",
    A.RECEIVE_DIRECT: "Hồ sơ đã được nhận tại Bộ phận Một cửa.",
    A.RECEIVE_POSTAL: "Hồ sơ đã được nhận qua dịch vụ bưu chính.",
    A.ACCEPT: "Hồ sơ được tiếp nhận chính thức; thời hạn giải quyết bắt đầu được tính.",
    A.REQUEST_SUPPLEMENT: "Cơ quan yêu cầu bổ sung, hoàn thiện hồ sơ.",
    A.RESUBMIT: "Đã nhận hồ sơ bổ sung; hồ sơ được kiểm tra lại.",
    A.REFUSE: "Hồ sơ không được tiếp nhận.",
    A.FORWARD: "Hồ sơ được chuyển đến cơ quan có thẩm quyền giải quyết.",
    A.ASSIGN: "Hồ sơ đang được thẩm định.",
    A.CONSULT: "Cơ quan đang lấy ý kiến cơ quan liên quan.",
    A.CONSULTATION_ANSWERED: None,
    A.HAND_OVER_TO_PARTNERS: "Hồ sơ được chuyển các cơ quan phối hợp (liên thông).",
    A.PARTNERS_COMPLETED: None,
    A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL: "Cơ quan yêu cầu bổ sung hồ sơ sau khi thẩm định.",
    A.SUPPLEMENT_RECEIVED: "Đã nhận đủ hồ sơ bổ sung; thời hạn giải quyết được tính lại từ đầu.",
    A.CLOSE_UNSUPPLEMENTED: "Hồ sơ đã đóng do không bổ sung trong 15 ngày.",
    A.REQUEST_PAYMENT: "Cần nộp phí, lệ phí hoặc nghĩa vụ tài chính.",
    A.RECORD_PAYMENT: "Đã ghi nhận việc nộp phí, lệ phí.",
    A.SUBMIT_DRAFT: None,
    A.APPROVE: None,
    A.RETURN_STEP: None,
    A.SIGN: "Đã có kết quả giải quyết.",
    A.REFUSE_AFTER_APPRAISAL: "Cơ quan từ chối giải quyết hồ sơ.",
    A.REQUEST_EXTENSION: "Cơ quan xin lỗi vì chậm trễ và hẹn lại ngày trả kết quả.",
    A.WITHDRAW: "Đã nhận yêu cầu rút hồ sơ.",
    A.STOP: "Hồ sơ đã dừng xử lý.",
    A.RETURN_RESULT: "Đã trả kết quả.",
    A.REPORT_ERROR: "Kết quả có sai sót và đang được đính chính.",
    A.CORRECT_RESULT: "Kết quả đã được đính chính.",
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

#: What the citizen should do now, by status.
NEXT_STEP: dict[str, str] = {
    S.SUBMITTED: "Cán bộ tiếp nhận sẽ kiểm tra hồ sơ trong 8 giờ làm việc: tiếp nhận hoặc yêu "
    "cầu bổ sung.",
    S.SUPPLEMENT_REQUESTED_AT_RECEPTION: "Bạn cần bổ sung hồ sơ theo yêu cầu.",
    S.SUPPLEMENT_REQUESTED: "Bạn cần bổ sung hồ sơ theo yêu cầu.",
    S.AWAITING_PAYMENT: "Bạn cần nộp phí, lệ phí để hồ sơ được tiếp tục giải quyết.",
    S.RESOLVED: "Kết quả đã sẵn sàng.",
    S.RETURNED: "Đã trả kết quả. Mời bạn đánh giá mức độ hài lòng.",
}


@dataclass(frozen=True)
class Step:
    at: dt.datetime
    text: str
    note: str = ""
    agency: str = ""


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return str(formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT"))


def timeline(dossier: Dossier, events: list[DossierEvent], *, notes: bool = True) -> list[Step]:
    """The citizen's timeline; ``notes=False`` for public tracking (no free text at all)."""
    steps: list[Step] = []
    last = ""
    for e in events:
        text = PLAIN.get(e.action)
        if text is None or text == last:
            continue
        last = text
        if e.action == A.ACCEPT and dossier.original_due_at is not None:
            text += f" Ngày hẹn trả kết quả: {_when(dossier.original_due_at)}."
        if e.action == A.REQUEST_EXTENSION and dossier.due_at is not None:
            text += f" Ngày hẹn mới: {_when(dossier.due_at)}."
        agency = e.to_agency.name if e.action == A.FORWARD and e.to_agency else ""
        steps.append(
            Step(
                at=e.at,
                text=text,
                note=e.note if notes and e.action in NOTE_SHOWN else "",
                agency=agency,
            )
        )
    return steps
