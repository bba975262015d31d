"""Feedback (PAKN): deadlines on the working-day calendar, each state change with its
permission check and audit entry, and the QĐ 766 5.1–5.4 / TT01 criterion 8 numbers computed
by hand.

Schedule of the test world: 8 working hours a day, Monday–Friday. An item submitted Monday
2 March 2026 09:00 may be refused until Wednesday 4 March 09:00 (2 wd), asked for more
information until Monday 9 March 09:00 (5 wd) and must be answered by Monday 23 March 09:00
(15 wd).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from tests.dossiers.conftest import World, at
from tests.monitoring.helpers import resolved, sync

from motcua.audit.models import AuditEntry
from motcua.common.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.feedback import services as sv
from motcua.feedback.models import Feedback, Kind, Status
from motcua.feedback.rules import late_reasons, tt01_criterion_8
from motcua.monitoring import indicators as ind
from motcua.monitoring.aggregate import verify
from motcua.monitoring.feedback import drill

pytestmark = pytest.mark.django_db

MARCH = ind.Period.month(2026, 3)
APRIL = ind.Period.month(2026, 4)
MINUTE = dt.timedelta(minutes=1)


MONDAY_2 = at(2)
TUESDAY_10 = at(10)


def submit(world: World, when: dt.datetime = MONDAY_2, **kw: object) -> Feedback:
    kw.setdefault("agency", world.land)
    kw.setdefault("kind", Kind.REGULATION)
    kw.setdefault("title", "Thời gian giải quyết quá lâu")
    kw.setdefault("content", "Hồ sơ của tôi chờ lâu.")
    kw.setdefault("citizen", world.citizen)
    return sv.feedback_submit(at=when, **kw)  # type: ignore[arg-type]


def published(
    world: World, when: dt.datetime = MONDAY_2, answered: dt.datetime = TUESDAY_10
) -> Feedback:
    f = submit(world, when)
    sv.feedback_answer(feedback_id=f.uuid, actor=world.specialist, answer="Đã xử lý.", at=answered)
    return sv.feedback_approve(feedback_id=f.uuid, actor=world.head, at=answered + MINUTE)


def card(period: ind.Period, scope: ind.Scope | None = None) -> dict[str, ind.Indicator]:
    groups = ind.scorecard(ind.numbers(period, scope or ind.Scope()))
    return {i.code: i for g in groups for i in g.indicators}


def test_deadlines_in_working_days_from_the_submission(world: World) -> None:
    f = submit(world)
    assert (f.refuse_due, f.supplement_due, f.handle_due) == (at(4), at(9), at(23))
    assert f.status == Status.RECEIVED
    assert f.code.startswith("PA-")
    entry = AuditEntry.objects.get(object_type="feedback", object_id=str(f.uuid))
    assert (entry.action, entry.actor_id, entry.data["kind"]) == (
        "feedback.submit",
        world.citizen.pk,
        "regulation",
    )


@override_settings(MOTCUA_FEEDBACK_HANDLE_DAYS=10, MOTCUA_FEEDBACK_REFUSE_DAYS=1)
def test_deadlines_follow_the_settings(world: World) -> None:
    f = submit(world)
    assert (f.refuse_due, f.handle_due) == (at(3), at(16))


def test_a_transfer_restarts_the_counting(world: World) -> None:
    f = submit(world)
    f = sv.feedback_transfer(
        feedback_id=f.uuid,
        actor=world.director,
        to_agency=world.partner,
        reason="Thuộc thẩm quyền Sở Tài chính.",
        at=at(3),
    )
    assert (f.agency, f.start_at, f.refuse_due, f.handle_due) == (
        world.partner,
        at(3),
        at(5),
        at(24),
    )
    f.refresh_from_db()
    assert (f.transferred_from, f.transfer_reason) == (world.land, "Thuộc thẩm quyền Sở Tài chính.")
    entry = AuditEntry.objects.get(object_id=str(f.uuid), action="feedback.transfer")
    assert (entry.actor_id, entry.agency_id) == (world.director.pk, world.partner.pk)
    assert (entry.data["from_agency"], entry.data["to_agency"]) == (world.land.pk, world.partner.pk)


def test_the_handling_agency_s_specialist_transfers(world: World) -> None:
    f = submit(world)
    sv.feedback_transfer(
        feedback_id=f.uuid, actor=world.specialist, to_agency=world.partner, reason="Sai nơi."
    )
    # Now out of the specialist's scope: not found for them, handled by nobody of the land office.
    with pytest.raises(NotFound):
        sv.feedback_answer(feedback_id=f.uuid, actor=world.specialist, answer="x")


@pytest.mark.parametrize(
    ("target", "reason", "message"),
    [
        (None, "Sai nơi.", "chọn cơ quan nhận"),
        ("land", "Sai nơi.", "đang ở cơ quan này"),
        ("expired", "Sai nơi.", "hết hiệu lực"),
        ("partner", "   ", "lý do chuyển"),
        ("partner", "x" * 5001, "tối đa 5000"),
    ],
)
def test_bad_transfers_are_refused_in_vietnamese(
    world: World, target: str | None, reason: str, message: str
) -> None:
    f = submit(world)
    agency = None
    if target == "expired":
        agency = world.partner
        agency.valid_to = dt.date(2026, 2, 28)
        agency.save(update_fields=["valid_to"])
    elif target is not None:
        agency = getattr(world, target)
    with pytest.raises(ValidationFailed, match=message):
        sv.feedback_transfer(
            feedback_id=f.uuid, actor=world.specialist, to_agency=agency, reason=reason, at=at(3)
        )
    f.refresh_from_db()
    assert (f.agency, f.transferred_at, f.start_at) == (world.land, None, MONDAY_2)
    assert not AuditEntry.objects.filter(action="feedback.transfer").exists()


def test_who_may_transfer(world: World) -> None:
    f = submit(world)
    kw = {"feedback_id": f.uuid, "to_agency": world.partner, "reason": "Sai nơi."}
    with pytest.raises(NotFound):  # another agency's officer does not see it
        sv.feedback_transfer(actor=world.other_reception, **kw)
    with pytest.raises(PermissionDenied):  # the auditor only reads
        sv.feedback_transfer(actor=world.auditor, **kw)
    with pytest.raises(NotFound):  # a citizen, even the sender, is not an officer
        sv.feedback_transfer(actor=world.citizen, **kw)
    sv.feedback_refuse(feedback_id=f.uuid, actor=world.specialist, reason="Trùng.")
    with pytest.raises(ValidationFailed, match="đang xử lý"):  # only while being handled
        sv.feedback_transfer(actor=world.specialist, **kw)
    assert Feedback.objects.get().agency == world.land


@pytest.mark.parametrize(
    ("action", "when", "late"),
    [
        ("refuse", at(4), []),
        ("refuse", at(4) + MINUTE, ["refuse"]),
        ("supplement", at(9), []),
        ("supplement", at(9) + MINUTE, ["supplement"]),
        ("answer", at(23), []),
        ("answer", at(23) + MINUTE, ["handle"]),
    ],
)
def test_each_deadline_edge(world: World, action: str, when: dt.datetime, late: list) -> None:
    f = submit(world)
    officer = world.specialist
    if action == "refuse":
        f = sv.feedback_refuse(feedback_id=f.uuid, actor=officer, reason="Trùng lặp.", at=when)
    elif action == "supplement":
        f = sv.feedback_request_supplement(
            feedback_id=f.uuid, actor=officer, note="Cho biết mã hồ sơ.", at=when
        )
        f = sv.feedback_supplement(feedback_id=f.uuid, citizen=world.citizen, text="Mã 1", at=when)
        f = sv.feedback_answer(feedback_id=f.uuid, actor=officer, answer="Đã xử lý.", at=at(10))
    else:
        f = sv.feedback_answer(feedback_id=f.uuid, actor=officer, answer="Đã xử lý.", at=when)
    assert late_reasons(f, at(30, month=4)) == late
    assert card(MARCH)["5.2"].numerator == (0 if late else 1)


def test_publication_is_due_two_working_days_after_approval(world: World) -> None:
    f = submit(world)
    sv.feedback_answer(feedback_id=f.uuid, actor=world.specialist, answer="Trả lời.", at=at(5))
    f = sv.feedback_approve(feedback_id=f.uuid, actor=world.leader, publish=False, at=at(6))
    assert (f.status, f.publish_due) == (Status.APPROVED, at(10))
    assert late_reasons(f, at(10)) == []
    assert late_reasons(f, at(10) + MINUTE) == ["publish"]
    f = sv.feedback_publish(feedback_id=f.uuid, actor=world.leader, at=at(10) + MINUTE)
    assert late_reasons(f, at(30)) == ["publish"]


def test_open_item_is_late_after_its_handling_due_moment(world: World) -> None:
    f = submit(world)
    assert late_reasons(f, at(23)) == []
    assert late_reasons(f, at(23) + MINUTE) == ["handle"]


def test_indicators_known_answers(world: World) -> None:
    """Seven items in March: A refused on time, B refused late, C answered on time with more
    dislikes than likes, D as many likes as dislikes, E re-raised, F still open (late now),
    G about conduct, no votes. 5.1 = 6/7 regulation; on time A C D E G = 5/7; satisfied A D G
    = 3/7; TT01 c8 = 0 (5/7 < 90 %)."""
    s = world.specialist
    a = submit(world)
    sv.feedback_refuse(feedback_id=a.uuid, actor=s, reason="Không thuộc thẩm quyền.", at=at(4))
    b = submit(world)
    sv.feedback_refuse(feedback_id=b.uuid, actor=s, reason="Trùng.", at=at(4) + MINUTE)
    c = published(world)
    d = published(world)
    e = published(world)
    submit(world)  # F
    g = submit(world, kind=Kind.CONDUCT)
    sv.feedback_answer(feedback_id=g.uuid, actor=s, answer="Đã nhắc nhở.", at=at(23))
    sv.feedback_approve(feedback_id=g.uuid, actor=world.director, at=at(24))
    sv.feedback_react(feedback_id=c.uuid, citizen=world.citizen, like=True)
    sv.feedback_react(feedback_id=c.uuid, citizen=world.other_citizen, like=False)
    sv.feedback_react(feedback_id=d.uuid, citizen=world.other_citizen, like=False)
    sv.feedback_react(feedback_id=d.uuid, citizen=world.citizen, like=True)
    # C: a third vote from a new account makes dislikes > likes (2 > 1) …
    from motcua.accounts.models import User, UserKind

    third = User.objects.create(username="cd3", personal_id="056190000003", kind=UserKind.CITIZEN)
    sv.feedback_react(feedback_id=c.uuid, citizen=third, like=False)
    # … and voting twice the same way from one account changes nothing.
    sv.feedback_react(feedback_id=c.uuid, citizen=third, like=False)
    sv.feedback_reraise(feedback_id=e.uuid, citizen=world.citizen, reason="Chưa thỏa đáng.")
    c.refresh_from_db()
    d.refresh_from_db()
    assert (c.likes, c.dislikes, c.dissatisfied, d.likes, d.dislikes, d.dissatisfied) == (
        1,
        2,
        True,
        1,
        1,
        False,
    )
    k = card(MARCH)
    assert (k["5.1"].numerator, k["5.1"].denominator, k["5.1"].score) == (6, 7, None)
    assert (k["5.2"].numerator, k["5.2"].denominator, k["5.2"].score) == (5, 7, Decimal("4.29"))
    assert (k["5.3"].numerator, k["5.3"].denominator, k["5.3"].score) == (3, 7, Decimal("2.57"))
    assert ind.tt01(ind.numbers(MARCH, ind.Scope())).criteria["c8"] == 0
    assert drill("pakn_late", MARCH, ind.Scope()).count() == 2
    assert drill("pakn_unsatisfied", MARCH, ind.Scope()).count() == 4
    assert drill("pakn_conduct", MARCH, ind.Scope()).count() == 1
    # Another agency's scope has none; an officer's scope has the items they answered (C, D,
    # E, G: all on time; satisfied D, G); a channel scope does not keep PAKN.
    other = card(MARCH, ind.Scope(agency_ids=(world.partner.pk,)))
    assert other["5.2"].rate is None
    assert not other["5.2"].unavailable
    mine = card(MARCH, ind.Scope(officer_id=s.pk))
    assert (mine["5.2"].numerator, mine["5.2"].denominator) == (4, 4)
    assert (mine["5.3"].numerator, mine["5.3"].denominator) == (2, 4)
    assert card(MARCH, ind.Scope(channel="online"))["5.3"].unavailable
    assert verify().ok


def test_zero_denominator_is_na_and_criterion_8_full(world: World) -> None:
    k = card(APRIL)
    assert (k["5.2"].rate, k["5.3"].rate, k["5.2"].score, k["5.2"].rate_display) == (
        None,
        None,
        None,
        "N/A",
    )
    assert ind.tt01(ind.numbers(APRIL, ind.Scope())).criteria["c8"] == 2


def test_criterion_8_bands() -> None:
    assert tt01_criterion_8(0, 0, 0) == 2
    assert tt01_criterion_8(10, 10, 0) == 2
    assert tt01_criterion_8(10, 9, 0) == 1
    assert tt01_criterion_8(10, 8, 0) == 0
    assert tt01_criterion_8(10, 10, 1) == 0


def test_dossier_with_feedback_counts_in_5_4_after_an_incremental_refresh(world: World) -> None:
    """Two dossiers decided on time in March: 5.4 = 100 %; feedback about one → 50 %."""
    resolved(world, 1, at(2), at(5))
    d2 = resolved(world, 2, at(2), at(5))
    sync()
    assert card(MARCH)["5.4"].numerator == 2
    submit(world, at(10), dossier_code=d2.code)
    sync()
    k = card(MARCH)["5.4"]
    assert (k.numerator, k.denominator) == (1, 2)
    assert ind.drill("disliked", MARCH, ind.Scope()).count() == 1
    assert verify().ok


def test_verify_finds_a_tampered_due_moment(world: World) -> None:
    f = submit(world)
    Feedback.objects.filter(pk=f.pk).update(handle_due=at(30))
    report = verify()
    assert not report.ok
    assert any("handle_due" in x for x in report.differences)


def test_permissions_least_privilege(world: World) -> None:
    f = submit(world)
    with pytest.raises(NotFound):  # another agency's reception officer does not see it
        sv.feedback_answer(feedback_id=f.uuid, actor=world.other_reception, answer="x")
    with pytest.raises(PermissionDenied):  # the auditor only reads
        sv.feedback_answer(feedback_id=f.uuid, actor=world.auditor, answer="x")
    with pytest.raises(NotFound):  # a citizen is not an officer
        sv.feedback_refuse(feedback_id=f.uuid, actor=world.citizen, reason="x")
    sv.feedback_answer(feedback_id=f.uuid, actor=world.specialist, answer="Đã xử lý.")
    with pytest.raises(PermissionDenied):  # a specialist does not approve
        sv.feedback_approve(feedback_id=f.uuid, actor=world.specialist)
    sv.feedback_approve(feedback_id=f.uuid, actor=world.director)  # the Center's manager
    with pytest.raises(NotFound):  # only the sender re-raises
        sv.feedback_reraise(feedback_id=f.uuid, citizen=world.other_citizen, reason="x")
    with pytest.raises(PermissionDenied):
        sv.feedback_react(feedback_id=f.uuid, citizen=world.specialist, like=True)
    with pytest.raises(NotFound):
        sv.feedback_answer(feedback_id="không-phải-uuid", actor=world.specialist, answer="x")
    actions = list(
        AuditEntry.objects.filter(object_id=str(f.uuid))
        .order_by("at")
        .values_list("action", flat=True)
    )
    assert actions == ["feedback.submit", "feedback.answer", "feedback.approve"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"citizen": None, "contact_name": "An"}, "số điện thoại hoặc thư điện tử"),
        ({"citizen": None, "contact_name": "An", "contact_phone": "12345"}, "10 hoặc 11"),
        ({"citizen": None, "contact_name": "An", "contact_email": "a@"}, "thư điện tử"),
        ({"citizen": None, "contact_phone": "0905123456"}, "họ và tên"),
        ({"content": "  "}, "nội dung"),
        ({"title": "x" * 201}, "tối đa 200"),
        ({"kind": "khac"}, "loại phản ánh"),
        ({"dossier_code": "000.00.00.H32-260302-9999"}, "Không tìm thấy hồ sơ"),
    ],
)
def test_bad_input_is_refused_in_vietnamese(world: World, kw: dict, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        submit(world, **kw)
    assert not Feedback.objects.exists()


def test_anonymous_feedback_with_contact_details(world: World) -> None:
    f = submit(world, citizen=None, contact_name="Trần Thị B", contact_phone="0905 123 456")
    assert (f.citizen, f.contact_phone) == (None, "0905123456")


def test_wrong_state_changes_are_refused(world: World) -> None:
    f = submit(world)
    with pytest.raises(ValidationFailed, match="đã công khai"):
        sv.feedback_react(feedback_id=f.uuid, citizen=world.citizen, like=True)
    with pytest.raises(ValidationFailed, match="đã có nội dung trả lời"):
        sv.feedback_approve(feedback_id=f.uuid, actor=world.head)
    sv.feedback_refuse(feedback_id=f.uuid, actor=world.specialist, reason="Trùng.")
    with pytest.raises(ValidationFailed):
        sv.feedback_answer(feedback_id=f.uuid, actor=world.specialist, answer="x")


def test_demo_feedback_in_every_state() -> None:
    from motcua.demo.services import demo_prepare
    from motcua.feedback.demo import demo_feedback_build

    demo_prepare(dossiers=False)
    assert demo_feedback_build(at(30, month=4)) == 7
    assert set(Feedback.objects.values_list("status", flat=True)) == {s.value for s in Status}
    assert Feedback.objects.filter(reraised_at__isnull=False, likes=0, dislikes=1).count() == 1
    assert demo_feedback_build(at(30, month=4)) == 0  # idempotent
    assert verify().ok
