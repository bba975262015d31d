"""Processing through the services against the database: the happy path, refusals that change
nothing, clocks (pause, restart, extension) replayed from their events, steps and timeliness."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.apps import apps as django_apps
from tests.dossiers.conftest import TZ, World, at

from motcua.audit.models import AuditEntry
from motcua.catalogue.models import ProcessStep
from motcua.dossiers import services as sv
from motcua.dossiers.clock import classify, replay_due, working_hours
from motcua.dossiers.errors import DossierConflict, DossierInvalid
from motcua.dossiers.models import (
    ClockEvent,
    Consultation,
    Dossier,
    DossierEvent,
    PartnerTask,
)
from motcua.dossiers.national import NATIONAL_STATUS
from motcua.dossiers.workflow import DossierStatus, TransitionNotAllowed
from motcua.workcalendar.selectors import calendar_for

pytestmark = pytest.mark.django_db
S = DossierStatus


def snapshot(dossier: Dossier) -> tuple[object, ...]:
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (
        tuple(
            getattr(fresh, f.attname)
            for f in Dossier._meta.concrete_fields
            if f.name != "updated_at"
        ),
        DossierEvent.objects.filter(dossier=dossier).count(),
        ClockEvent.objects.filter(dossier=dossier).count(),
    )


def check_invariants(dossier: Dossier) -> None:
    fresh = Dossier.objects.get(pk=dossier.pk)
    code = NATIONAL_STATUS[S(fresh.status)]
    assert fresh.national_status == (int(code) if code is not None else None)
    events = list(ClockEvent.objects.filter(dossier=fresh).order_by("seq"))
    assert replay_due(events, calendar_for(fresh.receiving_agency)) == fresh.due_at
    seqs = list(DossierEvent.objects.filter(dossier=fresh).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    last = DossierEvent.objects.filter(dossier=fresh).order_by("-seq").first()
    assert last is not None
    assert last.to_status == fresh.status


def accepted(world: World, **kwargs: object) -> Dossier:
    dossier = world.receive(**kwargs)  # type: ignore[arg-type]
    return sv.dossier_accept(actor=world.reception, dossier=dossier.code, at=at(2, 9, 30))


def appraising(world: World) -> Dossier:
    dossier = accepted(world)
    sv.dossier_forward(actor=world.reception, dossier=dossier.code, at=at(2, 10))
    return sv.dossier_assign(
        actor=world.head, dossier=dossier.code, assignee=world.specialist, at=at(2, 11)
    )


def test_happy_path_from_counter_to_returned_result(world: World) -> None:
    dossier = accepted(world)
    # 5 working days from Monday 09:30 = the next Monday 09:30 (ND118 Đ17.3).
    assert dossier.received_at == at(2, 9, 30)
    assert dossier.due_at == at(9, 9, 30)
    assert dossier.original_due_at == dossier.due_at
    assert dossier.status == S.RECEIVED
    assert dossier.clock_state == "running"
    assert dossier.current_step is not None
    assert dossier.current_step.order == 1
    assert dossier.step_due_at is not None
    assert dossier.step_due_at < dossier.due_at

    d = sv.dossier_forward(actor=world.reception, dossier=dossier.code, at=at(2, 10))
    assert d.current_agency == world.land
    assert d.status == S.AWAITING_ASSIGNMENT
    d = sv.dossier_assign(actor=world.head, dossier=d.code, assignee=world.specialist, at=at(2, 11))
    assert d.assigned_to == world.specialist
    assert d.current_step.order == 3
    d = sv.dossier_submit_draft(actor=world.specialist, dossier=d.code, at=at(4, 9))
    d = sv.dossier_approve(actor=world.head, dossier=d.code, at=at(4, 10))
    d = sv.dossier_sign(actor=world.leader, dossier=d.code, at=at(5, 9))
    assert d.status == S.RESOLVED
    assert d.clock_state == "stopped"
    assert d.outcome == "early"
    assert d.ended_at == at(5, 9)
    d = sv.dossier_return_result(actor=world.reception, dossier=d.code, at=at(5, 14))
    assert d.status == S.RETURNED
    assert d.national_status == 10
    assert d.current_agency == world.center
    check_invariants(d)

    sheet = list(DossierEvent.objects.filter(dossier=d).order_by("seq"))
    assert [e.action for e in sheet] == [
        "receive_direct",
        "accept",
        "forward",
        "assign",
        "submit_draft",
        "approve",
        "sign",
        "return_result",
    ]
    forward = sheet[2]
    assert (forward.from_agency, forward.to_agency) == (world.center, world.land)
    assert forward.step is not None
    assert forward.outcome in ("early", "on_time")
    assert sheet[3].to_user == world.specialist
    assert AuditEntry.objects.filter(object_id=str(d.uuid)).count() >= len(sheet)


def test_refusals_change_nothing(world: World) -> None:
    dossier = accepted(world)
    before = snapshot(dossier)
    with pytest.raises(TransitionNotAllowed, match="Không thể"):
        sv.dossier_sign(actor=world.leader, dossier=dossier.code, at=at(3))
    with pytest.raises(TransitionNotAllowed, match="không được thực hiện"):
        sv.dossier_forward(actor=world.specialist, dossier=dossier.code, at=at(3))
    with pytest.raises(TransitionNotAllowed, match="lý do"):
        sv.dossier_refuse(actor=world.reception, dossier=world.receive(n=2).code, reason=" ")
    assert snapshot(dossier) == before


def test_optimistic_conflict(world: World) -> None:
    dossier = accepted(world)
    seen = dossier.version
    sv.dossier_forward(
        actor=world.reception, dossier=dossier.code, expected_version=seen, at=at(2, 10)
    )
    before = snapshot(dossier)
    with pytest.raises(DossierConflict, match="vừa được người khác cập nhật"):
        sv.dossier_forward(
            actor=world.reception, dossier=dossier.code, expected_version=seen, at=at(2, 10)
        )
    assert snapshot(dossier) == before


def test_time_limit_needing_review_requires_a_due_date(world: World) -> None:
    dossier = world.receive(procedure=world.review_version.procedure, documents=[])
    with pytest.raises(DossierInvalid, match="ngày hẹn trả"):
        sv.dossier_accept(actor=world.reception, dossier=dossier.code, at=at(2, 10))
    due = at(12, 17)
    d = sv.dossier_accept(actor=world.reception, dossier=dossier.code, due_at=due, at=at(2, 10))
    assert d.due_at == due
    check_invariants(d)


def test_supplement_after_appraisal_restarts_the_clock(world: World) -> None:
    d = appraising(world)
    d = sv.dossier_request_supplement_after_appraisal(
        actor=world.specialist, dossier=d.code, reason="Thiếu bản vẽ", at=at(3, 9)
    )
    assert d.status == S.SUPPLEMENT_REQUESTED
    assert d.clock_state == "paused"
    assert d.national_status == 5
    d = sv.dossier_receive_supplement(actor=world.reception, dossier=d.code, at=at(10, 14))
    # The full 5 working days again from the supplement (ND118 Đ19.5).
    assert d.due_at == at(17, 14)
    assert d.clock_state == "running"
    assert d.status == S.APPRAISING
    check_invariants(d)
    kinds = list(ClockEvent.objects.filter(dossier=d).values_list("kind", flat=True))
    assert kinds == ["start", "pause", "restart"]
    with pytest.raises(TransitionNotAllowed, match="một lần"):
        sv.dossier_request_supplement_after_appraisal(
            actor=world.specialist, dossier=d.code, reason="Thiếu nữa", at=at(10, 15)
        )


def test_supplement_after_three_working_days_is_refused(world: World) -> None:
    d = appraising(world)
    with pytest.raises(TransitionNotAllowed, match="03 ngày làm việc"):
        sv.dossier_request_supplement_after_appraisal(
            actor=world.specialist, dossier=d.code, reason="Thiếu", at=at(6, 10)
        )


def test_payment_pauses_and_pushes_the_due_moment(world: World) -> None:
    d = appraising(world)
    due = d.due_at
    d = sv.dossier_request_payment(
        actor=world.specialist, dossier=d.code, amount=50_000, at=at(3, 9)
    )
    d = sv.dossier_record_payment(actor=None, dossier=d.code, at=at(4, 9))
    # One working day paused → due one working day later.
    assert d.due_at == at(10, 9, 30)
    assert due is not None
    assert d.due_at > due
    assert d.paid_at == at(4, 9)
    check_invariants(d)


def test_extension_once_and_at_least_a_day_before(world: World) -> None:
    d = appraising(world)
    with pytest.raises(TransitionNotAllowed, match="chậm nhất"):
        sv.dossier_request_extension(
            actor=world.head,
            dossier=d.code,
            new_due_at=at(12, 17),
            reason="Phải xác minh",
            at=at(9, 8),
        )
    step, step_due, due = d.current_step, d.step_due_at, d.due_at
    assert step is not None
    assert step_due is not None
    assert due is not None
    d = sv.dossier_request_extension(
        actor=world.head,
        dossier=d.code,
        new_due_at=at(12, 17),
        reason="Phải xác minh",
        at=at(5, 9),
    )
    assert d.due_at == at(12, 17)
    assert d.original_due_at == at(9, 9, 30)
    assert d.extension_used
    check_invariants(d)
    # The current step keeps its place and gets its share of the added working time, among the
    # shares of the steps still to come (docs/dossiers.md "Steps").
    cal = calendar_for(d.receiving_agency)
    steps = list(ProcessStep.objects.filter(version=d.procedure_version).order_by("order"))
    remaining = sum((s.share for s in steps[steps.index(step) :]), Decimal(0))
    added = working_hours(cal, due, at(12, 17)) * Fraction(step.share) / Fraction(remaining)
    assert d.current_step == step
    assert d.step_due_at == cal.add_working_hours(step_due, added)
    assert step_due < d.step_due_at < d.due_at
    fresh = Dossier.objects.get(pk=d.pk)
    assert fresh.step_due_at == d.step_due_at
    # Leaving the step classifies it against its extended due moment.
    d = sv.dossier_submit_draft(actor=world.specialist, dossier=d.code, at=at(5, 10))
    closing = DossierEvent.objects.get(dossier=d, action="submit_draft")
    assert closing.step_id == step.pk
    assert closing.step_due_at == fresh.step_due_at
    check_invariants(d)
    with pytest.raises(TransitionNotAllowed, match="một lần"):
        sv.dossier_request_extension(
            actor=world.head,
            dossier=d.code,
            new_due_at=at(13, 17),
            reason="Lần nữa",
            at=at(6, 9),
        )


def test_late_decision_is_classified_late(world: World) -> None:
    d = appraising(world)
    d = sv.dossier_submit_draft(actor=world.specialist, dossier=d.code, at=at(9, 9))
    d = sv.dossier_approve(actor=world.head, dossier=d.code, at=at(9, 10))
    d = sv.dossier_sign(actor=world.leader, dossier=d.code, at=at(9, 11))
    assert d.outcome == "late"
    sign = DossierEvent.objects.get(dossier=d, action="sign")
    assert sign.data["outcome"] == "late"


def test_classification_rule() -> None:
    due = dt.datetime(2026, 3, 9, 9, 30, tzinfo=TZ)
    assert classify(due - dt.timedelta(days=1), due) == "early"
    assert classify(due - dt.timedelta(minutes=5), due) == "on_time"
    assert classify(due, due) == "on_time"
    assert classify(due + dt.timedelta(seconds=1), due) == "late"


def test_reception_supplement_resubmit_refuse_and_withdraw(world: World) -> None:
    d = world.receive()
    d = sv.dossier_request_supplement(
        actor=world.reception, dossier=d.code, reason="Thiếu tờ khai", at=at(2, 10)
    )
    assert d.status == S.SUPPLEMENT_REQUESTED_AT_RECEPTION
    d = sv.dossier_resubmit(actor=world.reception, dossier=d.code, at=at(3, 10))
    assert d.status == S.SUBMITTED
    d = sv.dossier_refuse(
        actor=world.reception, dossier=d.code, reason="Không thuộc thẩm quyền", at=at(3, 11)
    )
    assert d.status == S.REFUSED_AT_RECEPTION
    assert d.national_status == 3
    assert d.ended_at
    other = accepted(world, n=2)
    other = sv.dossier_withdraw(actor=world.reception, dossier=other.code, at=at(3))
    other = sv.dossier_stop(actor=world.reception, dossier=other.code, at=at(3, 10))
    assert other.status == S.STOPPED
    assert other.national_status == 8
    check_invariants(other)


def test_auto_close_after_fifteen_days(world: World) -> None:
    d = appraising(world)
    sv.dossier_request_supplement_after_appraisal(
        actor=world.specialist, dossier=d.code, reason="Thiếu bản vẽ", at=at(3, 9)
    )
    assert sv.dossier_close_unsupplemented_all(at=at(17, 9)).closed == 0
    report = sv.dossier_close_unsupplemented_all(at=at(18, 9))
    assert report.closed == 1
    d = Dossier.objects.get(pk=d.pk)
    assert d.status == S.CLOSED
    assert d.national_status == 8
    event = DossierEvent.objects.filter(dossier=d).order_by("-seq").first()
    assert event is not None
    assert event.actor is None
    assert event.actor_label.startswith("Hệ thống")
    check_invariants(d)


def test_online_alert_and_decision_clocks(world: World) -> None:
    d = sv.dossier_submit_online(
        actor=world.citizen,
        procedure=world.procedure,
        receiving_agency=world.center,
        applicant=world.applicant(user=world.citizen),
        at=at(2, 16),
    )
    assert d.alert_due_at == at(2, 18)
    # 8 working hours from Monday 16:00 = Tuesday 16:00 (working day 07:00–11:30, 13:00–17:00).
    assert d.decision_due_at is not None
    assert d.decision_due_at.date() == dt.date(2026, 3, 3)
    report = sv.dossier_check_online_clocks(at=at(2, 17))
    assert (report.alerted, report.alert_breaches, report.decision_breaches) == (1, 0, 0)
    report = sv.dossier_check_online_clocks(at=at(4, 9))
    assert report.decision_breaches == 1
    d = Dossier.objects.get(pk=d.pk)
    assert d.decision_breached
    assert not d.alert_breached
    kinds = list(ClockEvent.objects.filter(dossier=d).values_list("kind", flat=True))
    assert kinds == ["decision_breach"]
    # Idempotent.
    assert sv.dossier_check_online_clocks(at=at(4, 10)).decision_breaches == 0
    late = sv.dossier_submit_online(
        actor=None,
        procedure=world.procedure,
        receiving_agency=world.center,
        applicant=world.applicant(n=3),
        at=at(2, 8),
    )
    assert sv.dossier_check_online_clocks(at=at(2, 11)).alert_breaches == 1
    late = sv.dossier_accept(actor=world.reception, dossier=late.code, at=at(3, 15))
    assert late.decision_breached  # recorded at the late acceptance itself
    check_invariants(late)


def test_correction_within_three_working_days(world: World) -> None:
    d = appraising(world)
    for step, who in (
        (sv.dossier_submit_draft, world.specialist),
        (sv.dossier_approve, world.head),
        (sv.dossier_sign, world.leader),
        (sv.dossier_return_result, world.reception),
    ):
        d = step(actor=who, dossier=d.code, at=at(4, 9))
    d = sv.dossier_report_error(
        actor=world.reception, dossier=d.code, reason="Sai tên chủ sử dụng", at=at(5, 9)
    )
    assert d.status == S.RESULT_UNDER_CORRECTION
    assert d.due_at == at(10, 9)
    check_invariants(d)
    d = sv.dossier_correct_result(actor=world.leader, dossier=d.code, at=at(6, 9))
    assert d.status == S.RESOLVED
    assert d.outcome == "early"
    check_invariants(d)


def test_consultation_and_partners(world: World) -> None:
    d = appraising(world)
    d = sv.dossier_consult(
        actor=world.specialist,
        dossier=d.code,
        agency=world.partner,
        question="Xác nhận nghĩa vụ tài chính",
        due_at=at(4, 17),
        at=at(3, 9),
    )
    assert d.status == S.CONSULTING
    consultation = d.consultations.get()
    d = sv.dossier_answer_consultation(
        actor=world.specialist,
        dossier=d.code,
        consultation=consultation,
        answer="Đã hoàn thành",
        at=at(4, 9),
    )
    assert d.status == S.APPRAISING
    with pytest.raises(TransitionNotAllowed, match="liên thông"):
        sv.dossier_hand_over_to_partners(
            actor=world.specialist,
            dossier=d.code,
            partners=[sv.PartnerInput(world.partner, "Thẩm định giá", at(5, 17))],
            at=at(4, 10),
        )


def consultation_state(dossier: Dossier) -> tuple[object, ...]:
    rows = Consultation.objects.filter(dossier=dossier).order_by("pk")
    return snapshot(dossier), tuple(rows.values_list("pk", "answered_at", "answer"))


def test_several_consultations_return_to_appraisal_with_the_last_answer(world: World) -> None:
    d = appraising(world)
    for question, due in (("Xác nhận nghĩa vụ tài chính", at(4, 17)), ("Quy hoạch", at(5, 17))):
        d = sv.dossier_consult(
            actor=world.specialist,
            dossier=d.code,
            agency=world.partner,
            question=question,
            due_at=due,
            at=at(3, 9),
        )
    assert d.status == S.CONSULTING
    first, second = d.consultations.order_by("pk")
    d = sv.dossier_answer_consultation(
        actor=world.specialist, dossier=d.code, consultation=first, answer="Đồng ý", at=at(4, 9)
    )
    assert d.status == S.CONSULTING
    event = DossierEvent.objects.filter(dossier=d).order_by("-seq").first()
    assert event is not None
    assert (event.action, event.from_status, event.to_status) == (
        "consultation_answered",
        S.CONSULTING,
        S.CONSULTING,
    )
    assert event.data == {"consultation": first.pk, "late": False, "still_open": 1}
    first.refresh_from_db()
    assert first.answered_at == at(4, 9)
    assert first.answer == "Đồng ý"
    check_invariants(d)

    # Answering the same consultation again is refused and changes nothing.
    before = consultation_state(d)
    with pytest.raises(DossierInvalid, match="đã được trả lời"):
        sv.dossier_answer_consultation(
            actor=world.specialist, dossier=d.code, consultation=first, answer="Lại", at=at(4, 10)
        )
    assert consultation_state(d) == before

    # Another dossier's consultation is refused and changes nothing on either dossier.
    other = appraising(world)
    other = sv.dossier_consult(
        actor=world.specialist,
        dossier=other.code,
        agency=world.partner,
        question="Ý kiến khác",
        due_at=at(5, 17),
        at=at(3, 10),
    )
    foreign = other.consultations.get()
    other_before = consultation_state(other)
    with pytest.raises(DossierInvalid, match="không thuộc hồ sơ này"):
        sv.dossier_answer_consultation(
            actor=world.specialist, dossier=d.code, consultation=foreign, answer="X", at=at(4, 10)
        )
    assert consultation_state(d) == before
    assert consultation_state(other) == other_before

    d = sv.dossier_answer_consultation(
        actor=world.specialist, dossier=d.code, consultation=second, answer="Phù hợp", at=at(5, 9)
    )
    assert d.status == S.APPRAISING
    event = DossierEvent.objects.filter(dossier=d).order_by("-seq").first()
    assert event is not None
    assert event.to_status == S.APPRAISING
    assert event.data == {"consultation": second.pk, "late": False, "still_open": 0}
    check_invariants(d)


def test_inter_agency_partners(world: World) -> None:
    d = world.receive(inter_agency_mode="parallel")
    sv.dossier_accept(actor=world.reception, dossier=d.code, at=at(2, 9, 30))
    sv.dossier_forward(actor=world.reception, dossier=d.code, at=at(2, 10))
    d = sv.dossier_assign(actor=world.head, dossier=d.code, assignee=world.specialist, at=at(2, 11))
    d = sv.dossier_hand_over_to_partners(
        actor=world.specialist,
        dossier=d.code,
        partners=[sv.PartnerInput(world.partner, "Xác định nghĩa vụ tài chính", at(4, 17))],
        at=at(3, 9),
    )
    assert d.status == S.AT_PARTNER_AGENCIES
    with pytest.raises(TransitionNotAllowed, match="chưa hoàn thành"):
        sv.dossier_partners_completed(actor=world.specialist, dossier=d.code, at=at(3, 10))
    sv.partner_task_complete(actor=None, task=PartnerTask.objects.get(dossier=d), at=at(4, 9))
    d = sv.dossier_partners_completed(actor=world.specialist, dossier=d.code, at=at(4, 10))
    assert d.status == S.APPRAISING
    check_invariants(d)


def test_events_are_append_only(world: World) -> None:
    d = accepted(world)
    event = DossierEvent.objects.filter(dossier=d).first()
    assert event is not None
    event.note = "sửa"
    with pytest.raises(Exception, match="chỉ ghi thêm"):
        event.save()
    with pytest.raises(Exception, match="chỉ ghi thêm"):
        event.delete()
    with pytest.raises(Exception, match="chỉ ghi thêm"):
        DossierEvent.objects.filter(dossier=d).update(note="x")
    with pytest.raises(Exception, match="chỉ ghi thêm"):
        ClockEvent.objects.filter(dossier=d).delete()


def test_sequence_counters_replace_the_max_seq_queries(
    world: World, django_assert_num_queries: Any
) -> None:
    d = appraising(world)
    # A typical action writing a control-sheet row and a clock event: 13 queries when both
    # sequence numbers were read with MAX(seq), 11 with the counters on the locked row.
    with django_assert_num_queries(11):
        d = sv.dossier_request_payment(
            actor=world.specialist, dossier=d.code, amount=50_000, at=at(3, 9)
        )
    fresh = Dossier.objects.get(pk=d.pk)
    events = list(DossierEvent.objects.filter(dossier=d).values_list("seq", flat=True))
    clocks = list(ClockEvent.objects.filter(dossier=d).values_list("seq", flat=True))
    assert fresh.last_event_seq == max(events) == len(events)
    assert fresh.last_clock_seq == max(clocks) == len(clocks)
    check_invariants(d)


def test_the_data_migration_backfills_the_counters(world: World) -> None:
    backfill = importlib.import_module(
        "motcua.dossiers.migrations.0003_backfill_dossier_event_counters"
    ).backfill
    d = appraising(world)
    empty = world.receive()
    expected = {
        d.pk: (d.events.count(), d.clock_events.count()),
        empty.pk: (1, 0),
    }
    Dossier.objects.update(last_event_seq=0, last_clock_seq=7)
    backfill(django_apps, None)
    got = {
        pk: (e, c)
        for pk, e, c in Dossier.objects.values_list("pk", "last_event_seq", "last_clock_seq")
    }
    assert got == expected
    assert expected[d.pk][1] > 0
