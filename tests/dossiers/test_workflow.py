"""The transition table, exhaustively: every action from every status, every actor, every rule of
the decree that depends on facts, the clock, the graph, the national codes and the generated docs.
Pure rules: no database."""

from __future__ import annotations

import dataclasses
import itertools
from collections import deque
from pathlib import Path

import pytest

from motcua.accounts.roles import Role
from motcua.dossiers.diagram import mermaid_state_diagram, render_workflow_markdown
from motcua.dossiers.national import (
    NATIONAL_STATUS,
    TERMINAL_FOR_766,
    NationalStatus,
    ends_processing_for_766,
    national_status,
)
from motcua.dossiers.workflow import (
    BEFORE_DECISION,
    CLOCK_STATE,
    CORRECTION_WITHIN_WORKING_DAYS,
    DECIDED,
    START_STATUSES,
    TERMINAL,
    TRANSITIONS,
    Action,
    Actor,
    ClockEffect,
    ClockState,
    DossierFacts,
    DossierStatus,
    InterAgencyMode,
    Refusal,
    SystemActor,
    Transition,
    TransitionNotAllowed,
    allowed_actions,
    next_clock_state,
    plan_transition,
)

S = DossierStatus
A = Action

#: Facts under which no once-only, time or inter-agency rule refuses anything.
PERMISSIVE = DossierFacts(
    working_days_since_reception=0,
    days_until_due=10,
    days_since_supplement_request=30,
    inter_agency=InterAgencyMode.PARALLEL,
    partner_parts_pending=0,
)
REASON = "Thiếu bản sao giấy khai sinh"
ACTORS: list[Actor] = [*Role, SystemActor.SYSTEM]
ONCE_ONLY = {A.REQUEST_SUPPLEMENT, A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL, A.REQUEST_EXTENSION}


def an_allowed_actor(transition: Transition) -> Actor:
    for role in Role:
        if role in transition.roles:
            return role
    assert transition.automatic
    return SystemActor.SYSTEM


def a_source(action: Action) -> DossierStatus:
    return next(s for s in DossierStatus if s in TRANSITIONS[action].sources)


def plan(
    status: DossierStatus,
    action: Action,
    *,
    actor: Actor | None = None,
    facts: DossierFacts = PERMISSIVE,
    reason: str = REASON,
) -> Transition:
    who = an_allowed_actor(TRANSITIONS[action]) if actor is None else actor
    return plan_transition(status, action, actor=who, facts=facts, reason=reason)


# The table, exhaustively --------------------------------------------------------------------------


def test_every_action_has_a_transition() -> None:
    assert set(TRANSITIONS) == set(Action)
    for transition in TRANSITIONS.values():
        assert transition.sources, "an action must be possible from somewhere"
        assert transition.roles or transition.automatic
        assert transition.legal_basis.startswith(("NĐ 118/2025/NĐ-CP Điều", "QĐ", "TT"))


@pytest.mark.parametrize(
    ("status", "action"),
    list(itertools.product(DossierStatus, Action)),
    ids=lambda value: str(value),
)
def test_every_action_from_every_status(status: DossierStatus, action: Action) -> None:
    transition = TRANSITIONS[action]
    if status in transition.sources:
        planned = plan(status, action)
        assert planned is transition
        expected = status if transition.target is None else transition.target
        assert planned.target_from(status) is expected
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            plan(status, action)
        assert refused.value.refusal is Refusal.STATUS
        assert refused.value.status is status
        assert refused.value.action is action
        assert action.label in str(refused.value) or "đã có kết quả" in str(refused.value)


@pytest.mark.parametrize(
    ("action", "actor"), list(itertools.product(Action, ACTORS)), ids=lambda value: str(value)
)
def test_every_actor_for_every_action(action: Action, actor: Actor) -> None:
    transition = TRANSITIONS[action]
    allowed = transition.automatic if isinstance(actor, SystemActor) else actor in transition.roles
    if allowed:
        assert plan(a_source(action), action, actor=actor) is transition
    else:
        with pytest.raises(TransitionNotAllowed, match="không được thực hiện") as refused:
            plan(a_source(action), action, actor=actor)
        assert refused.value.refusal is Refusal.ROLE


