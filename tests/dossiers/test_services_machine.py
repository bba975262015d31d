"""Random action sequences through the services against the database (hypothesis stateful).

After every step: one current status whose national code is the mapping's; the due moment equals
the replay of the clock events; the control sheet and the clock history are append-only with
strictly increasing sequence numbers; the code never changes and codes are unique; a refused
action changed nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from tests.dossiers.conftest import MONDAY, World

from motcua.dossiers import services as sv
from motcua.dossiers.clock import replay_due
from motcua.dossiers.errors import DossierInvalid
from motcua.dossiers.models import ClockEvent, Dossier, DossierEvent, PartnerTask
from motcua.dossiers.national import NATIONAL_STATUS
from motcua.dossiers.workflow import Action, DossierStatus, TransitionNotAllowed, allowed_actions
from motcua.workcalendar.selectors import calendar_for

Op = Callable[["ServicesMachine", dt.datetime], Any]


def _ops(w: World) -> dict[str, Op]:
    def call(fn: Callable[..., Any], actor: Any, **kw: Any) -> Op:
        return lambda m, at: fn(actor=actor, dossier=m.code, at=at, **kw)

    return {
        "accept": call(sv.dossier_accept, w.reception),
        "request_supplement": call(sv.dossier_request_supplement, w.reception, reason="Thiếu"),
        "resubmit": call(sv.dossier_resubmit, w.reception),
        "refuse": call(sv.dossier_refuse, w.reception, reason="Không đủ điều kiện"),
        "forward": call(sv.dossier_forward, w.reception),
        "assign": call(sv.dossier_assign, w.head, assignee=w.specialist),
        "supplement_after": call(
            sv.dossier_request_supplement_after_appraisal, w.specialist, reason="Thiếu bản vẽ"
        ),
        "receive_supplement": call(sv.dossier_receive_supplement, w.reception),
        "close": lambda m, at: sv.dossier_close_unsupplemented(actor=None, dossier=m.code, at=at),
        "request_payment": call(sv.dossier_request_payment, w.specialist, amount=100_000),
        "record_payment": lambda m, at: sv.dossier_record_payment(
            actor=None, dossier=m.code, at=at
        ),
        "submit_draft": call(sv.dossier_submit_draft, w.specialist),
        "approve": call(sv.dossier_approve, w.head),
        "return_step": call(sv.dossier_return_step, w.head, reason="Sửa dự thảo"),
        "sign": call(sv.dossier_sign, w.leader),
        "refuse_after": call(sv.dossier_refuse_after_appraisal, w.leader, reason="Không đủ"),
        "extend": lambda m, at: sv.dossier_request_extension(
            actor=w.head,
            dossier=m.code,
            at=at,
            reason="Phải xác minh",
            new_due_at=max(m.due_or(at), at) + dt.timedelta(days=5),
        ),
        "withdraw": call(sv.dossier_withdraw, w.reception),
        "stop": call(sv.dossier_stop, w.reception),
        "return_result": call(sv.dossier_return_result, w.reception),
        "report_error": call(sv.dossier_report_error, w.reception, reason="Sai tên"),
        "correct": call(sv.dossier_correct_result, w.leader),
        "consult": lambda m, at: sv.dossier_consult(
            actor=w.specialist,
            dossier=m.code,
            agency=w.partner,
            question="Ý kiến?",
            due_at=at + dt.timedelta(days=3),
            at=at,
        ),
        "answer": lambda m, at: sv.dossier_answer_consultation(
            actor=w.specialist,
            dossier=m.code,
            consultation=m.open_consultation(),
            answer="Đồng ý",
            at=at,
        ),
        "wrong_actor_sign": call(sv.dossier_sign, w.specialist),
        "outsider_accept": call(sv.dossier_accept, w.other_reception),
    }


A = Action
#: The workflow action behind each operation (for biasing towards allowed actions).
OP_ACTION: dict[str, Action] = {
    "accept": A.ACCEPT,
    "request_supplement": A.REQUEST_SUPPLEMENT,
    "resubmit": A.RESUBMIT,
    "refuse": A.REFUSE,
    "forward": A.FORWARD,
    "assign": A.ASSIGN,
    "supplement_after": A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL,
    "receive_supplement": A.SUPPLEMENT_RECEIVED,
    "close": A.CLOSE_UNSUPPLEMENTED,
    "request_payment": A.REQUEST_PAYMENT,
    "record_payment": A.RECORD_PAYMENT,
    "submit_draft": A.SUBMIT_DRAFT,
    "approve": A.APPROVE,
    "return_step": A.RETURN_STEP,
    "sign": A.SIGN,
    "refuse_after": A.REFUSE_AFTER_APPRAISAL,
    "extend": A.REQUEST_EXTENSION,
    "withdraw": A.WITHDRAW,
    "stop": A.STOP,
    "return_result": A.RETURN_RESULT,
    "report_error": A.REPORT_ERROR,
    "correct": A.CORRECT_RESULT,
    "consult": A.CONSULT,
    "answer": A.CONSULTATION_ANSWERED,
}


HAPPY_PATH = ("accept", "forward", "assign", "submit_draft", "approve", "sign", "return_result")
ENDING = frozenset({"withdraw", "refuse", "close", "stop", "refuse_after"})


class ServicesMachine(RuleBasedStateMachine):
    world: World
    counter = 0

    def __init__(self) -> None:
        super().__init__()
        ServicesMachine.counter += 1
        self.now = MONDAY + dt.timedelta(minutes=ServicesMachine.counter)
        dossier = self.world.receive(n=10_000 + ServicesMachine.counter, at=self.now)
        self.pk = dossier.pk
        self.code = dossier.code
        self.ops = _ops(self.world)
        self.events: list[tuple[Any, ...]] = self.history()

    def due_or(self, at: dt.datetime) -> dt.datetime:
        return Dossier.objects.get(pk=self.pk).due_at or at

    def open_consultation(self) -> Any:
        found = Dossier.objects.get(pk=self.pk).consultations.filter(answered_at__isnull=True)
        return found.first() or Dossier.objects.get(pk=self.pk).consultations.first()

    def history(self) -> list[tuple[Any, ...]]:
        return [
            *DossierEvent.objects.filter(dossier_id=self.pk)
            .order_by("seq")
            .values_list("id", "seq", "action", "from_status", "to_status", "at"),
            *ClockEvent.objects.filter(dossier_id=self.pk)
            .order_by("seq")
            .values_list("id", "seq", "kind", "at", "due_before", "due_after"),
        ]

    def snapshot(self) -> tuple[Any, ...]:
        row = Dossier.objects.filter(pk=self.pk).values().get()
        row.pop("updated_at")
        return (tuple(sorted(row.items())), len(self.history()))

    @initialize(depth=st.integers(0, len(HAPPY_PATH)))
    def start_somewhere(self, depth: int) -> None:
        """Start from a random point of the happy path, so later statuses are explored too."""
        for name in HAPPY_PATH[:depth]:
            self.now += dt.timedelta(hours=2)
            self.ops[name](self, self.now)
        self.events = self.history()

    @rule(
        data=st.data(),
        minutes=st.sampled_from([0, 30, 90, 8 * 60, 26 * 60, 3 * 24 * 60, 16 * 24 * 60]),
    )
    def act(self, data: st.DataObject, minutes: int) -> None:
        status = DossierStatus(Dossier.objects.get(pk=self.pk).status)
        allowed = set(allowed_actions(status))
        fitting = sorted(n for n, a in OP_ACTION.items() if a in allowed)
        # Favour the actions that move the dossier on over those that end it early.
        fitting += [n for n in fitting if n not in ENDING] * 3
        anything = data.draw(
            st.booleans().filter(lambda b: b or bool(fitting)) if fitting else st.just(True)
        )
        name = data.draw(st.sampled_from(sorted(self.ops) if anything else fitting))
        self.now += dt.timedelta(minutes=minutes)
        before = self.snapshot()
        try:
            self.ops[name](self, self.now)
        except (TransitionNotAllowed, DossierInvalid, sv.DossierNotFound):
            assert self.snapshot() == before  # a refusal changes nothing
        except AttributeError:  # "answer" without any consultation: nothing to answer
            if name != "answer":
                raise
            assert self.snapshot() == before

    @rule()
    def partners_done(self) -> None:
        for task in PartnerTask.objects.filter(dossier_id=self.pk, completed_at__isnull=True):
            sv.partner_task_complete(actor=None, task=task, at=self.now)

    @invariant()
    def consistent(self) -> None:
        d = Dossier.objects.get(pk=self.pk)
        assert d.code == self.code
        code = NATIONAL_STATUS[DossierStatus(d.status)]
        assert d.national_status == (int(code) if code is not None else None)
        clock_events = list(ClockEvent.objects.filter(dossier=d).order_by("seq"))
        assert replay_due(clock_events, calendar_for(d.receiving_agency)) == d.due_at
        history = self.history()
        assert history[: len(self.events)] == self.events or self._prefix(history)
        self.events = history
        seqs = list(DossierEvent.objects.filter(dossier=d).values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
        clock_seqs = [e.seq for e in clock_events]
        assert clock_seqs == list(range(1, len(clock_seqs) + 1))
        last = DossierEvent.objects.filter(dossier=d).order_by("-seq").first()
        assert last is not None
        assert last.to_status == d.status
        codes = list(Dossier.objects.values_list("code", flat=True))
        assert len(codes) == len(set(codes))

    def _prefix(self, history: list[tuple[Any, ...]]) -> bool:
        """Both logs only grew: every earlier row is still there, unchanged."""
        return set(self.events) <= set(history)


@pytest.mark.django_db
def test_random_action_sequences_through_the_services(world: World) -> None:
    ServicesMachine.world = world
    run_state_machine_as_test(
        ServicesMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # The sequences really travel the lifecycle, not only refusals.
    reached = set(DossierEvent.objects.values_list("to_status", flat=True))
    assert len(reached) >= 8, reached
