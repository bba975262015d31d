"""The dossier lifecycle as data: statuses, actions and the transition table. Pure Python, no
database access, no clock: the caller passes every fact the rules need (``DossierFacts``).

Every change of a dossier's status goes through ``plan_transition``; the dossier service (later)
applies the returned ``Transition`` inside a transaction holding the row lock, writes the event
(the control sheet row) and adjusts the clock as ``Transition.clock`` says.

The rules implement Nghị định 118/2025/NĐ-CP (rules.md §1.6, §1.8) and the forms of
Thông tư 03/2025/TT-VPCP (rules.md §2.2). The statuses follow the internal state machine suggested
in rules.md §8.1 and map onto the 10 national codes in ``national.py``.

Why these statuses
------------------
* ``DRAFT`` — a dossier being composed (by the citizen on the portal, or by the reception officer
  at the counter before the completeness check). Not yet a dossier under the decree; never synced.
* ``SUBMITTED`` (*Mới đăng ký*) — waiting for the completeness check. Online dossiers arrive here
  from the Cổng DVCQG (Đ17.2); counter and postal dossiers pass through it the moment they are
  registered (Đ17.1), so the three outcomes of the check are one set of actions for all channels.
* ``SUPPLEMENT_REQUESTED_AT_RECEPTION`` / ``REFUSED_AT_RECEPTION`` / ``RECEIVED`` — the three
  outcomes of the check (Đ17.1c, Đ17.2). Only ``RECEIVED`` starts the clock (Đ17.3).
* ``AWAITING_ASSIGNMENT``, ``APPRAISING``, ``AWAITING_APPROVAL``, ``AWAITING_SIGNATURE`` — the
  phases of the electronic process at the competent agency (Đ19.1: the head assigns, the
  specialist appraises and submits, the result is approved and signed, Đ22.1). The procedure's own
  process steps (catalogue) are a finer position *inside* these phases, kept by the service; every
  phase maps to national code 4.
* ``CONSULTING`` and ``AT_PARTNER_AGENCIES`` — the dossier waits on another agency: a
  consultation with its own deadline (Đ19.4), or the partner agencies of an inter-agency
  (liên thông) dossier doing their part, in order or in parallel (Đ20.2). Separate statuses so
  the worklists and the graph show who holds the dossier.
* ``SUPPLEMENT_REQUESTED`` (after appraisal, Đ19.5) and ``AWAITING_PAYMENT`` (Đ24) — the
  dossier waits on the applicant; the clock is paused.
* ``WITHDRAWAL_REQUESTED`` → ``STOPPED`` — the applicant asks to stop (*rút*, national code 7,
  Đ21) and the one-stop unit or the agency issues the stop notice (*Dừng xử lý*, code 8,
  TT 03/2025 Mẫu 05). Two steps because the national codes and TT 03/2025 Đ7 distinguish the
  citizen's request from the agency's notice; the request already stops the clock.
* ``CLOSED`` — closed by the one-stop unit 15 days after an unanswered supplement request
  (Đ19.5). Kept apart from ``STOPPED``: the applicant did not ask for it.
* ``RESOLVED`` / ``REFUSED_AFTER_APPRAISAL`` — the decision: result signed, or refusal notice
  (Đ19.3). Both are *Đã xử lý xong* (code 9) and both are returned through the one-stop unit.
* ``RETURNED`` (*Đã trả kết quả*, code 10) and ``RESULT_UNDER_CORRECTION`` — the result was
  handed over; an official's error sends it back for correction within 3 working days (Đ23.1),
  after which the corrected result is returned again.

An extension of the due date (Đ19.6) does not change the status: its transition has
``target=None`` ("stays where it is").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Final

from django.db import models

from motcua.accounts.roles import Role
from motcua.common.errors import MotcuaError

ND118: Final = "NĐ 118/2025/NĐ-CP"

# Time rules of the decree, in the units the caller must compute the facts in.
#: Đ17.2: the system alerts the receiving officer within 2 hours of the portal's acknowledgement.
ONLINE_ALERT_WITHIN_HOURS: Final = 2
#: Đ17.2c: official acceptance or a supplement request within 8 working hours.
ONLINE_DECISION_WITHIN_WORKING_HOURS: Final = 8
#: Đ19.5: a supplement request after appraisal no later than 3 working days after reception.
SUPPLEMENT_AFTER_APPRAISAL_MAX_WORKING_DAYS: Final = 3
#: Đ19.5: the one-stop unit closes the dossier 15 days after an unanswered supplement request.
CLOSE_UNSUPPLEMENTED_AFTER_DAYS: Final = 15
#: Đ19.6: the apology and extension request no later than 1 day before the due date.
EXTENSION_MIN_DAYS_BEFORE_DUE: Final = 1
#: Đ23.1: an erroneous result is corrected and sent back within 3 working days.
CORRECTION_WITHIN_WORKING_DAYS: Final = 3


class DossierStatus(models.TextChoices):
    DRAFT = "draft", "Nháp"
    SUBMITTED = "submitted", "Mới đăng ký"
    SUPPLEMENT_REQUESTED_AT_RECEPTION = (
        "supplement_requested_at_reception",
        "Yêu cầu bổ sung, hoàn thiện hồ sơ khi tiếp nhận",
    )
    REFUSED_AT_RECEPTION = "refused_at_reception", "Không được tiếp nhận"
    RECEIVED = "received", "Được tiếp nhận"
    AWAITING_ASSIGNMENT = "awaiting_assignment", "Chờ phân công xử lý"
    APPRAISING = "appraising", "Đang thẩm định"
    CONSULTING = "consulting", "Đang lấy ý kiến cơ quan liên quan"
    AT_PARTNER_AGENCIES = "at_partner_agencies", "Đang xử lý tại cơ quan phối hợp (liên thông)"
    SUPPLEMENT_REQUESTED = "supplement_requested", "Yêu cầu bổ sung, hoàn thiện hồ sơ sau thẩm định"
    AWAITING_PAYMENT = "awaiting_payment", "Chờ thực hiện nghĩa vụ tài chính"
    AWAITING_APPROVAL = "awaiting_approval", "Chờ lãnh đạo phòng phê duyệt"
    AWAITING_SIGNATURE = "awaiting_signature", "Chờ lãnh đạo ký duyệt"
    WITHDRAWAL_REQUESTED = "withdrawal_requested", "Công dân yêu cầu rút hồ sơ"
    STOPPED = "stopped", "Dừng xử lý"
    CLOSED = "closed", "Đóng hồ sơ (không bổ sung)"
    RESOLVED = "resolved", "Đã xử lý xong"
    REFUSED_AFTER_APPRAISAL = "refused_after_appraisal", "Từ chối giải quyết"
    RETURNED = "returned", "Đã trả kết quả"
    RESULT_UNDER_CORRECTION = "result_under_correction", "Đang đính chính kết quả"


class Action(models.TextChoices):
    SUBMIT_ONLINE = "submit_online", "Nộp hồ sơ trực tuyến"
    RECEIVE_DIRECT = "receive_direct", "Nhận hồ sơ trực tiếp tại Bộ phận Một cửa"
    RECEIVE_POSTAL = "receive_postal", "Nhận hồ sơ qua dịch vụ bưu chính"
    ACCEPT = "accept", "Tiếp nhận hồ sơ, cấp Giấy tiếp nhận và hẹn trả kết quả"
    REQUEST_SUPPLEMENT = "request_supplement", "Yêu cầu bổ sung, hoàn thiện hồ sơ khi tiếp nhận"
    RESUBMIT = "resubmit", "Nộp lại hồ sơ đã bổ sung"
    REFUSE = "refuse", "Từ chối tiếp nhận hồ sơ"
    FORWARD = "forward", "Chuyển hồ sơ đến cơ quan có thẩm quyền"
    ASSIGN = "assign", "Phân công chuyên viên xử lý"
    CONSULT = "consult", "Lấy ý kiến cơ quan, đơn vị liên quan"
    CONSULTATION_ANSWERED = "consultation_answered", "Ghi nhận ý kiến trả lời"
    HAND_OVER_TO_PARTNERS = "hand_over_to_partners", "Chuyển cơ quan phối hợp (liên thông)"
    PARTNERS_COMPLETED = "partners_completed", "Cơ quan phối hợp hoàn thành (liên thông)"
    REQUEST_SUPPLEMENT_AFTER_APPRAISAL = (
        "request_supplement_after_appraisal",
        "Yêu cầu bổ sung hồ sơ sau thẩm định",
    )
    SUPPLEMENT_RECEIVED = "supplement_received", "Nhận hồ sơ bổ sung đầy đủ"
    CLOSE_UNSUPPLEMENTED = "close_unsupplemented", "Đóng hồ sơ do không bổ sung"
    REQUEST_PAYMENT = "request_payment", "Yêu cầu thực hiện nghĩa vụ tài chính"
    RECORD_PAYMENT = "record_payment", "Ghi nhận đã thực hiện nghĩa vụ tài chính"
    SUBMIT_DRAFT = "submit_draft", "Trình dự thảo kết quả"
    APPROVE = "approve", "Phê duyệt"
    RETURN_STEP = "return_step", "Trả lại bước trước"
    SIGN = "sign", "Ký số kết quả giải quyết"
    REFUSE_AFTER_APPRAISAL = "refuse_after_appraisal", "Ký thông báo từ chối giải quyết"
    REQUEST_EXTENSION = "request_extension", "Xin lỗi và gia hạn thời gian giải quyết"
    WITHDRAW = "withdraw", "Yêu cầu rút hồ sơ, dừng giải quyết"
    STOP = "stop", "Thông báo dừng giải quyết hồ sơ"
    RETURN_RESULT = "return_result", "Trả kết quả giải quyết"
    POSTAL_DELIVERED = "postal_delivered", "Bưu chính xác nhận đã phát kết quả"
    REPORT_ERROR = "report_error", "Chuyển lại kết quả có sai sót để đính chính"
    CORRECT_RESULT = "correct_result", "Ký kết quả đã đính chính"


class ClockEffect(models.TextChoices):
    """What a transition does to the dossier's time limit (the service computes the dates).

    ``START`` starts a clock that is not running (at acceptance, Đ17.3; the correction limit,
    Đ23.1). ``STOP`` ends the dossier's clock for good, whether it ran, was paused or never
    started (a refusal at reception). ``RESTART`` counts the time limit again from zero after a
    full supplement (Đ19.5). ``EXTEND`` moves the due date once (Đ19.6).
    """

    NONE = "none", "Không đổi"
    START = "start", "Bắt đầu tính thời hạn"
    PAUSE = "pause", "Tạm dừng tính thời hạn"
    RESUME = "resume", "Tiếp tục tính thời hạn"
    RESTART = "restart", "Tính lại thời hạn từ đầu"
    STOP = "stop", "Kết thúc tính thời hạn"
    EXTEND = "extend", "Gia hạn (hẹn lại ngày trả)"


class ClockState(StrEnum):
    """Whether the time limit runs in a status. Follows from the transitions' clock effects;
    the tests check that every transition leaves the clock in the state its target declares."""

    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class SystemActor(StrEnum):
    """An actor that is not a person: the scheduler (auto-close) and the integrations (national
    portal submissions, payment gateway callbacks). Allowed only where ``Transition.automatic``."""

    SYSTEM = "system"


Actor = Role | SystemActor

SYSTEM_LABEL: Final = "Hệ thống (tác vụ tự động)"


class InterAgencyMode(models.TextChoices):
    """How partner agencies take part in an inter-agency dossier (NĐ 118/2025/NĐ-CP Điều 20
    khoản 2): paper dossiers travel from agency to agency in the order set by the centre; electronic
    dossiers go to every participating agency at once."""

    SEQUENTIAL = "sequential", "Tuần tự (hồ sơ giấy)"
    PARALLEL = "parallel", "Song song (hồ sơ điện tử)"


@dataclass(frozen=True)
class Transition:
    """One row of the transition table.

    ``target`` is ``None`` when the action keeps the current status (the extension). ``roles`` are
    the people who may perform it; ``automatic`` lets the system actor do it too.
    ``once_per_dossier`` actions may happen at most once in a dossier's life; the caller passes the
    ones already done in ``DossierFacts.once_only_done``.
    """

    sources: frozenset[DossierStatus]
    target: DossierStatus | None
    roles: frozenset[Role]
    legal_basis: str
    clock: ClockEffect = ClockEffect.NONE
    once_per_dossier: bool = False
    requires_reason: bool = False
    automatic: bool = False
    #: The action answers one of several open consultations (Đ19.4): while
    #: ``DossierFacts.consultations_pending`` others are still open the status stays where it is
    #: (``plan_transition`` returns the row with ``target=None``); the last answer moves it to
    #: ``target``.
    stays_while_consultations_pending: bool = False

    def target_from(self, current: DossierStatus) -> DossierStatus:
        """The status after applying this transition to a dossier in ``current``."""
        return current if self.target is None else self.target


@dataclass(frozen=True)
class DossierFacts:
    """What the rules need to know besides the status. The caller computes every duration with
    the working-day calendar; this module does no time arithmetic.

    * ``once_only_done`` — once-only actions already performed on the dossier (from its events).
    * ``working_days_since_reception`` — working days from the receipt to now (Đ19.5).
    * ``days_until_due`` — whole days from today to the due date, negative when late (Đ19.6).
    * ``days_since_supplement_request`` — days since the supplement request was notified (Đ19.5).
    * ``inter_agency`` — ``None`` for a single-agency dossier (Đ20.2).
    * ``partner_parts_pending`` — partner agencies that have not finished their part yet.
    * ``consultations_pending`` — consultations of the dossier still open besides the one being
      answered (Đ19.4): the dossier stays ``CONSULTING`` until the last one is answered.
    """

    once_only_done: frozenset[Action] = field(default_factory=frozenset)
    working_days_since_reception: int | None = None
    days_until_due: int | None = None
    days_since_supplement_request: int | None = None
    inter_agency: InterAgencyMode | None = None
    partner_parts_pending: int = 0
    consultations_pending: int = 0


class Refusal(StrEnum):
    """Why an action was refused, for tests and for the UI to pick a tone."""

    STATUS = "status"
    ROLE = "role"
    RULE = "rule"
    REASON = "reason"


class TransitionNotAllowed(MotcuaError):
    """An action not allowed from the current status, by this actor, or by a rule of the decree.
    ``str(err)`` is the Vietnamese reason shown to the user; nothing has changed."""

    code = "transition_not_allowed"

    def __init__(
        self, message: str, *, action: Action, status: DossierStatus, refusal: Refusal
    ) -> None:
        super().__init__(message)
        self.action = action
        self.status = status
        self.refusal = refusal


S = DossierStatus

#: ``DossierStatus(value)`` as a plain dictionary look-up (the simulator asks at every step; an
#: unknown value raises ``KeyError`` instead of ``ValueError``).
STATUS_OF: dict[str, DossierStatus] = {status.value: status for status in DossierStatus}

#: Reception outcomes pending: the completeness check has not accepted the dossier yet.
BEFORE_RECEPTION: Final = frozenset({S.SUBMITTED, S.SUPPLEMENT_REQUESTED_AT_RECEPTION})
#: At the competent agency with the clock running (the phases of Đ19.1 plus consultation and
#: inter-agency work): where an extension can be asked for.
PROCESSING: Final = frozenset(
    {
        S.AWAITING_ASSIGNMENT,
        S.APPRAISING,
        S.CONSULTING,
        S.AT_PARTNER_AGENCIES,
        S.AWAITING_APPROVAL,
        S.AWAITING_SIGNATURE,
    }
)
#: Before the decision: the applicant may still ask to stop (Đ21.1–2).
BEFORE_DECISION: Final = (
    BEFORE_RECEPTION
    | PROCESSING
    | frozenset({S.RECEIVED, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT})
)
#: The decision has been made (result signed or refusal notified).
DECIDED: Final = frozenset(
    {S.RESOLVED, S.REFUSED_AFTER_APPRAISAL, S.RETURNED, S.RESULT_UNDER_CORRECTION}
)
#: The dossier's life is over. ``RETURNED`` still accepts ``REPORT_ERROR`` (Đ23.1).
TERMINAL: Final = frozenset({S.REFUSED_AT_RECEPTION, S.STOPPED, S.CLOSED, S.RETURNED})
#: Where a dossier's life begins.
START_STATUSES: Final = frozenset({S.DRAFT})

#: Whether the time limit runs in each status (Đ17.3 start, Đ19.5 restart, Đ19.6 extension).
CLOCK_STATE: Final[Mapping[DossierStatus, ClockState]] = {
    **dict.fromkeys(
        [S.DRAFT, S.SUBMITTED, S.SUPPLEMENT_REQUESTED_AT_RECEPTION], ClockState.NOT_STARTED
    ),
    **dict.fromkeys([S.RECEIVED, *PROCESSING, S.RESULT_UNDER_CORRECTION], ClockState.RUNNING),
    **dict.fromkeys([S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT], ClockState.PAUSED),
    **dict.fromkeys(
        [
            S.REFUSED_AT_RECEPTION,
            S.WITHDRAWAL_REQUESTED,
            S.STOPPED,
            S.CLOSED,
            S.RESOLVED,
            S.REFUSED_AFTER_APPRAISAL,
            S.RETURNED,
        ],
        ClockState.STOPPED,
    ),
}


def next_clock_state(state: ClockState, effect: ClockEffect) -> ClockState:
    """The clock after ``effect``. Raises ``ValueError`` when the effect makes no sense in
    ``state`` (pausing a clock that does not run, extending a stopped one…): the table is built so
    that this never happens, and the tests check it for every transition."""
    match effect:
        case ClockEffect.NONE:
            return state
        case ClockEffect.START if state in (ClockState.NOT_STARTED, ClockState.STOPPED):
            return ClockState.RUNNING
        case ClockEffect.PAUSE if state is ClockState.RUNNING:
            return ClockState.PAUSED
        case ClockEffect.RESUME | ClockEffect.RESTART if state is ClockState.PAUSED:
            return ClockState.RUNNING
        case ClockEffect.STOP if state is not ClockState.STOPPED:
            return ClockState.STOPPED
        case ClockEffect.EXTEND if state is ClockState.RUNNING:
            return ClockState.RUNNING
    raise ValueError(f"clock effect {effect.value} is meaningless when the clock is {state.value}")


R = Role
A = Action

TRANSITIONS: Final[Mapping[Action, Transition]] = {
    # Reception (Đ15, Đ17) -----------------------------------------------------------------------
    A.SUBMIT_ONLINE: Transition(
        # Đ15.3, Đ17.2: submitted on the Cổng DVCQG, which routes it to the provincial system.
        sources=frozenset({S.DRAFT}),
        target=S.SUBMITTED,
        roles=frozenset({R.CITIZEN}),
        automatic=True,
        legal_basis=f"{ND118} Điều 15 khoản 3; Điều 17 khoản 2",
    ),
    A.RECEIVE_DIRECT: Transition(
        sources=frozenset({S.DRAFT}),
        target=S.SUBMITTED,
        roles=frozenset({R.RECEPTION_OFFICER}),
        legal_basis=f"{ND118} Điều 15 khoản 1; Điều 17 khoản 1",
    ),
    A.RECEIVE_POSTAL: Transition(
        # The submission time is when the handover record is signed (QĐ 45/2016/QĐ-TTg).
        sources=frozenset({S.DRAFT}),
        target=S.SUBMITTED,
        roles=frozenset({R.RECEPTION_OFFICER}),
        legal_basis=f"{ND118} Điều 15 khoản 2; Điều 17 khoản 1; QĐ 45/2016/QĐ-TTg",
    ),
    A.ACCEPT: Transition(
        # The clock starts at full, valid acceptance shown on the receipt (Mẫu 01).
        sources=frozenset({S.SUBMITTED}),
        target=S.RECEIVED,
        roles=frozenset({R.RECEPTION_OFFICER}),
        clock=ClockEffect.START,
        legal_basis=f"{ND118} Điều 17 khoản 1 điểm c, khoản 2 điểm b, khoản 3",
    ),
    A.REQUEST_SUPPLEMENT: Transition(
        # Everything missing is listed once (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ, Mẫu 02).
        sources=frozenset({S.SUBMITTED}),
        target=S.SUPPLEMENT_REQUESTED_AT_RECEPTION,
        roles=frozenset({R.RECEPTION_OFFICER}),
        once_per_dossier=True,
        requires_reason=True,
        legal_basis=f"{ND118} Điều 16 khoản 3; Điều 17 khoản 1 điểm c, khoản 2 điểm a",
    ),
    A.RESUBMIT: Transition(
        sources=frozenset({S.SUPPLEMENT_REQUESTED_AT_RECEPTION}),
        target=S.SUBMITTED,
        roles=frozenset({R.CITIZEN, R.RECEPTION_OFFICER}),
        legal_basis=f"{ND118} Điều 17 khoản 1 điểm c, khoản 2 điểm a",
    ),
    A.REFUSE: Transition(
        # Phiếu từ chối giải quyết hồ sơ (Mẫu 03), with the reason; also "not our competence".
        sources=frozenset({S.SUBMITTED}),
        target=S.REFUSED_AT_RECEPTION,
        roles=frozenset({R.RECEPTION_OFFICER}),
        clock=ClockEffect.STOP,
        requires_reason=True,
        legal_basis=f"{ND118} Điều 17 khoản 1 điểm c, khoản 2 điểm a",
    ),
    # Transfer (Đ18, Đ20) ------------------------------------------------------------------------
    A.FORWARD: Transition(
        # To the competent agency, or to the lead agency of an inter-agency dossier.
        sources=frozenset({S.RECEIVED}),
        target=S.AWAITING_ASSIGNMENT,
        roles=frozenset({R.RECEPTION_OFFICER}),
        legal_basis=f"{ND118} Điều 18; Điều 20",
    ),
    # Resolution (Đ19) ---------------------------------------------------------------------------
    A.ASSIGN: Transition(
        # Also a reassignment while appraising.
        sources=frozenset({S.AWAITING_ASSIGNMENT, S.APPRAISING}),
        target=S.APPRAISING,
        roles=frozenset({R.DEPARTMENT_HEAD, R.AGENCY_LEADER}),
        legal_basis=f"{ND118} Điều 19 khoản 1",
    ),
    A.CONSULT: Transition(
        # Each consultation states its content and deadline; another may be added while waiting.
        sources=frozenset({S.APPRAISING, S.CONSULTING}),
        target=S.CONSULTING,
        roles=frozenset({R.SPECIALIST}),
        legal_basis=f"{ND118} Điều 19 khoản 4 điểm b",
    ),
    A.CONSULTATION_ANSWERED: Transition(
        # Back to appraisal with the last answer; earlier answers keep the dossier consulting.
        sources=frozenset({S.CONSULTING}),
        target=S.APPRAISING,
        roles=frozenset({R.SPECIALIST}),
        stays_while_consultations_pending=True,
        legal_basis=f"{ND118} Điều 19 khoản 4 điểm c, d",
    ),
    A.HAND_OVER_TO_PARTNERS: Transition(
        # Phiếu chuyển xử lý: each partner's task and deadline; in order or all at once.
        sources=frozenset({S.APPRAISING}),
        target=S.AT_PARTNER_AGENCIES,
        roles=frozenset({R.SPECIALIST}),
        legal_basis=f"{ND118} Điều 20 khoản 2",
    ),
    A.PARTNERS_COMPLETED: Transition(
        # The last partner hands its result back to the lead agency.
        sources=frozenset({S.AT_PARTNER_AGENCIES}),
        target=S.APPRAISING,
        roles=frozenset({R.SPECIALIST}),
        legal_basis=f"{ND118} Điều 20 khoản 2",
    ),
    A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL: Transition(
        sources=frozenset({S.APPRAISING}),
        target=S.SUPPLEMENT_REQUESTED,
        roles=frozenset({R.SPECIALIST, R.DEPARTMENT_HEAD}),
        clock=ClockEffect.PAUSE,
        once_per_dossier=True,
        requires_reason=True,
        legal_basis=f"{ND118} Điều 16 khoản 3; Điều 19 khoản 5",
    ),
    A.SUPPLEMENT_RECEIVED: Transition(
        # "Thời hạn giải quyết được tính lại từ đầu sau khi nhận đủ hồ sơ."
        sources=frozenset({S.SUPPLEMENT_REQUESTED}),
        target=S.APPRAISING,
        roles=frozenset({R.CITIZEN, R.RECEPTION_OFFICER}),
        clock=ClockEffect.RESTART,
        legal_basis=f"{ND118} Điều 19 khoản 5",
    ),
    A.CLOSE_UNSUPPLEMENTED: Transition(
        # Đ19.5 sets the rule after appraisal; applying it to an unanswered reception request too
        # keeps online dossiers from waiting forever (rules.md §8.1: add auto-close).
        sources=frozenset({S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_REQUESTED_AT_RECEPTION}),
        target=S.CLOSED,
        roles=frozenset({R.RECEPTION_OFFICER}),
        automatic=True,
        clock=ClockEffect.STOP,
        legal_basis=(
            f"{ND118} Điều 19 khoản 5 (trước khi tiếp nhận: áp dụng tương tự, rules.md §8.1)"
        ),
    ),
    A.REQUEST_PAYMENT: Transition(
        # Fees or other financial obligations fixed after reception (Đ24.2); the applicant's
        # payment time is not the agency's (sector law, e.g. land).
        sources=frozenset({S.APPRAISING}),
        target=S.AWAITING_PAYMENT,
        roles=frozenset({R.SPECIALIST}),
        clock=ClockEffect.PAUSE,
        legal_basis=f"{ND118} Điều 24 khoản 1, 2",
    ),
    A.RECORD_PAYMENT: Transition(
        # At the counter, by transfer, or through the Cổng DVCQG payment function (callback).
        sources=frozenset({S.AWAITING_PAYMENT}),
        target=S.APPRAISING,
        roles=frozenset({R.CITIZEN, R.RECEPTION_OFFICER}),
        automatic=True,
        clock=ClockEffect.RESUME,
        legal_basis=f"{ND118} Điều 24 khoản 1, 2",
    ),
    A.SUBMIT_DRAFT: Transition(
        sources=frozenset({S.APPRAISING}),
        target=S.AWAITING_APPROVAL,
        roles=frozenset({R.SPECIALIST}),
        legal_basis=f"{ND118} Điều 19 khoản 1, 3",
    ),
    A.APPROVE: Transition(
        sources=frozenset({S.AWAITING_APPROVAL}),
        target=S.AWAITING_SIGNATURE,
        roles=frozenset({R.DEPARTMENT_HEAD}),
        legal_basis=f"{ND118} Điều 19 khoản 1",
    ),
    A.RETURN_STEP: Transition(
        sources=frozenset({S.AWAITING_APPROVAL, S.AWAITING_SIGNATURE}),
        target=S.APPRAISING,
        roles=frozenset({R.DEPARTMENT_HEAD, R.AGENCY_LEADER}),
        requires_reason=True,
        legal_basis=f"{ND118} Điều 19 khoản 1; TT 22/2019/TT-BTTTT Điều 4",
    ),
    A.SIGN: Transition(
        sources=frozenset({S.AWAITING_SIGNATURE}),
        target=S.RESOLVED,
        roles=frozenset({R.AGENCY_LEADER}),
        clock=ClockEffect.STOP,
        legal_basis=f"{ND118} Điều 19 khoản 1; Điều 22 khoản 1",
    ),
    A.REFUSE_AFTER_APPRAISAL: Transition(
        # Phiếu từ chối giải quyết hồ sơ, sent through the one-stop unit within the time limit.
        sources=frozenset({S.AWAITING_SIGNATURE}),
        target=S.REFUSED_AFTER_APPRAISAL,
        roles=frozenset({R.AGENCY_LEADER}),
        clock=ClockEffect.STOP,
        requires_reason=True,
        legal_basis=f"{ND118} Điều 19 khoản 3",
    ),
    A.REQUEST_EXTENSION: Transition(
        # Apology and Phiếu đề nghị gia hạn (TT 03/2025 Mẫu 04); the one-stop unit then changes
        # the due date. The status does not change.
        sources=PROCESSING,
        target=None,
        roles=frozenset({R.DEPARTMENT_HEAD, R.AGENCY_LEADER}),
        clock=ClockEffect.EXTEND,
        once_per_dossier=True,
        requires_reason=True,
        legal_basis=f"{ND118} Điều 19 khoản 6",
    ),
    # Stopping (Đ21) -----------------------------------------------------------------------------
    A.WITHDRAW: Transition(
        # Online through the portal; direct or postal by a written request the officer records.
        sources=BEFORE_DECISION,
        target=S.WITHDRAWAL_REQUESTED,
        roles=frozenset({R.CITIZEN, R.RECEPTION_OFFICER}),
        clock=ClockEffect.STOP,
        legal_basis=f"{ND118} Điều 21 khoản 1, 2",
    ),
    A.STOP: Transition(
        # Thông báo dừng giải quyết hồ sơ (TT 03/2025 Mẫu 05, Điều 7).
        sources=frozenset({S.WITHDRAWAL_REQUESTED}),
        target=S.STOPPED,
        roles=frozenset({R.RECEPTION_OFFICER, R.AGENCY_LEADER}),
        legal_basis=f"{ND118} Điều 21 khoản 3; TT 03/2025/TT-VPCP Điều 7",
    ),
    # Return and correction (Đ22, Đ23) -----------------------------------------------------------
    A.RETURN_RESULT: Transition(
        # At the counter, by post, or electronically on the Cổng DVCQG (the channel is the
        # service's concern); a refusal notice is returned the same way (Đ19.3).
        sources=frozenset({S.RESOLVED, S.REFUSED_AFTER_APPRAISAL}),
        target=S.RETURNED,
        roles=frozenset({R.RECEPTION_OFFICER}),
        legal_basis=f"{ND118} Điều 19 khoản 3; Điều 22 khoản 3",
    ),
    A.POSTAL_DELIVERED: Transition(
        # The result went by post: the operator reports it delivered to the applicant (the
        # moment it reports is recorded; the status stays "returned").
        sources=frozenset({S.RETURNED}),
        target=None,
        roles=frozenset({R.RECEPTION_OFFICER}),
        legal_basis=f"QĐ 45/2016/QĐ-TTg; {ND118} Điều 22 khoản 3",
    ),
    A.REPORT_ERROR: Transition(
        # Starts the 3-working-day correction limit (CORRECTION_WITHIN_WORKING_DAYS).
        sources=frozenset({S.RETURNED}),
        target=S.RESULT_UNDER_CORRECTION,
        roles=frozenset({R.RECEPTION_OFFICER}),
        clock=ClockEffect.START,
        requires_reason=True,
        legal_basis=f"{ND118} Điều 23 khoản 1",
    ),
    A.CORRECT_RESULT: Transition(
        sources=frozenset({S.RESULT_UNDER_CORRECTION}),
        target=S.RESOLVED,
        roles=frozenset({R.AGENCY_LEADER}),
        clock=ClockEffect.STOP,
        legal_basis=f"{ND118} Điều 23 khoản 1",
    ),
}

#: The rows of the actions that stay where they are while other consultations are open.
_STAYING: Final[Mapping[Action, Transition]] = {
    action: replace(transition, target=None)
    for action, transition in TRANSITIONS.items()
    if transition.stays_while_consultations_pending
}

_ONCE_ONLY_REASONS: Final[Mapping[Action, str]] = {
    A.REQUEST_SUPPLEMENT: (
        "Hồ sơ đã được yêu cầu bổ sung một lần khi tiếp nhận; theo Nghị định 118/2025/NĐ-CP "
        "Điều 16 khoản 3, chỉ được yêu cầu bổ sung một lần."
    ),
    A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL: (
        "Hồ sơ đã được yêu cầu bổ sung một lần sau thẩm định; theo Nghị định 118/2025/NĐ-CP "
        "Điều 16 khoản 3 và Điều 19 khoản 5, chỉ được yêu cầu bổ sung một lần."
    ),
    A.REQUEST_EXTENSION: (
        "Hồ sơ đã được hẹn lại ngày trả kết quả một lần; theo Nghị định 118/2025/NĐ-CP "
        "Điều 19 khoản 6, việc hẹn lại ngày trả kết quả được thực hiện không quá một lần."
    ),
}


def actor_label(actor: Actor) -> str:
    return SYSTEM_LABEL if isinstance(actor, SystemActor) else Role(actor).label


def may_act(transition: Transition, actor: Actor) -> bool:
    """Whether ``actor`` may perform ``transition`` (roles, or the system where automatic)."""
    if isinstance(actor, SystemActor):
        return transition.automatic
    return actor in transition.roles


def allowed_actions(current: DossierStatus, actor: Actor | None = None) -> list[Action]:
    """The actions the table allows from ``current`` (by ``actor`` when given), in table order.
    The facts-based rules are not checked here: a listed action may still be refused."""
    return [
        action
        for action, transition in TRANSITIONS.items()
        if current in transition.sources and (actor is None or may_act(transition, actor))
    ]


def _labels(items: Iterable[models.TextChoices]) -> str:
    return ", ".join(f"“{item.label}”" for item in items)


def _status_refusal(current: DossierStatus, action: Action, transition: Transition) -> str:
    if action in (A.WITHDRAW, A.STOP) and current in DECIDED:
        return (
            "Không thể rút hồ sơ đã có kết quả giải quyết; theo Nghị định 118/2025/NĐ-CP Điều 21, "
            "chỉ được yêu cầu dừng trước khi cơ quan có thẩm quyền ban hành quyết định giải quyết "
            "hoặc thông báo kết quả."
        )
    if current in TERMINAL:
        prefix = f"Hồ sơ đã kết thúc ở trạng thái “{current.label}”; không thể “{action.label}”."
    else:
        prefix = f"Không thể “{action.label}” khi hồ sơ đang ở trạng thái “{current.label}”."
    ordered = [status for status in DossierStatus if status in transition.sources]
    return f"{prefix} Thao tác này chỉ thực hiện được khi hồ sơ ở trạng thái: {_labels(ordered)}."


def _require(value: int | None, name: str, action: Action) -> int:
    if value is None:
        raise ValueError(f"DossierFacts.{name} is required to plan {action.value}")
    return value


def _rule_refusal(action: Action, facts: DossierFacts) -> str | None:
    """The rules of the decree that depend on facts besides the status and the actor."""
    if action is A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL:
        days = _require(facts.working_days_since_reception, "working_days_since_reception", action)
        if days > SUPPLEMENT_AFTER_APPRAISAL_MAX_WORKING_DAYS:
            return (
                f"Đã quá {SUPPLEMENT_AFTER_APPRAISAL_MAX_WORKING_DAYS:02d} ngày làm việc kể từ "
                f"ngày tiếp nhận hồ sơ (đã {days} ngày làm việc); theo Nghị định 118/2025/NĐ-CP "
                "Điều 19 khoản 5, không thể yêu cầu bổ sung sau thời hạn này."
            )
    elif action is A.REQUEST_EXTENSION:
        days = _require(facts.days_until_due, "days_until_due", action)
        if days < EXTENSION_MIN_DAYS_BEFORE_DUE:
            return (
                "Văn bản xin lỗi và đề nghị gia hạn phải gửi chậm nhất "
                f"{EXTENSION_MIN_DAYS_BEFORE_DUE:02d} ngày trước ngày hết hạn (Nghị định "
                f"118/2025/NĐ-CP Điều 19 khoản 6); hồ sơ chỉ còn {max(days, 0)} ngày."
            )
    elif action is A.CLOSE_UNSUPPLEMENTED:
        days = _require(
            facts.days_since_supplement_request, "days_since_supplement_request", action
        )
        if days < CLOSE_UNSUPPLEMENTED_AFTER_DAYS:
            return (
                f"Mới {days} ngày kể từ khi thông báo yêu cầu bổ sung; theo Nghị định "
                f"118/2025/NĐ-CP Điều 19 khoản 5, chỉ đóng hồ sơ sau "
                f"{CLOSE_UNSUPPLEMENTED_AFTER_DAYS} ngày mà tổ chức, cá nhân không bổ sung."
            )
    elif action is A.HAND_OVER_TO_PARTNERS:
        if facts.inter_agency is None:
            return (
                "Hồ sơ không thuộc nhóm thủ tục liên thông nên không có cơ quan phối hợp "
                "(Nghị định 118/2025/NĐ-CP Điều 20 khoản 2)."
            )
    elif action is A.PARTNERS_COMPLETED and facts.partner_parts_pending > 0:
        return (
            f"Còn {facts.partner_parts_pending} cơ quan phối hợp chưa hoàn thành phần việc "
            "được giao (Nghị định 118/2025/NĐ-CP Điều 20 khoản 2)."
        )
    return None


def plan_transition(
    current: DossierStatus,
    action: Action,
    *,
    actor: Actor,
    facts: DossierFacts,
    reason: str = "",
) -> Transition:
    """Check that ``actor`` may perform ``action`` on a dossier in ``current`` and return the
    transition to apply. Pure: changes nothing, whatever the outcome.

    The checks run in this order, and the first that fails raises ``TransitionNotAllowed`` with a
    Vietnamese reason: the status (the table's sources), the actor (roles, or the system for
    automatic actions), the once-only rules (Đ16.3, Đ19.5, Đ19.6), the time and inter-agency rules
    (Đ19.5, Đ19.6, Đ20.2), and finally a reason where the decree requires one (refusals, supplement
    requests, returns, apologies). An answer to a consultation while others are still open
    (``facts.consultations_pending``) returns its row with ``target=None``: the dossier stays
    ``CONSULTING`` (Đ19.4). Raises ``ValueError`` if a fact the rule needs is missing.
    """
    transition = TRANSITIONS[action]
    if current not in transition.sources:
        raise TransitionNotAllowed(
            _status_refusal(current, action, transition),
            action=action,
            status=current,
            refusal=Refusal.STATUS,
        )
    if not may_act(transition, actor):
        allowed = sorted(transition.roles, key=list(Role).index)
        who = ", ".join(f"“{role.label}”" for role in allowed)
        raise TransitionNotAllowed(
            f"“{actor_label(actor)}” không được thực hiện “{action.label}”. "
            f"Thao tác này dành cho: {who}.",
            action=action,
            status=current,
            refusal=Refusal.ROLE,
        )
    if transition.once_per_dossier and action in facts.once_only_done:
        raise TransitionNotAllowed(
            _ONCE_ONLY_REASONS[action], action=action, status=current, refusal=Refusal.RULE
        )
    message = _rule_refusal(action, facts)
    if message is not None:
        raise TransitionNotAllowed(message, action=action, status=current, refusal=Refusal.RULE)
    if transition.requires_reason and not reason.strip():
        raise TransitionNotAllowed(
            f"Phải nêu rõ lý do khi “{action.label}”.",
            action=action,
            status=current,
            refusal=Refusal.REASON,
        )
    if transition.stays_while_consultations_pending and facts.consultations_pending > 0:
        return _STAYING[action]
    return transition
