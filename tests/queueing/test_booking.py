"""Booking ahead, complete: a slot within opening hours of a working day, capacity per slot,
a booking code with its QR code, a reminder through the portal's outbox, cancellation with the
code and the phone's last digits, and the check-in at the kiosk that joins the same queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from tests.queueing.conftest import MORNING, Queue

from motcua.portal import notify
from motcua.portal.models import OutboxMessage
from motcua.queueing.models import EventKind, Ticket, TicketEvent, TicketStatus
from motcua.queueing.services import (
    QueueError,
    booking_cancel,
    call_next,
    clean_phone,
    reminder_due,
    ticket_book,
    ticket_check_in,
)
from motcua.workcalendar.selectors import clear_cache

BEFORE = MORNING - dt.timedelta(days=3)  # Friday 27 February 2026, 08:00
PHONE = "0912 345 678"
PAST = "2020-01-06T09:00:00+07:00"


@pytest.fixture(autouse=True)
def _fresh() -> None:
    clear_cache()
    cache.clear()


def book(q: Queue, slot: dt.datetime, **kw: str) -> Ticket:
    kw.setdefault("phone", PHONE)
    return ticket_book(site=q.site, group=q.a, slot=slot, at=BEFORE, **kw)


def test_booking_keeps_the_contact_and_queues_a_reminder(queue: Queue) -> None:
    slot = MORNING.replace(hour=9)
    t = book(queue, slot, email="dan@example.vn")
    assert t.contact_phone == "0912345678"
    assert t.contact_email == "dan@example.vn"
    assert reminder_due(t) == slot - dt.timedelta(hours=2)
    messages = {m.channel: m for m in OutboxMessage.objects.all()}
    assert set(messages) == {"email", "sms"}
    assert messages["email"].next_attempt_at == slot - dt.timedelta(hours=2)
    assert t.booking_code in messages["email"].body
    assert "09:00 ngày 02/03/2026" in messages["email"].body
    assert messages["sms"].to == "0912345678"
    assert messages["sms"].body.isascii()
    assert t.booking_code in messages["sms"].body
    # Not sent before its time; sent once when due.
    assert notify.deliver(now=BEFORE)["sent"] == 0
    assert mail.outbox == []
    assert notify.deliver(now=slot - dt.timedelta(hours=1))["sent"] == 2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dan@example.vn"]
    assert notify.deliver(now=slot)["sent"] == 0


def test_no_reminder_when_the_slot_is_near_or_no_contact(queue: Queue) -> None:
    slot = MORNING.replace(hour=9)
    near = ticket_book(site=queue.site, group=queue.a, slot=slot, phone=PHONE, at=queue.at(0))
    assert reminder_due(near) is None
    silent = ticket_book(site=queue.site, group=queue.a, slot=slot, at=BEFORE)
    assert reminder_due(silent) is None
    assert OutboxMessage.objects.count() == 0


def test_bad_booking_input(queue: Queue) -> None:
    q = queue
    with pytest.raises(QueueError, match="ngày nghỉ"):  # Sunday 1 March
        book(q, MORNING.replace(day=1, hour=9))
    with pytest.raises(QueueError, match="ngày nghỉ"):  # 30 April, a public holiday
        book(q, MORNING.replace(month=4, day=30, hour=9))
    with pytest.raises(QueueError, match="đã qua"):
        book(q, BEFORE - dt.timedelta(days=3))
    with pytest.raises(QueueError, match="giờ làm việc"):
        book(q, MORNING.replace(hour=18))
    with pytest.raises(QueueError, match="điện thoại không hợp lệ"):
        book(q, MORNING, phone="12ab")
    with pytest.raises(QueueError, match="điện thoại không hợp lệ"):
        book(q, MORNING, phone="0912")
    with pytest.raises(QueueError, match="thư điện tử"):
        book(q, MORNING, email="không-phải-thư")
    q.a.slot_capacity = 2
    q.a.save()
    book(q, MORNING)
    book(q, MORNING)
    with pytest.raises(QueueError, match="đủ lượt"):
        book(q, MORNING)
    q.b.slot_capacity = 0
    q.b.save()
    with pytest.raises(QueueError, match="không nhận đặt lịch"):
        ticket_book(site=q.site, group=q.b, slot=MORNING, phone=PHONE, at=BEFORE)
    assert Ticket.objects.count() == 2
    assert clean_phone("+84 912 345 678") == "0912345678"


def test_cancel_with_code_and_phone_digits(queue: Queue) -> None:
    q = queue
    q.a.slot_capacity = 1
    q.a.save()
    t = book(q, MORNING)
    for code, digits in (
        ("ZZZZZZZZ", "5678"),  # wrong code
        (t.booking_code, "0000"),  # wrong digits
    ):
        with pytest.raises(QueueError, match="không đúng"):
            booking_cancel(booking_code=code, phone_digits=digits, at=BEFORE)
    with pytest.raises(QueueError, match="8 ký tự"):
        booking_cancel(booking_code="", phone_digits="5678", at=BEFORE)
    with pytest.raises(QueueError, match="8 ký tự"):
        booking_cancel(booking_code=t.booking_code, phone_digits="56", at=BEFORE)
    assert OutboxMessage.objects.count() == 1  # the SMS reminder
    done = booking_cancel(booking_code=t.booking_code.lower(), phone_digits="5678", at=BEFORE)
    assert done.status == TicketStatus.CANCELLED
    assert OutboxMessage.objects.count() == 0  # the reminder withdrawn
    assert TicketEvent.objects.filter(ticket=t, kind=EventKind.CANCEL).exists()
    with pytest.raises(QueueError, match="đã hủy"):
        booking_cancel(booking_code=t.booking_code, phone_digits="5678", at=BEFORE)
    with pytest.raises(QueueError):
        ticket_check_in(site=q.site, booking_code=t.booking_code, at=MORNING)
    # The slot is free again.
    assert book(q, MORNING).status == TicketStatus.BOOKED


def test_checked_in_booking_cannot_be_cancelled_and_joins_the_queue(queue: Queue) -> None:
    q = queue
    t = book(q, MORNING.replace(hour=8, minute=30))
    checked = ticket_check_in(site=q.site, booking_code=t.booking_code, at=q.at(10))
    assert checked.status == TicketStatus.WAITING
    assert OutboxMessage.objects.count() == 0  # came: no reminder any more
    with pytest.raises(QueueError, match="đã được xác nhận"):
        booking_cancel(booking_code=t.booking_code, phone_digits="5678", at=q.at(11))
    called = call_next(counter=q.c1, officer=q.o1, at=q.at(40))
    assert called is not None
    assert called.pk == t.pk


# --- pages --------------------------------------------------------------------------------


def test_booking_pages_end_to_end(queue: Queue, client: Client, settings: object) -> None:
    settings.MOTCUA_QUEUE_OPENING_HOURS = False  # type: ignore[attr-defined]
    page = client.get("/xep-hang/dat-lich/tinh/")
    assert page.status_code == 200
    slot = page.context["days"][0][1][0]
    assert slot > timezone.now()
    form = {"nhom": queue.a.pk, "khung_gio": slot.isoformat(), "dien_thoai": PHONE}
    response = client.post("/xep-hang/dat-lich/tinh/", form)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/xep-hang/dat-lich/ve/{ticket.uuid}/"
    done = client.get(response["Location"])
    html = done.content.decode()
    assert ticket.booking_code in html
    assert "<svg" in html  # the QR code
    assert f"/xep-hang/dat-lich/huy/?ma={ticket.booking_code}" in html
    # The kiosk's scanner types the QR code's content: the booking code itself.
    Ticket.objects.filter(pk=ticket.pk).update(
        day=timezone.localdate(), booked_for=timezone.now() + dt.timedelta(minutes=5)
    )
    checked = client.post("/xep-hang/kiosk/tinh/", {"ma_dat_lich": ticket.booking_code})
    assert checked.status_code == 302
    assert checked["Location"] == f"/xep-hang/ve/{ticket.uuid}/in/?kiosk=tinh"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    # Checked in: no cancellation any more.
    late = client.post("/xep-hang/dat-lich/huy/", {"ma": ticket.booking_code, "so_cuoi": "5678"})
    assert late.status_code == 400


def test_booking_page_bad_input(queue: Queue, client: Client) -> None:
    page = client.get("/xep-hang/dat-lich/tinh/")
    slot = page.context["days"][0][1][0].isoformat()
    for form, message in (
        ({"khung_gio": slot, "dien_thoai": PHONE}, "nhóm dịch vụ"),
        ({"nhom": queue.a.pk, "khung_gio": "hôm nay", "dien_thoai": PHONE}, "khung giờ"),
        ({"nhom": queue.a.pk, "khung_gio": slot}, "số điện thoại"),
        ({"nhom": queue.a.pk, "khung_gio": slot, "dien_thoai": "abc"}, "không hợp lệ"),
        ({"nhom": queue.a.pk, "khung_gio": PAST, "dien_thoai": PHONE}, "đã qua"),
    ):
        response = client.post("/xep-hang/dat-lich/tinh/", form)
        assert response.status_code == 400, form
        assert message in response.content.decode(), form
    assert not Ticket.objects.exists()
    missing = client.get("/xep-hang/dat-lich/ve/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404


def test_cancel_page(queue: Queue, client: Client) -> None:
    t = book(queue, MORNING + dt.timedelta(days=30))
    page = client.get(f"/xep-hang/dat-lich/huy/?ma={t.booking_code}")
    assert page.status_code == 200
    assert f'value="{t.booking_code}"' in page.content.decode()
    wrong = client.post("/xep-hang/dat-lich/huy/", {"ma": t.booking_code, "so_cuoi": "1111"})
    assert wrong.status_code == 400
    assert "không đúng" in wrong.content.decode()
    ok = client.post("/xep-hang/dat-lich/huy/", {"ma": t.booking_code, "so_cuoi": "5678"})
    assert ok.status_code == 200
    assert "data-cancelled" in ok.content.decode()
    t.refresh_from_db()
    assert t.status == TicketStatus.CANCELLED


def test_cancel_page_is_rate_limited(queue: Queue, client: Client, settings: object) -> None:
    settings.MOTCUA_TRACKING_PER_MINUTE = 3  # type: ignore[attr-defined]
    t = book(queue, MORNING + dt.timedelta(days=30))
    for _ in range(3):
        r = client.post("/xep-hang/dat-lich/huy/", {"ma": t.booking_code, "so_cuoi": "0000"})
        assert r.status_code == 400
    blocked = client.post("/xep-hang/dat-lich/huy/", {"ma": t.booking_code, "so_cuoi": "5678"})
    assert blocked.status_code == 429
    t.refresh_from_db()
    assert t.status == TicketStatus.BOOKED