def test_who_does_what() -> None:
    """The split of work in rules.md §1.11 (NĐ 118/2025/NĐ-CP Điều 11, 17, 19, 21, 22, 23)."""
    by_role = {role: {a for a, t in TRANSITIONS.items() if role in t.roles} for role in Role}
    assert by_role[Role.CITIZEN] == {
        A.SUBMIT_ONLINE, A.RESUBMIT, A.SUPPLEMENT_RECEIVED, A.RECORD_PAYMENT, A.WITHDRAW,
    }  # fmt: skip
    assert {A.ACCEPT, A.REFUSE, A.FORWARD, A.RETURN_RESULT, A.CLOSE_UNSUPPLEMENTED} <= by_role[
        Role.RECEPTION_OFFICER
    ]
    assert by_role[Role.AUDITOR] == set()
    assert by_role[Role.ADMINISTRATOR] == set()
    assert by_role[Role.CENTER_DIRECTOR] == set()
    automatic = {a for a, t in TRANSITIONS.items() if t.automatic}
    assert automatic == {A.SUBMIT_ONLINE, A.CLOSE_UNSUPPLEMENTED, A.RECORD_PAYMENT}


def test_allowed_actions_follow_the_table() -> None:
    for status in DossierStatus:
        assert set(allowed_actions(status)) == {
            a for a, t in TRANSITIONS.items() if status in t.sources
        }
    assert allowed_actions(S.AWAITING_SIGNATURE, Role.AGENCY_LEADER) == [
        A.RETURN_STEP,
        A.SIGN,
        A.REFUSE_AFTER_APPRAISAL,
        A.REQUEST_EXTENSION,
    ]
    assert allowed_actions(S.SUPPLEMENT_REQUESTED, SystemActor.SYSTEM) == [A.CLOSE_UNSUPPLEMENTED]


def test_a_refusal_changes_nothing() -> None:
    facts = dataclasses.replace(PERMISSIVE, once_only_done=frozenset({A.REQUEST_EXTENSION}))
    before = dataclasses.asdict(facts)
    with pytest.raises(TransitionNotAllowed):
        plan(S.APPRAISING, A.REQUEST_EXTENSION, facts=facts)
    assert dataclasses.asdict(facts) == before
    assert TRANSITIONS[A.REQUEST_EXTENSION].target is None


# The rules that depend on facts -------------------------------------------------------------------


def test_supplement_at_reception_only_once() -> None:
    done = dataclasses.replace(PERMISSIVE, once_only_done=frozenset({A.REQUEST_SUPPLEMENT}))
    assert plan(S.SUBMITTED, A.REQUEST_SUPPLEMENT).target is S.SUPPLEMENT_REQUESTED_AT_RECEPTION
    with pytest.raises(TransitionNotAllowed, match="Điều 16 khoản 3") as refused:
        plan(S.SUBMITTED, A.REQUEST_SUPPLEMENT, facts=done)
    assert refused.value.refusal is Refusal.RULE
    assert "chỉ được yêu cầu bổ sung một lần" in str(refused.value)
    # After a second incomplete submission the officer can still accept or refuse.
    assert plan(S.SUBMITTED, A.REFUSE, facts=done).target is S.REFUSED_AT_RECEPTION


def test_supplement_after_appraisal_only_once() -> None:
    done = dataclasses.replace(
        PERMISSIVE, once_only_done=frozenset({A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL})
    )
    with pytest.raises(TransitionNotAllowed, match="một lần") as refused:
        plan(S.APPRAISING, A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL, facts=done)
    assert refused.value.refusal is Refusal.RULE
    # A request at reception does not use up the one after appraisal: they are distinct steps.
    at_reception = dataclasses.replace(PERMISSIVE, once_only_done=frozenset({A.REQUEST_SUPPLEMENT}))
    assert plan(S.APPRAISING, A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL, facts=at_reception)


