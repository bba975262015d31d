"""Random action sequences through ``plan_transition`` against a small model of a dossier (status,
facts, append-only events), checking the lifecycle's invariants after every step. Pure rules: no
database."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from motcua.accounts.roles import Role
from motcua.dossiers.workflow import (
    CLOCK_STATE,
    DECIDED,
    EXTENSION_MIN_DAYS_BEFORE_DUE,
    SUPPLEMENT_AFTER_APPRAISAL_MAX_WORKING_DAYS,
    TERMINAL,
    TRANSITIONS,
    Action,
    Actor,
    ClockState,
    DossierFacts,
    DossierStatus,
    InterAgencyMode,
    Refusal,
    SystemActor,
    TransitionNotAllowed,
    allowed_actions,
    may_act,
    next_clock_state,
    plan_transition,
)

S = DossierStatus
A = Action
ACTORS: list[Actor] = [*Role, SystemActor.SYSTEM]
ONCE_ONLY = frozenset(a for a, t in TRANSITIONS.items() if t.once_per_dossier)


@dataclasses.dataclass(frozen=True)
class Event:
    """One row of the control sheet, as the model records it."""

    action: Action
    source: DossierStatus
    target: DossierStatus
    actor: Actor
    facts: DossierFacts


timings = st.fixed_dictionaries(
    {
        "working_days_since_reception": st.integers(0, 6),
        "days_until_due": st.integers(-2, 6),
        "days_since_supplement_request": st.integers(0, 20),
    }
)
favourable_timings = st.fixed_dictionaries(
    {
        "working_days_since_reception": st.integers(0, 4),
        "days_until_due": st.integers(0, 6),
        "days_since_supplement_request": st.integers(10, 20),
    }
)
reasons = st.sampled_from(["", "  ", "Thiếu tờ khai theo mẫu"])


class DossierMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.status = S.DRAFT
        self.events: list[Event] = []
        self.seen: list[Event] = []
        self.clock = ClockState.NOT_STARTED
        self.inter_agency: InterAgencyMode | None = None
        self.partner_parts_pending = 0
        self.consultations_open = 0

    @initialize(mode=st.sampled_from([None, *InterAgencyMode]))
    def choose_kind(self, mode: InterAgencyMode | None) -> None:
        self.inter_agency = mode

    def facts(self, timing: dict[str, int]) -> DossierFacts:
        return DossierFacts(
            once_only_done=frozenset(e.action for e in self.events if e.action in ONCE_ONLY),
            inter_agency=self.inter_agency,
            partner_parts_pending=self.partner_parts_pending,
            consultations_pending=max(self.consultations_open - 1, 0),
            **timing,
        )

    def attempt(self, action: Action, actor: Actor, facts: DossierFacts, reason: str) -> None:
        before = (
            self.status,
            list(self.events),
            self.clock,
            self.partner_parts_pending,
            self.consultations_open,
        )
        transition = TRANSITIONS[action]
        try:
            planned = plan_transition(self.status, action, actor=actor, facts=facts, reason=reason)
        except TransitionNotAllowed as refused:
            self.check_refusal(refused, before, action, actor, facts)
            return
        if transition.stays_while_consultations_pending and facts.consultations_pending > 0:
            assert planned.target is None  # not the last answer: still consulting
            transition = planned
        assert planned is transition
        assert self.status in transition.sources
        assert may_act(transition, actor)
        assert not (transition.requires_reason and not reason.strip())
        target = transition.target_from(self.status)
        self.events.append(Event(action, self.status, target, actor, facts))
        self.clock = next_clock_state(self.clock, transition.clock)
        self.status = target
        if action is A.HAND_OVER_TO_PARTNERS:
            self.partner_parts_pending = 2
        if action is A.CONSULT:
            self.consultations_open += 1
        if action is A.CONSULTATION_ANSWERED:
            self.consultations_open -= 1

    def check_refusal(
        self,
        refused: TransitionNotAllowed,
        before: tuple[object, ...],
        action: Action,
        actor: Actor,
        facts: DossierFacts,
    ) -> None:
        """A refusal changed nothing and names the first rule that fails."""
        assert (
            self.status,
            self.events,
            self.clock,
            self.partner_parts_pending,
            self.consultations_open,
        ) == before
        assert refused.status is self.status
        assert refused.action is action
        assert str(refused)
        transition = TRANSITIONS[action]
        if self.status not in transition.sources:
            assert refused.refusal is Refusal.STATUS
        elif not may_act(transition, actor):
            assert refused.refusal is Refusal.ROLE
        elif transition.once_per_dossier and action in facts.once_only_done:
            assert refused.refusal is Refusal.RULE
        else:
            assert refused.refusal in (Refusal.RULE, Refusal.REASON)

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """One attempt in four is any action by anyone with any facts (mostly refused); the
        others pick an action the table allows from here, by someone allowed, with a reason and
        mostly favourable facts, rarely a withdrawal, so that runs go deep into the process."""
        if data.draw(st.integers(0, 3), label="anything") == 0:
            action = data.draw(st.sampled_from(Action), label="action")
            actor = data.draw(st.sampled_from(ACTORS), label="actor")
            timing = data.draw(timings, label="timing")
            reason = data.draw(reasons, label="reason")
        else:
            allowed = allowed_actions(self.status)
            if not allowed:
                return
            preferred = [a for a in allowed if a is not A.WITHDRAW] or allowed
            if data.draw(st.integers(0, 9), label="withdraw?") == 0:
                preferred = allowed
            action = data.draw(st.sampled_from(preferred), label="action")
            transition = TRANSITIONS[action]
            actor = data.draw(
                st.sampled_from([a for a in ACTORS if may_act(transition, a)]), label="actor"
            )
            timing = data.draw(favourable_timings, label="timing")
            reason = "Thiếu tờ khai theo mẫu"
        self.attempt(action, actor, self.facts(timing), reason)

    @precondition(lambda self: self.partner_parts_pending > 0)
    @rule()
    def a_partner_agency_finishes_its_part(self) -> None:
        self.partner_parts_pending -= 1

    # Invariants -------------------------------------------------------------------------------

    @invariant()
    def exactly_one_current_status(self) -> None:
        assert isinstance(self.status, DossierStatus)
        assert self.status is (self.events[-1].target if self.events else S.DRAFT)

    @invariant()
    def the_event_list_only_grows(self) -> None:
        assert self.events[: len(self.seen)] == self.seen
        self.seen = list(self.events)

    @invariant()
    def events_chain(self) -> None:
        previous = S.DRAFT
        for event in self.events:
            assert event.source is previous
            assert event.source in TRANSITIONS[event.action].sources
            previous = event.target

    @invariant()
    def once_only_actions_happen_once(self) -> None:
        for action in ONCE_ONLY:
            assert sum(e.action is action for e in self.events) <= 1

    @invariant()
    def the_clock_matches_the_status(self) -> None:
        assert self.clock is CLOCK_STATE[self.status]

    @invariant()
    def time_rules_held_when_applied(self) -> None:
        for event in self.events:
            if event.action is A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL:
                days = event.facts.working_days_since_reception
                assert days is not None
                assert days <= SUPPLEMENT_AFTER_APPRAISAL_MAX_WORKING_DAYS
            if event.action is A.REQUEST_EXTENSION:
                assert event.facts.days_until_due is not None
                assert event.facts.days_until_due >= EXTENSION_MIN_DAYS_BEFORE_DUE
            if event.action is A.HAND_OVER_TO_PARTNERS:
                assert self.inter_agency is not None
            if event.action is A.PARTNERS_COMPLETED:
                assert event.facts.partner_parts_pending == 0
            if event.action is A.CONSULTATION_ANSWERED:
                last = event.facts.consultations_pending == 0
                assert event.target is (S.APPRAISING if last else S.CONSULTING)

    @invariant()
    def consulting_while_a_consultation_is_open(self) -> None:
        assert self.consultations_open >= 0
        if self.status is S.CONSULTING:
            assert self.consultations_open >= 1

    @invariant()
    def nothing_leaves_an_end_but_a_correction(self) -> None:
        for event in self.events:
            if event.source in TERMINAL:
                assert (event.source, event.action) in {
                    (S.RETURNED, A.REPORT_ERROR),
                    (S.RETURNED, A.POSTAL_DELIVERED),  # recorded; the status stays
                }
                if event.action is A.POSTAL_DELIVERED:
                    assert event.target == event.source

    @invariant()
    def no_withdrawal_after_the_decision(self) -> None:
        decided = False
        for event in self.events:
            if decided:
                assert event.action not in (A.WITHDRAW, A.STOP)
            decided = decided or event.target in DECIDED


DossierMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDossierMachine = DossierMachine.TestCase
