"""The queue's domain services: issue, call (priority then order), recall, no-show, transfer,
start/finish, bookings, counter sign-in, dossier links, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.queueing.conftest import MORNING, Queue

from motcua.audit.models import AuditEntry
from motcua.common.errors import NotFound, PermissionDenied
from motcua.dossiers.errors import DossierNotFound
from motcua.queueing.models import EventKind, Priority, Ticket, TicketEvent, TicketStatus
from motcua.queueing.services import (
    QueueError,
    call_next,
    counter_sign_in,
    counter_sign_out,
    site_open,
    slot_starts,
    ticket_book,
    ticket_cancel,
    ticket_check_in,
    ticket_finish,
    ticket_for_officer,
    ticket_issue,
    ticket_link_dossier,
    ticket_no_show,
    ticket_recall,
    ticket_start,
    ticket_transfer,
)
from motcua.workcalendar.selectors import clear_cache


def issue(q: Queue, minutes: float, group: str = "a", priority: str = "") -> Ticket:
    return ticket_issue(site=q.site, group=getattr(q, group), priority=priority, at=q.at(minutes))


def test_numbers_run_per_site_and_day(queue: Queue) -> None:
    t1 = issue(queue, 1)
    t2 = issue(queue, 2, "b")
    t3 = issue(queue, 3)
    assert [t1.number, t2.number, t3.number] == [1, 2, 3]
    assert t1.day == dt.date(2026, 3, 2)
    tuesday = ticket_issue(site=queue.site, group=queue.a, at=queue.at(60 * 24))
    assert tuesday.number == 1
    assert t1.status == TicketStatus.WAITING
    assert t1.queued_at == t1.issued_at


def test_call_next_priority_first_then_order(queue: Queue) -> None:
    t1 = issue(queue, 1)
    t2 = issue(queue, 2)
    p = issue(queue, 3, priority=Priority.ELDERLY)
    first = call_next(counter=queue.c1, officer=queue.o1, at=queue.at(10))
    second = call_next(counter=queue.c2, officer=queue.o2, at=queue.at(10))
    assert first is not None
    assert first.pk == p.pk
    assert second is not None
    assert second.pk == t1.pk
    assert first.status == TicketStatus.CALLED
    assert first.counter == queue.c1
    assert first.officer == queue.o1
    assert first.call_count == 1
    ticket_finish(counter=queue.c1, officer=queue.o1, at=queue.at(12))
    third = call_next(counter=queue.c1, officer=queue.o1, at=queue.at(13))
    assert third is not None
    assert third.pk == t2.pk
    ticket_finish(counter=queue.c1, officer=queue.o1, at=queue.at(14))
    assert call_next(counter=queue.c1, officer=queue.o1, at=queue.at(15)) is None


def test_counter_calls_only_its_groups(queue: Queue) -> None:
    b = issue(queue, 1, "b")
    assert call_next(counter=queue.c1, officer=queue.o1, at=queue.at(2)) is None
    called = call_next(counter=queue.c3, officer=queue.o3, at=queue.at(2))
    assert called is not None
    assert called.pk == b.pk


def test_one_ticket_at_a_counter_at_a_time(queue: Queue) -> None:
    issue(queue, 1)
    issue(queue, 2)
    call_next(counter=queue.c1, officer=queue.o1, at=queue.at(3))
    with pytest.raises(QueueError, match="Quầy đang có vé số 1"):
        call_next(counter=queue.c1, officer=queue.o1, at=queue.at(4))


def test_only_the_signed_in_officer_acts_at_a_counter(queue: Queue) -> None:
    issue(queue, 1)
    with pytest.raises(PermissionDenied):
        call_next(counter=queue.c1, officer=queue.o2, at=queue.at(2))
    with pytest.raises(PermissionDenied):
        call_next(counter=queue.c1, officer=queue.world.specialist, at=queue.at(2))


def test_recall_no_show_and_their_limits(queue: Queue) -> None:
    t = issue(queue, 1)
    with pytest.raises(QueueError, match="chưa gọi vé nào"):
        ticket_recall(counter=queue.c1, officer=queue.o1, at=queue.at(2))
    call_next(counter=queue.c1, officer=queue.o1, at=queue.at(2))
    again = ticket_recall(counter=queue.c1, officer=queue.o1, at=queue.at(3))
    assert again.call_count == 2
    assert again.called_at == queue.at(3)
    assert again.first_called_at == queue.at(2)
    gone = ticket_no_show(counter=queue.c1, officer=queue.o1, at=queue.at(5))
    assert gone.pk == t.pk
    assert gone.status == TicketStatus.NO_SHOW
    assert gone.finished_at == queue.at(5)
    # The counter is free again.
    assert call_next(counter=queue.c1, officer=queue.o1, at=queue.at(6)) is None


def test_start_and_finish_record_service_times(queue: Queue) -> None:
    issue(queue, 1)
    call_next(counter=queue.c1, officer=queue.o1, at=queue.at(2))
    with pytest.raises(QueueError):
        ticket_no_show(counter=queue.c2, officer=queue.o2, at=queue.at(3))
    started = ticket_start(counter=queue.c1, officer=queue.o1, at=queue.at(3))
    assert started.status == TicketStatus.SERVING
    assert started.serving_started_at == queue.at(3)
    with pytest.raises(QueueError):  # a served citizen is not a no-show
        ticket_no_show(counter=queue.c1, officer=queue.o1, at=queue.at(4))
    done = ticket_finish(counter=queue.c1, officer=queue.o1, at=queue.at(9))
    assert done.status == TicketStatus.DONE
    assert done.finished_at == queue.at(9)


def test_transfer_to_group_keeps_place_and_to_counter_targets_it(queue: Queue) -> None:
    t1 = issue(queue, 1)
    b_later = issue(queue, 5, "b")
    call_next(counter=queue.c1, officer=queue.o1, at=queue.at(6))
    moved = ticket_transfer(counter=queue.c1, officer=queue.o1, group=queue.b, at=queue.at(7))
    assert moved.status == TicketStatus.WAITING
    assert moved.group == queue.b
    assert moved.counter is None
    assert moved.transfers == 1
    # Counter 3 serves B: the transferred ticket keeps its earlier place.
    got = call_next(counter=queue.c3, officer=queue.o3, at=queue.at(8))
    assert got is not None
    assert got.pk == t1.pk
    # Now send it to counter 2 specifically: counter 3 cannot call it back.
    moved = ticket_transfer(counter=queue.c3, officer=queue.o3, to_counter=queue.c2)
    assert moved.target_counter == queue.c2
    got = call_next(counter=queue.c3, officer=queue.o3, at=queue.at(9))
    assert got is not None
    assert got.pk == b_later.pk
    got = call_next(counter=queue.c2, officer=queue.o2, at=queue.at(9))
    assert got is not None
    assert got.pk == t1.pk
    assert got.target_counter is None


def test_transfer_bad_input(queue: Queue) -> None:
    issue(queue, 1)
    call_next(counter=queue.c1, officer=queue.o1, at=queue.at(2))
    with pytest.raises(QueueError, match="Chọn một nhóm"):
        ticket_transfer(counter=queue.c1, officer=queue.o1)
    with pytest.raises(QueueError, match="chính quầy này"):
        ticket_transfer(counter=queue.c1, officer=queue.o1, to_counter=queue.c1)
    with pytest.raises(QueueError, match="Chọn một nhóm"):
        ticket_transfer(counter=queue.c1, officer=queue.o1, group=queue.b, to_counter=queue.c2)


def test_kiosk_bad_input_and_opening_hours(queue: Queue, settings: object) -> None:
    with pytest.raises(QueueError, match="Loại ưu tiên"):
        issue(queue, 1, priority="vip")
    queue.b.active = False
    queue.b.save()
    with pytest.raises(QueueError, match="tạm ngừng"):
        issue(queue, 1, "b")
    # Sunday, and Monday evening: closed. 06:30 (30 minutes early) is open.
    sunday = MORNING - dt.timedelta(days=1)
    assert not site_open(queue.site, sunday)
    assert not site_open(queue.site, MORNING.replace(hour=17, minute=0))
    assert site_open(queue.site, MORNING.replace(hour=6, minute=30))
    assert not site_open(queue.site, MORNING.replace(hour=6, minute=29))
    with pytest.raises(QueueError, match="Ngoài giờ làm việc"):
        ticket_issue(site=queue.site, group=queue.a, at=sunday)
    settings.MOTCUA_QUEUE_OPENING_HOURS = False  # type: ignore[attr-defined]
    assert ticket_issue(site=queue.site, group=queue.a, at=sunday).number == 1


def test_group_of_another_site_is_refused(queue: Queue) -> None:
    from motcua.queueing.models import ServiceGroup, Site

    other = Site.objects.create(code="xa", name="Xã", agency=queue.world.other_center)
    g = ServiceGroup.objects.create(site=other, code="A", name="Chung")
    with pytest.raises(QueueError, match="không thuộc điểm này"):
        ticket_issue(site=queue.site, group=g, at=queue.at(1))


def test_booking_and_check_in(queue: Queue) -> None:
    clear_cache()
    slots = slot_starts(queue.site, MORNING.date())
    assert slots[0].hour == 7
    assert slots[0].minute == 0
    assert MORNING.replace(hour=12) not in slots  # lunch break
    slot = MORNING.replace(hour=9)
    booked = ticket_book(site=queue.site, group=queue.a, slot=slot, at=MORNING - dt.timedelta(1))
    assert booked.status == TicketStatus.BOOKED
    assert len(booked.booking_code) == 8
    # Not in the queue until checked in.
    assert call_next(counter=queue.c1, officer=queue.o1, at=queue.at(1)) is None
    walk_in = issue(queue, 50)  # 08:50
    later = issue(queue, 70)  # 09:10
    checked = ticket_check_in(
        site=queue.site, booking_code=booked.booking_code.lower(), at=queue.at(55)
    )
    assert checked.status == TicketStatus.WAITING
    assert checked.queued_at == slot
    order = []
    for minute in (80, 81, 82):
        got = call_next(counter=queue.c1, officer=queue.o1, at=queue.at(minute))
        assert got is not None
        order.append(got.pk)
        ticket_finish(counter=queue.c1, officer=queue.o1, at=queue.at(minute))
    assert order == [walk_in.pk, booked.pk, later.pk]
    with pytest.raises(QueueError, match="đã được xác nhận"):
        ticket_check_in(site=queue.site, booking_code=booked.booking_code, at=queue.at(90))


def test_booking_refusals(queue: Queue) -> None:
    before = MORNING - dt.timedelta(days=1)
    with pytest.raises(QueueError, match="giờ làm việc"):
        ticket_book(site=queue.site, group=queue.a, slot=MORNING.replace(hour=12), at=before)
    with pytest.raises(QueueError, match="giờ làm việc"):
        ticket_book(site=queue.site, group=queue.a, slot=MORNING.replace(minute=10), at=before)
    with pytest.raises(QueueError, match="đã qua"):
        ticket_book(site=queue.site, group=queue.a, slot=MORNING, at=MORNING)
    queue.a.slot_capacity = 1
    queue.a.save()
    ticket_book(site=queue.site, group=queue.a, slot=MORNING, at=before)
    with pytest.raises(QueueError, match="đủ lượt"):
        ticket_book(site=queue.site, group=queue.a, slot=MORNING, at=before)
    with pytest.raises(QueueError, match="Không tìm thấy"):
        ticket_check_in(site=queue.site, booking_code="ZZZZZZZZ", at=MORNING)
    with pytest.raises(QueueError, match="nhập mã"):
        ticket_check_in(site=queue.site, booking_code="  ", at=MORNING)


def test_late_check_in_queues_at_arrival_and_wrong_day_refused(queue: Queue) -> None:
    before = MORNING - dt.timedelta(days=1)
    booked = ticket_book(site=queue.site, group=queue.a, slot=MORNING, at=before)
    with pytest.raises(QueueError, match="không phải hôm nay"):
        ticket_check_in(site=queue.site, booking_code=booked.booking_code, at=before)
    late = ticket_check_in(site=queue.site, booking_code=booked.booking_code, at=queue.at(40))
    assert late.queued_at == queue.at(40)


def test_cancel(queue: Queue) -> None:
    t = issue(queue, 1)
    assert ticket_cancel(ticket=t, at=queue.at(2)).status == TicketStatus.CANCELLED
    with pytest.raises(QueueError):
        ticket_cancel(ticket=t, at=queue.at(3))


def test_sign_in_rules(queue: Queue) -> None:
    # A specialist of another agency may not work at this site's counters.
    with pytest.raises(PermissionDenied):
        counter_sign_in(counter=queue.c1, officer=queue.world.specialist, at=MORNING)
    # Moving to another counter leaves the first one.
    counter_sign_out(counter=queue.c2, officer=queue.o2)
    counter_sign_in(counter=queue.c2, officer=queue.o1, at=MORNING)
    queue.c1.refresh_from_db()
    assert queue.c1.officer is None
    # Not while serving someone.
    issue(queue, 1)
    call_next(counter=queue.c2, officer=queue.o1, at=queue.at(2))
    with pytest.raises(QueueError, match="đang phục vụ"):
        counter_sign_in(counter=queue.c1, officer=queue.o1, at=queue.at(3))
    with pytest.raises(QueueError, match="Hãy kết thúc"):
        counter_sign_out(counter=queue.c2, officer=queue.o1)
    with pytest.raises(PermissionDenied):
        counter_sign_out(counter=queue.c3, officer=queue.o1)
    with pytest.raises(QueueError, match="cán bộ khác"):
        counter_sign_in(counter=queue.c2, officer=queue.o2, at=queue.at(3))


def test_every_action_is_audited_and_evented(queue: Queue) -> None:
    issue(queue, 1)
    call_next(counter=queue.c1, officer=queue.o1, at=queue.at(2))
    ticket_recall(counter=queue.c1, officer=queue.o1, at=queue.at(3))
    ticket_start(counter=queue.c1, officer=queue.o1, at=queue.at(4))
    ticket_finish(counter=queue.c1, officer=queue.o1, at=queue.at(5))
    kinds = list(TicketEvent.objects.values_list("kind", flat=True))
    assert kinds == ["issue", "call", "recall", "start", "finish"]
    actions = list(
        AuditEntry.objects.filter(object_type="queue_ticket")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["queue.issue", "queue.call", "queue.recall", "queue.start", "queue.finish"]
    assert AuditEntry.objects.filter(action="queue.counter_sign_in").count() == 3


def test_link_ticket_to_dossier(queue: Queue) -> None:
    w = queue.world
    t = issue(queue, 1)
    dossier = w.receive(at=queue.at(30))
    with pytest.raises(QueueError, match="đã được gọi"):
        ticket_link_dossier(ticket=t, dossier=dossier, actor=queue.o1, at=queue.at(30))
    call_next(counter=queue.c1, officer=queue.o1, at=queue.at(20))
    link = ticket_link_dossier(ticket=t, dossier=dossier, actor=queue.o1, at=queue.at(31))
    t.refresh_from_db()
    assert t.status == TicketStatus.SERVING
    assert t.serving_started_at == queue.at(31)
    assert list(t.dossiers.all()) == [dossier]
    assert ticket_link_dossier(ticket=t, dossier=dossier, actor=queue.o1).pk == link.pk
    second = w.receive(at=queue.at(32), n=2)
    ticket_link_dossier(ticket=t, dossier=second, actor=queue.o1, at=queue.at(33))
    assert t.dossiers.count() == 2
    assert TicketEvent.objects.filter(ticket=t, kind=EventKind.LINK).count() == 2
    # Officers of other agencies: the ticket is not found; a dossier out of scope likewise.
    with pytest.raises(NotFound):
        ticket_link_dossier(ticket=t, dossier=dossier, actor=w.specialist)
    other = w.receive(at=queue.at(34), n=3)
    other.receiving_agency = w.other_center
    other.current_agency = w.other_center
    other.competent_agency = w.other_center
    other.save()
    with pytest.raises(DossierNotFound):
        ticket_link_dossier(ticket=t, dossier=other, actor=queue.o1)


def test_ticket_for_officer_scope(queue: Queue) -> None:
    t = issue(queue, 1)
    assert ticket_for_officer(queue.o2, str(t.pk)).pk == t.pk
    for user, value in [(queue.world.specialist, t.pk), (queue.o1, "abc"), (queue.o1, 999999)]:
        with pytest.raises(NotFound):
            ticket_for_officer(user, value)


def test_estimated_wait_uses_the_groups_own_service_time(queue: Queue, settings: object) -> None:
    from django.utils import timezone

    from motcua.queueing.selectors import average_service_minutes, ticket_position

    settings.MOTCUA_QUEUE_OPENING_HOURS = False  # type: ignore[attr-defined]
    start = timezone.now() - dt.timedelta(hours=5)
    first = ticket_issue(site=queue.site, group=queue.a, at=start)
    # Before ten services, the setting (6 minutes) is assumed.
    assert average_service_minutes(queue.a) == 6.0
    position = ticket_position(first)
    assert position is not None
    assert (position.ahead, position.open_counters, position.minutes) == (0, 3, 0)
    ticket_cancel(ticket=first, at=start)
    for i in range(10):
        moment = start + dt.timedelta(minutes=15 * i)
        ticket_issue(site=queue.site, group=queue.a, at=moment)
        call_next(counter=queue.c1, officer=queue.o1, at=moment)
        ticket_start(counter=queue.c1, officer=queue.o1, at=moment)
        ticket_finish(counter=queue.c1, officer=queue.o1, at=moment + dt.timedelta(minutes=12))
    assert average_service_minutes(queue.a) == pytest.approx(12.0)
    ticket_issue(site=queue.site, group=queue.a)
    urgent = ticket_issue(site=queue.site, group=queue.a, priority=Priority.PREGNANT)
    last = ticket_issue(site=queue.site, group=queue.a)
    position = ticket_position(last)
    assert position is not None
    # Two ahead (the priority ticket and the earlier one), 12 minutes each, 3 open counters.
    assert (position.ahead, position.minutes) == (2, 8)
    urgent_position = ticket_position(urgent)
    assert urgent_position is not None
    assert urgent_position.ahead == 0