def test_only_the_three_once_only_actions() -> None:
    assert {a for a, t in TRANSITIONS.items() if t.once_per_dossier} == ONCE_ONLY


@pytest.mark.parametrize(("days", "allowed"), [(0, True), (3, True), (4, False), (10, False)])
def test_supplement_after_appraisal_within_3_working_days(days: int, allowed: bool) -> None:
    facts = dataclasses.replace(PERMISSIVE, working_days_since_reception=days)
    if allowed:
        transition = plan(S.APPRAISING, A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL, facts=facts)
        assert transition.target is S.SUPPLEMENT_REQUESTED
        assert transition.clock is ClockEffect.PAUSE
    else:
        with pytest.raises(TransitionNotAllowed, match="03 ngày làm việc") as refused:
            plan(S.APPRAISING, A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL, facts=facts)
        assert f"đã {days} ngày làm việc" in str(refused.value)


def test_the_clock_restarts_from_the_full_supplement() -> None:
    transition = plan(S.SUPPLEMENT_REQUESTED, A.SUPPLEMENT_RECEIVED)
    assert transition.clock is ClockEffect.RESTART
    assert transition.target is S.APPRAISING


@pytest.mark.parametrize(("days", "allowed"), [(0, False), (14, False), (15, True), (40, True)])
def test_close_only_after_15_days_without_supplement(days: int, allowed: bool) -> None:
    facts = dataclasses.replace(PERMISSIVE, days_since_supplement_request=days)
    for status in (S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_REQUESTED_AT_RECEPTION):
        if allowed:
            transition = plan(status, A.CLOSE_UNSUPPLEMENTED, facts=facts)
            assert transition.target is S.CLOSED
            assert plan(status, A.CLOSE_UNSUPPLEMENTED, actor=SystemActor.SYSTEM, facts=facts)
        else:
            with pytest.raises(TransitionNotAllowed, match="15 ngày"):
                plan(status, A.CLOSE_UNSUPPLEMENTED, facts=facts)


@pytest.mark.parametrize(("days", "allowed"), [(-3, False), (0, False), (1, True), (9, True)])
def test_extension_at_least_one_day_before_the_deadline(days: int, allowed: bool) -> None:
    facts = dataclasses.replace(PERMISSIVE, days_until_due=days)
    if allowed:
        transition = plan(S.AWAITING_SIGNATURE, A.REQUEST_EXTENSION, facts=facts)
        assert transition.clock is ClockEffect.EXTEND
        assert transition.target_from(S.AWAITING_SIGNATURE) is S.AWAITING_SIGNATURE
    else:
        with pytest.raises(TransitionNotAllowed, match="chậm nhất 01 ngày trước ngày hết hạn"):
            plan(S.AWAITING_SIGNATURE, A.REQUEST_EXTENSION, facts=facts)


def test_extension_only_once() -> None:
    done = dataclasses.replace(PERMISSIVE, once_only_done=frozenset({A.REQUEST_EXTENSION}))
    with pytest.raises(TransitionNotAllowed, match="không quá một lần"):
        plan(S.APPRAISING, A.REQUEST_EXTENSION, facts=done)


def test_no_extension_while_the_clock_is_paused_or_stopped() -> None:
    sources = TRANSITIONS[A.REQUEST_EXTENSION].sources
    assert {CLOCK_STATE[s] for s in sources} == {ClockState.RUNNING}
    assert S.SUPPLEMENT_REQUESTED not in sources
    assert S.AWAITING_PAYMENT not in sources


