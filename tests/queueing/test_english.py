"""The queue pages in English after the language switch (cookie), Vietnamese by default; the
spoken call stays Vietnamese (docs/i18n.md)."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.queueing.conftest import Queue

from motcua.queueing.services import call_next, ticket_issue


@pytest.fixture(autouse=True)
def _always_open(settings: object) -> None:
    settings.MOTCUA_QUEUE_OPENING_HOURS = False  # type: ignore[attr-defined]


def english(user: object | None = None) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


def test_kiosk_in_english_with_the_cookie(queue: Queue) -> None:
    html = english().get("/xep-hang/kiosk/tinh/").content.decode()
    assert "Take a queue ticket" in html
    assert "Priority — Đất đai" in html  # the group's name is data, not translated
    assert "Booked ahead?" in html
    assert "Lấy số thứ tự" not in html
    assert 'value="vi" lang="vi">Tiếng Việt</button>' in html
    # Vietnamese by default, with a prominent English switch on the kiosk.
    default = Client().get("/xep-hang/kiosk/tinh/").content.decode()
    assert "Lấy số thứ tự" in default
    assert 'class="kiosk-lang"' in default
    assert 'value="en" lang="en">English</button>' in default


def test_kiosk_switch_sets_the_cookie(queue: Queue) -> None:
    client = Client()
    response = client.post(
        "/ngon-ngu/setlang/", {"language": "en", "next": "/xep-hang/kiosk/tinh/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/xep-hang/kiosk/tinh/"
    assert "Take a queue ticket" in client.get("/xep-hang/kiosk/tinh/").content.decode()


def test_errors_and_tickets_in_english(queue: Queue) -> None:
    client = english()
    bad = client.post("/xep-hang/kiosk/tinh/", {"ma_dat_lich": "NOPE"})
    assert bad.status_code == 400
    assert "No booking with this code at this site." in bad.content.decode()
    client.post("/xep-hang/kiosk/tinh/", {"nhom": queue.a.pk})
    ticket = queue.site.tickets.get()
    printed = client.get(f"/xep-hang/ve/{ticket.uuid}/in/").content.decode()
    assert "QUEUE NUMBER" in printed
    assert "Print the ticket" in printed


def test_counter_board_booking_statistics_in_english(queue: Queue) -> None:
    ticket_issue(site=queue.site, group=queue.a)
    call_next(counter=queue.c1, officer=queue.o1)
    counter = english(queue.o1).get(f"/xep-hang/quay/{queue.c1.pk}/").content.decode()
    assert "Current ticket" in counter
    assert "Start serving" in counter
    board = english().get("/xep-hang/bang/tinh/").content.decode()
    assert "Please come to the counter" in board
    assert "Mời công dân số 1 đến quầy số 1" in board  # the call stays Vietnamese
    booking = english().get("/xep-hang/dat-lich/tinh/").content.decode()
    assert "Book a queue ticket ahead" in booking
    assert "Phone number" in booking
    cancel = english().get("/xep-hang/dat-lich/huy/").content.decode()
    assert "Last 4 digits of the phone number" in cancel
    rating = english().get(f"/xep-hang/danh-gia/{queue.c1.device_key}/").content.decode()
    assert "Satisfaction rating" in rating
    stats = english(queue.world.director).get("/xep-hang/thong-ke/?diem=tinh").content.decode()
    assert "Queue statistics" in stats
    assert "Mean waiting time" in stats
