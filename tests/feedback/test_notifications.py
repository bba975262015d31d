"""Messages to the sender of a feedback item: one per step (received, refused, supplement
asked, transferred, answer published) queued in the notification outbox in the transaction of
the change, to the sender's e-mail (else SMS to the phone, else none), in Vietnamese, with
nothing of anyone else; the outbox delivers them, through a mail outage too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone, translation
from tests.dossiers.conftest import World, at
from tests.portal import flaky_mail

from motcua.common.errors import ValidationFailed
from motcua.feedback import services as sv
from motcua.feedback.models import Feedback, Kind
from motcua.portal import notify
from motcua.portal.models import NotificationTemplate, OutboxMessage

pytestmark = pytest.mark.django_db

BASE = "https://dichvucong.khanhhoa.gov.vn"
EMAIL = "binh.tran@example.vn"
PHONE = "0905123456"


@pytest.fixture(autouse=True)
def _base_url(settings: Any) -> None:
    settings.MOTCUA_PUBLIC_BASE_URL = BASE


@pytest.fixture
def flaky() -> Any:
    flaky_mail.DOWN["value"] = False
    with override_settings(EMAIL_BACKEND="tests.portal.flaky_mail.FlakyBackend"):
        yield flaky_mail.DOWN
    flaky_mail.DOWN["value"] = False


def anonymous(world: World, **contact: str) -> Feedback:
    contact.setdefault("contact_name", "Trần Thị Bình")
    return sv.feedback_submit(
        agency=world.land,
        kind=Kind.CONDUCT,
        title="Cán bộ hẹn nhiều lần",
        content="Tôi phải đi lại ba lần mới nộp được hồ sơ.",
        at=at(2),
        **contact,  # type: ignore[arg-type]
    )


def signed_in(world: World) -> Feedback:
    world.citizen.email = "congdan@example.vn"
    world.citizen.save(update_fields=["email"])
    return sv.feedback_submit(
        agency=world.land,
        kind=Kind.REGULATION,
        title="Thủ tục rườm rà",
        content="Phải nộp hai lần cùng một giấy tờ.",
        citizen=world.citizen,
        at=at(2),
    )


def messages() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.order_by("pk"))


def last() -> OutboxMessage:
    message = OutboxMessage.objects.order_by("-pk").first()
    assert message is not None
    return message


def test_each_step_of_a_signed_in_sender_queues_one_e_mail(world: World) -> None:
    f = signed_in(world)
    assert len(messages()) == 1
    m = last()
    assert (m.channel, m.to, m.status) == ("email", "congdan@example.vn", "pending")
    assert m.subject == f"Đã tiếp nhận phản ánh, kiến nghị {f.code}"
    assert "Văn phòng Đăng ký đất đai đã tiếp nhận phản ánh, kiến nghị của bạn." in m.body
    assert "Tiêu đề: Thủ tục rườm rà" in m.body
    # 15 working days from Monday 2 March 09:00, as on the official forms.
    assert "Thời hạn trả lời: 09 giờ 00 phút, ngày 23/03/2026." in m.body
    assert f"Theo dõi phản ánh tại: {BASE}/phan-anh/{f.uuid}/" in m.body

    sv.feedback_request_supplement(
        feedback_id=f.uuid, actor=world.specialist, note="Cho biết ngày nộp hồ sơ.", at=at(3)
    )
    m = last()
    assert len(messages()) == 2
    assert m.subject == f"Phản ánh, kiến nghị {f.code} cần bổ sung thông tin"
    assert "Cho biết ngày nộp hồ sơ." in m.body
    assert f"Gửi thông tin bổ sung tại: {BASE}/phan-anh/{f.uuid}/" in m.body

    # The sender's own supplement and the officer's draft answer tell the sender nothing.
    sv.feedback_supplement(feedback_id=f.uuid, citizen=world.citizen, text="Ngày 2/3.", at=at(4))
    sv.feedback_answer(
        feedback_id=f.uuid, actor=world.specialist, answer="Đã bỏ yêu cầu nộp lại.", at=at(5)
    )
    assert len(messages()) == 2

    sv.feedback_approve(feedback_id=f.uuid, actor=world.head, at=at(5, 10))
    m = last()
    assert len(messages()) == 3
    assert (m.channel, m.to) == ("email", "congdan@example.vn")
    assert m.subject == f"Phản ánh, kiến nghị {f.code} đã có trả lời"
    assert "Đã bỏ yêu cầu nộp lại." in m.body
    assert f"Nội dung trả lời được công khai tại: {BASE}/phan-anh/{f.uuid}/" in m.body
    assert "phản ánh lại nếu chưa hài lòng" in m.body
    # Keys name the steps: three different ones.
    assert len({x.key for x in messages()}) == 3
    # Votes and a re-raise are the sender's own acts: no message.
    sv.feedback_react(feedback_id=f.uuid, citizen=world.other_citizen, like=False)
    sv.feedback_reraise(feedback_id=f.uuid, citizen=world.citizen, reason="Chưa thỏa đáng.")
    assert len(messages()) == 3


def test_refusal_tells_the_reason(world: World) -> None:
    f = anonymous(world, contact_email=EMAIL)
    sv.feedback_refuse(
        feedback_id=f.uuid, actor=world.specialist, reason="Nội dung không thuộc thẩm quyền."
    )
    m = last()
    assert len(messages()) == 2
    assert (m.channel, m.to) == ("email", EMAIL)
    assert m.subject == f"Phản ánh, kiến nghị {f.code} không được tiếp nhận"
    assert "Lý do: Nội dung không thuộc thẩm quyền." in m.body
    # Anonymous: the item's page does not open for them, so no link to it.
    assert f"/phan-anh/{f.uuid}/" not in m.body


def test_transfer_tells_the_new_agency_and_due_moment(world: World) -> None:
    f = anonymous(world, contact_email=EMAIL)
    sv.feedback_transfer(
        feedback_id=f.uuid,
        actor=world.specialist,
        to_agency=world.partner,
        reason="Thuộc thẩm quyền Sở Tài chính.",
        at=at(3),
    )
    m = last()
    assert len(messages()) == 2
    assert (m.channel, m.to) == ("email", EMAIL)
    assert m.subject == f"Phản ánh, kiến nghị {f.code} được chuyển đến Sở Tài chính"
    assert "Lý do chuyển: Thuộc thẩm quyền Sở Tài chính." in m.body
    # The counting restarts: 15 working days from Tuesday 3 March 09:00.
    assert "Thời hạn trả lời mới: 09 giờ 00 phút, ngày 24/03/2026." in m.body


def test_approval_then_publication_notifies_once_at_publication(world: World) -> None:
    f = anonymous(world, contact_email=EMAIL)
    sv.feedback_answer(feedback_id=f.uuid, actor=world.specialist, answer="Đã nhắc nhở.")
    sv.feedback_approve(feedback_id=f.uuid, actor=world.head, publish=False)
    assert len(messages()) == 1  # approved, not public yet: nothing to read
    sv.feedback_publish(feedback_id=f.uuid, actor=world.head)
    m = last()
    assert len(messages()) == 2
    assert m.subject == f"Phản ánh, kiến nghị {f.code} đã có trả lời"
    # Published: the page is public now, so even an anonymous sender gets the link.
    assert f"{BASE}/phan-anh/{f.uuid}/" in m.body
    assert "phản ánh lại" not in m.body  # re-raising needs an account


def test_a_phone_only_sender_gets_one_sms_per_step_without_diacritics(world: World) -> None:
    world.land.phone = "0258 3822 111"
    world.land.save(update_fields=["phone"])
    f = anonymous(world, contact_phone="0905 123 456")
    sv.feedback_request_supplement(
        feedback_id=f.uuid, actor=world.specialist, note="Cho biết tên cán bộ."
    )
    rows = messages()
    assert [(m.channel, m.to, m.subject) for m in rows] == [("sms", PHONE, "")] * 2
    assert rows[0].body == f"Da tiep nhan phan anh {f.code}. Han tra loi: 09:00 23/03/2026."
    assert rows[1].body == (
        f"Phan anh {f.code} can bo sung: Cho biet ten can bo. Lien he: 0258 3822 111"
    )
    assert all(m.body.isascii() for m in rows)


def test_a_phone_only_sender_learns_of_a_transfer_by_sms(world: World) -> None:
    f = anonymous(world, contact_phone=PHONE)
    sv.feedback_transfer(
        feedback_id=f.uuid,
        actor=world.specialist,
        to_agency=world.partner,
        reason="Sai nơi.",
        at=at(3),
    )
    m = last()
    assert (m.channel, m.to) == ("sms", PHONE)
    assert m.body == (
        f"Phan anh {f.code} da chuyen den So Tai chinh. Han tra loi moi: 09:00 24/03/2026."
    )


def test_e_mail_is_preferred_when_both_are_given(world: World) -> None:
    anonymous(world, contact_email=EMAIL, contact_phone=PHONE)
    assert [(m.channel, m.to) for m in messages()] == [("email", EMAIL)]


def test_senders_without_contact_get_nothing(world: World) -> None:
    # A signed-in citizen whose account has neither e-mail nor phone.
    assert not world.citizen.email
    assert not getattr(world.citizen, "phone", "")
    f = sv.feedback_submit(
        agency=world.land, kind=Kind.REGULATION, title="T", content="N", citizen=world.citizen
    )
    sv.feedback_request_supplement(feedback_id=f.uuid, actor=world.specialist, note="Ngày nào?")
    sv.feedback_supplement(feedback_id=f.uuid, citizen=world.citizen, text="Ngày 2/3.")
    sv.feedback_transfer(
        feedback_id=f.uuid, actor=world.specialist, to_agency=world.partner, reason="Sai nơi."
    )
    sv.feedback_answer(feedback_id=f.uuid, actor=world.director, answer="Đã xử lý.")
    sv.feedback_approve(feedback_id=f.uuid, actor=world.director)
    # An anonymous item whose contact details were erased (kept, but nobody to tell).
    g = anonymous(world, contact_email=EMAIL)
    Feedback.objects.filter(pk=g.pk).update(contact_email="", contact_phone="")
    sv.feedback_refuse(feedback_id=g.uuid, actor=world.specialist, reason="Trùng.")
    assert [m.key.split(":")[0] for m in messages()] == ["feedback"]  # g's receipt only
    assert last().to == EMAIL


def test_a_message_carries_nothing_of_anyone_else(world: World) -> None:
    """A sender may name anyone's dossier: no message shows the dossier, its applicant, the
    officers or the other senders."""
    dossier = world.receive()
    applicant = dossier.applicant
    f = anonymous(world, contact_email=EMAIL, dossier_code=dossier.code)
    other = anonymous(world, contact_email="nguoi.khac@example.vn", contact_phone="0914000111")
    sv.feedback_request_supplement(feedback_id=f.uuid, actor=world.specialist, note="Ngày nào?")
    sv.feedback_refuse(feedback_id=other.uuid, actor=world.specialist, reason="Trùng.")
    f = sv.feedback_refuse(feedback_id=f.uuid, actor=world.specialist, reason="Đã giải quyết.")
    mine = [m for m in messages() if m.to == EMAIL]
    theirs = [m for m in messages() if m.to != EMAIL]
    assert len(mine) == 3
    assert len(theirs) == 2
    secrets = [
        dossier.code,
        applicant.full_name,
        applicant.personal_id,
        world.specialist.full_name,
        world.specialist.username,
        "nguoi.khac@example.vn",
        "0914000111",
        other.code,
        EMAIL,  # not even one's own address
    ]
    for m in mine:
        text = m.subject + m.body
        assert f.code in text
        for secret in secrets:
            assert secret not in text, (secret, m.key)
    for m in theirs:
        assert f.code not in m.subject + m.body


def test_the_message_belongs_to_the_transaction_of_the_change(world: World) -> None:
    f = anonymous(world, contact_email=EMAIL)
    seen: list[int] = []

    def refuse_then_fail() -> None:
        with transaction.atomic():
            sv.feedback_refuse(feedback_id=f.uuid, actor=world.specialist, reason="Trùng.")
            seen.append(len(messages()))
            raise RuntimeError("the caller's transaction fails after the service")

    with pytest.raises(RuntimeError):
        refuse_then_fail()
    assert seen == [2]  # queued inside the transaction …
    assert len(messages()) == 1  # … and gone with it
    f.refresh_from_db()
    assert f.status == "received"
    # A refused change queues nothing.
    with pytest.raises(ValidationFailed):
        sv.feedback_refuse(feedback_id=f.uuid, actor=world.specialist, reason="  ")
    with pytest.raises(ValidationFailed):
        anonymous(world, contact_email="khong-hop-le")
    assert len(messages()) == 1


def test_messages_stay_vietnamese_whatever_the_page_language(world: World) -> None:
    with translation.override("en"):
        f = anonymous(world, contact_email=EMAIL)
    assert last().subject == f"Đã tiếp nhận phản ánh, kiến nghị {f.code}"


def test_the_administrator_may_rewrite_a_message(world: World) -> None:
    NotificationTemplate.objects.create(
        event="feedback_received",
        subject="[Khánh Hòa] Đã nhận phản ánh {{ code }}",
        body="{{ agency }} đã nhận: {{ title }}. Hạn: {{ due }}.",
    )
    f = anonymous(world, contact_email=EMAIL)
    assert last().subject == f"[Khánh Hòa] Đã nhận phản ánh {f.code}"
    assert "Văn phòng Đăng ký đất đai đã nhận: Cán bộ hẹn nhiều lần." in last().body


def test_the_outbox_delivers_e_mail_and_sms(world: World, tmp_path: Path) -> None:
    f = anonymous(world, contact_email=EMAIL)
    g = anonymous(world, contact_phone=PHONE)
    sv.feedback_refuse(feedback_id=g.uuid, actor=world.specialist, reason="Trùng.")
    with override_settings(DATA_DIR=tmp_path, MOTCUA_SMS_BACKEND="motcua.portal.sms.FileBackend"):
        assert notify.deliver() == {"sent": 3, "failed": 0}
        texts = sorted(p.read_text() for p in (tmp_path / "sms").glob("*.txt"))
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([EMAIL], f"Đã tiếp nhận phản ánh, kiến nghị {f.code}")
    ]
    assert "Thời hạn trả lời" in mail.outbox[0].body
    assert len(texts) == 2
    assert all(f"To: {PHONE}" in t for t in texts)
    assert any(f"Phan anh {g.code} khong duoc tiep nhan. Ly do: Trung." in t for t in texts)
    assert notify.deliver() == {"sent": 0, "failed": 0}  # nothing twice


def test_a_mail_outage_loses_nothing_and_sends_nothing_twice(
    world: World, flaky: dict[str, bool]
) -> None:
    items = [anonymous(world, contact_email=f"nguoi{n}@example.vn") for n in range(3)]
    start = timezone.now()
    flaky["value"] = True  # the mail server is down for ten minutes
    for minute in range(11):
        notify.deliver(now=start + dt.timedelta(minutes=minute))
    assert mail.outbox == []
    assert all(m.status == "pending" and m.attempts >= 3 for m in messages())
    flaky["value"] = False
    assert notify.deliver(now=start + dt.timedelta(minutes=30)) == {"sent": 3, "failed": 0}
    assert notify.deliver(now=start + dt.timedelta(hours=2)) == {"sent": 0, "failed": 0}
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"Đã tiếp nhận phản ánh, kiến nghị {f.code}" for f in items
    )


def test_the_worker_is_asked_to_deliver_after_the_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        f = anonymous(world, contact_email=EMAIL)
    assert callbacks  # deliver_outbox enqueued; the tests' immediate backend ran it
    assert [m.subject for m in mail.outbox] == [f"Đã tiếp nhận phản ánh, kiến nghị {f.code}"]
    assert last().status == "sent"


def test_the_portal_and_workspace_pages_queue_through_the_services(world: World) -> None:
    r = Client().post(
        "/phan-anh/gui/",
        {
            "agency": str(world.land.pk),
            "kind": "conduct",
            "title": "Chờ lâu",
            "content": "Tôi chờ hai giờ.",
            "contact_name": "Lê Văn C",
            "contact_email": EMAIL,
        },
    )
    assert r.status_code == 200
    f = Feedback.objects.get()
    c = Client()
    c.force_login(world.specialist)
    r = c.post(
        f"/can-bo/phan-anh/{f.uuid}/chuyen-co-quan/",
        {"agency": str(world.partner.pk), "reason": "Thuộc thẩm quyền Sở."},
    )
    assert r.status_code == 302
    assert [m.subject for m in messages()] == [
        f"Đã tiếp nhận phản ánh, kiến nghị {f.code}",
        f"Phản ánh, kiến nghị {f.code} được chuyển đến Sở Tài chính",
    ]