@pytest.mark.parametrize("action", [A.WITHDRAW, A.STOP])
@pytest.mark.parametrize("status", sorted(DECIDED))
def test_no_stop_or_withdrawal_after_the_decision(action: Action, status: DossierStatus) -> None:
    with pytest.raises(TransitionNotAllowed, match="Không thể rút hồ sơ đã có kết quả giải quyết"):
        plan(status, action)


def test_withdrawal_any_time_before_the_decision() -> None:
    assert TRANSITIONS[A.WITHDRAW].sources == BEFORE_DECISION
    for status in BEFORE_DECISION:
        assert plan(status, A.WITHDRAW, actor=Role.CITIZEN).target is S.WITHDRAWAL_REQUESTED
    assert plan(S.WITHDRAWAL_REQUESTED, A.STOP).target is S.STOPPED
    assert BEFORE_DECISION.isdisjoint(DECIDED)
    assert BEFORE_DECISION | DECIDED | TERMINAL | {S.DRAFT, S.WITHDRAWAL_REQUESTED} == set(
        DossierStatus
    )


def test_correction_only_after_return() -> None:
    for status in DossierStatus:
        if status is S.RETURNED:
            transition = plan(status, A.REPORT_ERROR)
            assert transition.target is S.RESULT_UNDER_CORRECTION
            # The 3-working-day limit of Đ23.1 binds the agency: a new clock, not a refusal.
            assert transition.clock is ClockEffect.START
        else:
            with pytest.raises(TransitionNotAllowed):
                plan(status, A.REPORT_ERROR)
    assert CORRECTION_WITHIN_WORKING_DAYS == 3
    assert plan(S.RESULT_UNDER_CORRECTION, A.CORRECT_RESULT).target is S.RESOLVED
    assert plan(S.RESOLVED, A.RETURN_RESULT).target is S.RETURNED


def test_inter_agency_hand_over_needs_an_inter_agency_dossier() -> None:
    single = dataclasses.replace(PERMISSIVE, inter_agency=None)
    with pytest.raises(TransitionNotAllowed, match="liên thông"):
        plan(S.APPRAISING, A.HAND_OVER_TO_PARTNERS, facts=single)
    for mode in InterAgencyMode:
        facts = dataclasses.replace(PERMISSIVE, inter_agency=mode)
        transition = plan(S.APPRAISING, A.HAND_OVER_TO_PARTNERS, facts=facts)
        assert transition.target is S.AT_PARTNER_AGENCIES


@pytest.mark.parametrize("pending", [0, 1, 3])
def test_consulting_until_the_last_consultation_is_answered(pending: int) -> None:
    facts = dataclasses.replace(PERMISSIVE, consultations_pending=pending)
    transition = plan(S.CONSULTING, A.CONSULTATION_ANSWERED, facts=facts)
    expected = S.APPRAISING if pending == 0 else S.CONSULTING
    assert transition.target_from(S.CONSULTING) is expected
    assert transition.clock is ClockEffect.NONE
    assert (pending == 0) is (transition is TRANSITIONS[A.CONSULTATION_ANSWERED])
    # The fact only matters to the answer: every other action ignores it.
    assert TRANSITIONS[A.CONSULTATION_ANSWERED].target is S.APPRAISING
    for action in allowed_actions(S.CONSULTING):
        if action is not A.CONSULTATION_ANSWERED:
            assert plan(S.CONSULTING, action, facts=facts) is TRANSITIONS[action]
    assert [a for a, t in TRANSITIONS.items() if t.stays_while_consultations_pending] == [
        A.CONSULTATION_ANSWERED
    ]


def test_inter_agency_back_to_the_lead_when_every_partner_is_done() -> None:
    pending = dataclasses.replace(PERMISSIVE, partner_parts_pending=2)
    with pytest.raises(TransitionNotAllowed, match="Còn 2 cơ quan phối hợp"):
        plan(S.AT_PARTNER_AGENCIES, A.PARTNERS_COMPLETED, facts=pending)
    assert plan(S.AT_PARTNER_AGENCIES, A.PARTNERS_COMPLETED).target is S.APPRAISING


