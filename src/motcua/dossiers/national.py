"""The 10 dossier status codes synced to the Cổng Dịch vụ công quốc gia, and the mapping of every
internal status onto them. Pure data.

Source: rules.md §8.1 ("Statuses synced to the Cổng DVCQG", from the enum of a provincial back end
that syncs to the national portal, also used by the QĐ 766/QĐ-TTg formula description) [C2]. The
provincial system must sync every status of a dossier (NĐ 118/2025/NĐ-CP Điều 27 khoản 2 điểm d);
766 indicator 2.1 ends a dossier's processing at the first of *Đã xử lý xong*, *Đã trả kết quả*,
*Dừng xử lý*, *Không được tiếp nhận* or *Rút* (rules.md §4.2).

Choices worth knowing:

* a draft is not a dossier yet and has no code (it is never synced);
* every phase at the competent agency, consultation and inter-agency work included, is 4;
* a refusal after appraisal is a decision (9), then a returned result (10) — code 3 is only for a
  dossier the one-stop unit did not accept;
* a dossier closed 15 days after an unanswered supplement request is *Dừng xử lý* (8);
* a result sent back for correction (NĐ 118/2025/NĐ-CP Điều 23 khoản 1) is being processed again
  (4) until the corrected result is signed (9) and returned (10).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from django.db import models

from motcua.dossiers.workflow import DossierStatus

S = DossierStatus


class NationalStatus(models.IntegerChoices):
    NEW = 1, "Mới đăng ký"
    RECEIVED = 2, "Được tiếp nhận"
    NOT_RECEIVED = 3, "Không được tiếp nhận"
    IN_PROGRESS = 4, "Đang xử lý"
    SUPPLEMENT_REQUESTED = 5, "Yêu cầu bổ sung giấy tờ"
    PAYMENT_REQUESTED = 6, "Yêu cầu thực hiện nghĩa vụ tài chính"
    WITHDRAWAL_REQUESTED = 7, "Công dân yêu cầu rút hồ sơ"
    STOPPED = 8, "Dừng xử lý"
    RESOLVED = 9, "Đã xử lý xong"
    RETURNED = 10, "Đã trả kết quả"


N = NationalStatus

#: The national code of each internal status; ``None`` only for a draft, which is never synced.
NATIONAL_STATUS: Final[Mapping[DossierStatus, NationalStatus | None]] = {
    S.DRAFT: None,
    S.SUBMITTED: N.NEW,
    S.SUPPLEMENT_REQUESTED_AT_RECEPTION: N.SUPPLEMENT_REQUESTED,
    S.REFUSED_AT_RECEPTION: N.NOT_RECEIVED,
    S.RECEIVED: N.RECEIVED,
    S.AWAITING_ASSIGNMENT: N.IN_PROGRESS,
    S.APPRAISING: N.IN_PROGRESS,
    S.CONSULTING: N.IN_PROGRESS,
    S.AT_PARTNER_AGENCIES: N.IN_PROGRESS,
    S.SUPPLEMENT_REQUESTED: N.SUPPLEMENT_REQUESTED,
    S.AWAITING_PAYMENT: N.PAYMENT_REQUESTED,
    S.AWAITING_APPROVAL: N.IN_PROGRESS,
    S.AWAITING_SIGNATURE: N.IN_PROGRESS,
    S.WITHDRAWAL_REQUESTED: N.WITHDRAWAL_REQUESTED,
    S.STOPPED: N.STOPPED,
    S.CLOSED: N.STOPPED,
    S.RESOLVED: N.RESOLVED,
    S.REFUSED_AFTER_APPRAISAL: N.RESOLVED,
    S.RETURNED: N.RETURNED,
    S.RESULT_UNDER_CORRECTION: N.IN_PROGRESS,
}

#: National codes that end a dossier's processing for QĐ 766 indicator 2.1 (rules.md §4.2, §8.1:
#: "Từ chối/Không được tiếp nhận, Dừng, Đã xử lý xong, Đã trả kết quả, Rút").
TERMINAL_FOR_766: Final = frozenset(
    {N.NOT_RECEIVED, N.WITHDRAWAL_REQUESTED, N.STOPPED, N.RESOLVED, N.RETURNED}
)


def national_status(status: DossierStatus) -> NationalStatus | None:
    """The code to sync for ``status``; ``None`` means "do not sync" (a draft)."""
    return NATIONAL_STATUS[status]


def ends_processing_for_766(status: DossierStatus) -> bool:
    """Whether reaching ``status`` ends the dossier's processing time for QĐ 766 indicator 2.1."""
    code = NATIONAL_STATUS[status]
    return code is not None and code in TERMINAL_FOR_766