@pytest.mark.parametrize("action", [a for a, t in TRANSITIONS.items() if t.requires_reason])
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_reason_is_required(action: Action, reason: str) -> None:
    with pytest.raises(TransitionNotAllowed, match="Phải nêu rõ lý do") as refused:
        plan(a_source(action), action, reason=reason)
    assert refused.value.refusal is Refusal.REASON


def test_reasons_are_required_for_refusals_supplements_returns_and_apologies() -> None:
    assert {a for a, t in TRANSITIONS.items() if t.requires_reason} == {
        A.REQUEST_SUPPLEMENT, A.REFUSE, A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL, A.RETURN_STEP,
        A.REFUSE_AFTER_APPRAISAL, A.REQUEST_EXTENSION, A.REPORT_ERROR,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("action", "missing"),
    [
        (A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL, "working_days_since_reception"),
        (A.REQUEST_EXTENSION, "days_until_due"),
        (A.CLOSE_UNSUPPLEMENTED, "days_since_supplement_request"),
    ],
)
def test_a_missing_fact_is_a_programming_error(action: Action, missing: str) -> None:
    facts = DossierFacts()  # no durations at all
    with pytest.raises(ValueError, match=missing):
        plan(a_source(action), action, facts=facts)


def test_refusals_speak_vietnamese() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        plan(S.DRAFT, A.SIGN)
    assert str(refused.value) == (
        "Không thể “Ký số kết quả giải quyết” khi hồ sơ đang ở trạng thái “Nháp”. "
        "Thao tác này chỉ thực hiện được khi hồ sơ ở trạng thái: “Chờ lãnh đạo ký duyệt”."
    )
    assert refused.value.code == "transition_not_allowed"
    with pytest.raises(TransitionNotAllowed) as refused:
        plan(S.STOPPED, A.FORWARD)
    assert str(refused.value).startswith("Hồ sơ đã kết thúc ở trạng thái “Dừng xử lý”")
    with pytest.raises(TransitionNotAllowed) as refused:
        plan(S.AWAITING_SIGNATURE, A.SIGN, actor=Role.SPECIALIST)
    assert str(refused.value) == (
        "“Chuyên viên xử lý” không được thực hiện “Ký số kết quả giải quyết”. "
        "Thao tác này dành cho: “Lãnh đạo cơ quan”."
    )
    with pytest.raises(TransitionNotAllowed, match="Hệ thống"):
        plan(S.SUBMITTED, A.ACCEPT, actor=SystemActor.SYSTEM)


# The clock ----------------------------------------------------------------------------------------


def test_every_transition_leaves_the_clock_as_its_target_declares() -> None:
    for action, transition in TRANSITIONS.items():
        for source in transition.sources:
            after = next_clock_state(CLOCK_STATE[source], transition.clock)
            assert after is CLOCK_STATE[transition.target_from(source)], (action, source)


def test_the_clock_starts_at_acceptance_only() -> None:
    """NĐ 118/2025/NĐ-CP Điều 17 khoản 3; the correction limit of Điều 23 khoản 1 is its own."""
    starts = {a for a, t in TRANSITIONS.items() if t.clock is ClockEffect.START}
    assert starts == {A.ACCEPT, A.REPORT_ERROR}


@pytest.mark.parametrize(
    ("state", "effect"),
    [
        (ClockState.NOT_STARTED, ClockEffect.PAUSE),
        (ClockState.RUNNING, ClockEffect.START),
        (ClockState.RUNNING, ClockEffect.RESUME),
        (ClockState.PAUSED, ClockEffect.EXTEND),
        (ClockState.STOPPED, ClockEffect.STOP),
    ],
)
def test_meaningless_clock_effects_are_refused(state: ClockState, effect: ClockEffect) -> None:
    with pytest.raises(ValueError, match="meaningless"):
        next_clock_state(state, effect)


# The graph ----------------------------------------------------------------------------------------


def _successors(status: DossierStatus) -> set[DossierStatus]:
    return {TRANSITIONS[a].target_from(status) for a in allowed_actions(status)}


def _reachable(starts: set[DossierStatus]) -> set[DossierStatus]:
    seen, queue = set(starts), deque(starts)
    while queue:
        for nxt in _successors(queue.popleft()) - seen:
            seen.add(nxt)
            queue.append(nxt)
    return seen


def test_every_status_is_reachable_from_the_start() -> None:
    assert _reachable(set(START_STATUSES)) == set(DossierStatus)


@pytest.mark.parametrize("status", sorted(set(DossierStatus) - TERMINAL))
def test_every_open_status_can_reach_an_end(status: DossierStatus) -> None:
    assert _reachable({status}) & TERMINAL


def test_terminal_statuses_accept_only_the_correction_and_the_postal_delivery() -> None:
    open_doors = {(s, a) for s in TERMINAL for a in allowed_actions(s)}
    assert open_doors == {(S.RETURNED, A.REPORT_ERROR), (S.RETURNED, A.POSTAL_DELIVERED)}
    # recording the post's delivery leaves the dossier returned
    assert TRANSITIONS[A.POSTAL_DELIVERED].target is None


def test_the_start_status_is_entered_by_nothing() -> None:
    assert all(t.target not in START_STATUSES for t in TRANSITIONS.values())


# National codes -----------------------------------------------------------------------------------


def test_every_status_has_a_national_code_except_the_draft() -> None:
    assert set(NATIONAL_STATUS) == set(DossierStatus)
    unsynced = {s for s in DossierStatus if national_status(s) is None}
    assert unsynced == {S.DRAFT}
    assert set(NATIONAL_STATUS.values()) - {None} == set(NationalStatus), "all 10 codes used"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (S.SUBMITTED, 1),
        (S.RECEIVED, 2),
        (S.REFUSED_AT_RECEPTION, 3),
        (S.APPRAISING, 4),
        (S.SUPPLEMENT_REQUESTED_AT_RECEPTION, 5),
        (S.SUPPLEMENT_REQUESTED, 5),
        (S.AWAITING_PAYMENT, 6),
        (S.WITHDRAWAL_REQUESTED, 7),
        (S.STOPPED, 8),
        (S.CLOSED, 8),
        (S.RESOLVED, 9),
        (S.REFUSED_AFTER_APPRAISAL, 9),
        (S.RETURNED, 10),
    ],
)
def test_national_codes(status: DossierStatus, code: int) -> None:
    assert national_status(status) == code


def test_766_ends_processing_where_the_workflow_stops_the_clock() -> None:
    assert {c.value for c in TERMINAL_FOR_766} == {3, 7, 8, 9, 10}
    for status in DossierStatus:
        assert ends_processing_for_766(status) == (CLOCK_STATE[status] is ClockState.STOPPED), (
            status
        )
    assert all(ends_processing_for_766(s) for s in TERMINAL)


# Generated documentation --------------------------------------------------------------------------

WORKFLOW_MD = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"


def test_docs_workflow_md_is_current() -> None:
    assert WORKFLOW_MD.read_text(encoding="utf-8") == render_workflow_markdown(), (
        "docs/workflow.md is stale: run "
        "`.venv/bin/python -m motcua.dossiers.diagram > docs/workflow.md`"
    )


def test_the_diagram_has_every_status_and_every_action() -> None:
    diagram = mermaid_state_diagram()
    for status in DossierStatus:
        assert f'state "{status.label}" as {status.value}' in diagram
        assert '"' not in status.label
    for action in Action:
        assert action.label in diagram
        assert not set(action.label) & set(':;"#'), "would break a Mermaid edge label"
    markdown = render_workflow_markdown()
    for transition in TRANSITIONS.values():
        assert transition.legal_basis in markdown
