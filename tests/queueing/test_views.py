"""The queue pages through Django's test client: kiosk, ticket, counter, board (JSON and
server-sent events), rating screen, lookup, booking, statistics. Clock: real ``now`` with the
opening-hours rule switched off (the kiosk page uses the current time)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.queueing.conftest import Queue

from motcua.queueing.models import Priority, Ticket, TicketStatus
from motcua.queueing.services import call_next, ticket_finish, ticket_issue, ticket_link_dossier
from motcua.queueing.speech import spoken_wav
from motcua.ratings.models import Rating, Source


@pytest.fixture(autouse=True)
def _always_open(settings: object) -> None:
    settings.MOTCUA_QUEUE_OPENING_HOURS = False  # type: ignore[attr-defined]
    settings.MOTCUA_QUEUE_STREAM_SECONDS = 0  # type: ignore[attr-defined]


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_kiosk_issues_normal_and_priority_tickets(queue: Queue, client: Client) -> None:
    page = client.get("/xep-hang/kiosk/tinh/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Lấy số thứ tự" in html
    assert 'class="kiosk"' in html
    assert "Ưu tiên — Đất đai" in html
    response = client.post("/xep-hang/kiosk/tinh/", {"nhom": queue.a.pk})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/xep-hang/ve/{ticket.uuid}/in/?kiosk=tinh"
    assert ticket.priority == ""
    client.post("/xep-hang/kiosk/tinh/", {"nhom_uu_tien": queue.b.pk})
    urgent = Ticket.objects.get(number=2)
    assert urgent.priority == Priority.GENERAL
    assert urgent.group == queue.b


def test_kiosk_bad_input(queue: Queue, client: Client) -> None:
    for data in ({}, {"nhom": "abc"}, {"nhom": 999999}):
        response = client.post("/xep-hang/kiosk/tinh/", data)
        assert response.status_code == 400
        assert "Hãy chọn một nhóm dịch vụ" in response.content.decode()
    response = client.post("/xep-hang/kiosk/tinh/", {"ma_dat_lich": "NOPE"})
    assert response.status_code == 400
    assert "Không tìm thấy lịch hẹn" in response.content.decode()
    assert client.get("/xep-hang/kiosk/khong-co/").status_code == 404
    assert not Ticket.objects.exists()


def test_printed_ticket_has_qr_both_widths_and_follow_page(queue: Queue, client: Client) -> None:
    first = ticket_issue(site=queue.site, group=queue.a)
    second = ticket_issue(site=queue.site, group=queue.a)
    page = client.get(f"/xep-hang/ve/{second.uuid}/in/?kiosk=tinh").content.decode()
    assert "<svg" in page
    assert "size: 80mm auto" in page
    assert "data-ahead>1<" in page
    assert 'href="/xep-hang/kiosk/tinh/"' in page
    a6 = client.get(f"/xep-hang/ve/{second.uuid}/in/?kho=a6").content.decode()
    assert "size: A6" in a6
    follow = client.get(f"/xep-hang/ve/{second.uuid}/").content.decode()
    assert "Số người chờ trước bạn" in follow
    assert "data-ahead>1<" in follow
    call_next(counter=queue.c1, officer=queue.o1)
    call_next(counter=queue.c2, officer=queue.o2)
    follow = client.get(f"/xep-hang/ve/{second.uuid}/").content.decode()
    assert "Mời bạn đến quầy số 2" in follow
    assert first.pk != second.pk
    assert client.get("/xep-hang/ve/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_counter_page_flow(queue: Queue) -> None:
    ticket_issue(site=queue.site, group=queue.a)
    ticket_issue(site=queue.site, group=queue.a)
    officer = signed_in(queue.o1)
    page = officer.get(f"/xep-hang/quay/{queue.c1.pk}/").content.decode()
    assert "Gọi số tiếp theo" in page
    assert 'http-equiv="refresh"' in page  # an idle counter sees new arrivals
    officer.post(f"/xep-hang/quay/{queue.c1.pk}/goi/")
    page = officer.get(f"/xep-hang/quay/{queue.c1.pk}/").content.decode()
    first = Ticket.objects.get(number=1)
    assert "data-current>1<" in page
    assert f'href="/can-bo/tiep-nhan/?ve={first.pk}"' in page
    officer.post(f"/xep-hang/quay/{queue.c1.pk}/goi-lai/")
    officer.post(f"/xep-hang/quay/{queue.c1.pk}/bat-dau/")
    officer.post(f"/xep-hang/quay/{queue.c1.pk}/xong/")
    first.refresh_from_db()
    assert first.status == TicketStatus.DONE
    assert first.call_count == 2
    officer.post(f"/xep-hang/quay/{queue.c1.pk}/goi/")
    response = officer.post(f"/xep-hang/quay/{queue.c1.pk}/chuyen/", {"den": f"quay:{queue.c2.pk}"})
    assert response.status_code == 302
    second = Ticket.objects.get(number=2)
    assert second.target_counter == queue.c2
    assert second.status == TicketStatus.WAITING
    # Bad transfer target and unknown action.
    officer.post(f"/xep-hang/quay/{queue.c1.pk}/goi/")  # nobody left for counter 1
    page = officer.get(f"/xep-hang/quay/{queue.c1.pk}/").content.decode()
    assert "Không còn công dân nào đang chờ" in page
    assert officer.post(f"/xep-hang/quay/{queue.c1.pk}/nhay-mua/").status_code == 404
    response = officer.post(f"/xep-hang/quay/{queue.c2.pk}/goi/")  # not this officer's counter
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == TicketStatus.WAITING
    officer2 = signed_in(queue.o2)
    officer2.post(f"/xep-hang/quay/{queue.c2.pk}/goi/")
    officer2.post(f"/xep-hang/quay/{queue.c2.pk}/vang-mat/")
    second.refresh_from_db()
    assert second.status == TicketStatus.NO_SHOW


def test_counter_pages_need_a_counter_role(queue: Queue, client: Client) -> None:
    assert client.get("/xep-hang/quay/").status_code == 302  # to sign in
    outsider = signed_in(queue.world.specialist)
    assert outsider.get("/xep-hang/quay/").status_code == 404
    assert outsider.get(f"/xep-hang/quay/{queue.c1.pk}/").status_code == 404
    assert outsider.post(f"/xep-hang/quay/{queue.c1.pk}/goi/").status_code == 404
    assert outsider.get("/xep-hang/thong-ke/").status_code == 404
    # Another officer of the site is sent to the counter list to take a counter.
    director = signed_in(queue.world.director)
    assert director.get(f"/xep-hang/quay/{queue.c1.pk}/").status_code == 302
    listing = director.get("/xep-hang/quay/").content.decode()
    assert "Nhận quầy số 1" in listing
    counter4 = queue.c1.__class__.objects.create(site=queue.site, number=4)
    response = director.post("/xep-hang/quay/", {"quay": counter4.pk})
    assert response["Location"] == f"/xep-hang/quay/{counter4.pk}/"
    response = director.post("/xep-hang/quay/", {"quay": "x"})
    assert "Hãy chọn một quầy" in response.content.decode()
    response = director.post(f"/xep-hang/quay/{counter4.pk}/roi-quay/")
    counter4.refresh_from_db()
    assert counter4.officer is None


def test_board_json_and_event_stream(queue: Queue, client: Client) -> None:
    ticket_issue(site=queue.site, group=queue.a)
    page = client.get("/xep-hang/bang/tinh/").content.decode()
    assert "Chưa gọi số nào" in page
    assert "EventSource" in page
    called = call_next(counter=queue.c2, officer=queue.o2)
    assert called is not None
    data = client.get("/xep-hang/bang/tinh/du-lieu/").json()
    assert data["rows"] == [
        {
            "number": 1,
            "counter": 2,
            "group": "A",
            "status": "called",
            "status_label": "Mời đến quầy",
            "called_at": data["rows"][0]["called_at"],
        }
    ]
    assert data["last_call"]["text"] == "Mời công dân số 1 đến quầy số 2"
    stream = client.get("/xep-hang/bang/tinh/su-kien/")
    assert stream["Content-Type"] == "text/event-stream"
    body = b"".join(stream.streaming_content).decode()  # type: ignore[attr-defined]
    assert body.startswith("retry: 2000")
    event = next(line for line in body.splitlines() if line.startswith("data: "))
    assert json.loads(event[6:])["rows"][0]["number"] == 1
    assert f"id: {data['version']}" in body
    # A reconnecting board that already has this version gets no repeat.
    again = client.get("/xep-hang/bang/tinh/su-kien/", HTTP_LAST_EVENT_ID=str(data["version"]))
    assert "event: board" not in b"".join(again.streaming_content).decode()  # type: ignore[attr-defined]


def test_speech_is_off_by_default(queue: Queue, client: Client) -> None:
    ticket_issue(site=queue.site, group=queue.a)
    call_next(counter=queue.c1, officer=queue.o1)
    event = client.get("/xep-hang/bang/tinh/du-lieu/").json()["last_call"]["event"]
    assert client.get(f"/xep-hang/bang/tinh/loi-goi/{event}.wav").status_code == 404
    assert 'id="sound"' not in client.get("/xep-hang/bang/tinh/").content.decode()


def test_speech_when_on_reads_the_call(
    queue: Queue, client: Client, settings: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in for espeak-ng that records its arguments and answers with a WAV header.
    fake = tmp_path / "espeak-ng"
    fake.write_text('#!/bin/sh\necho "$@" > "$(dirname "$0")/args"\nprintf "RIFF0000WAVE"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    settings.MOTCUA_QUEUE_SPEECH = True  # type: ignore[attr-defined]
    spoken_wav.cache_clear()
    ticket_issue(site=queue.site, group=queue.a)
    call_next(counter=queue.c3, officer=queue.o3)
    event = client.get("/xep-hang/bang/tinh/du-lieu/").json()["last_call"]["event"]
    response = client.get(f"/xep-hang/bang/tinh/loi-goi/{event}.wav")
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response.content.startswith(b"RIFF")
    assert "-v vi" in (tmp_path / "args").read_text()
    assert "Mời công dân số 1 đến quầy số 3" in (tmp_path / "args").read_text()
    assert 'id="sound"' in client.get("/xep-hang/bang/tinh/").content.decode()
    assert client.get(f"/xep-hang/bang/tinh/loi-goi/{event + 999}.wav").status_code == 404
    spoken_wav.cache_clear()


def test_rating_screen_records_in_the_shared_store(queue: Queue, client: Client) -> None:
    url = f"/xep-hang/danh-gia/{queue.c1.device_key}/"
    assert "Quầy đang phục vụ" in client.get(url).content.decode()
    ticket = ticket_issue(site=queue.site, group=queue.a)
    call_next(counter=queue.c1, officer=queue.o1)
    dossier = queue.world.receive(at=timezone.now())
    ticket_link_dossier(ticket=ticket, dossier=dossier, actor=queue.o1)
    ticket_finish(counter=queue.c1, officer=queue.o1)
    page = client.get(url).content.decode()
    assert "Rất hài lòng" in page
    assert "vé số <strong>1</strong>" in page
    bad = client.post(url, {"ve": str(ticket.uuid), "muc": "9"})
    assert bad.status_code == 400
    assert "không có trong thang" in bad.content.decode()
    wrong = client.post(url, {"ve": "x", "muc": "4"})
    assert wrong.status_code == 400
    done = client.post(url, {"ve": str(ticket.uuid), "muc": "4"})
    assert "Cảm ơn" in done.content.decode()
    rating = Rating.objects.get()
    assert rating.source == Source.COUNTER_DEVICE
    assert rating.subject == f"ticket:{ticket.pk}"
    assert rating.officer == queue.o1
    assert rating.dossier == dossier
    assert rating.level == 4
    # Once only.
    again = client.post(url, {"ve": str(ticket.uuid), "muc": "1"})
    assert again.status_code == 400
    assert Rating.objects.count() == 1
    assert client.get("/xep-hang/danh-gia/khong-co/").status_code == 404


def test_lookup_procedures_and_dossier_by_receipt_qr(queue: Queue, client: Client) -> None:
    found = client.get("/xep-hang/tra-cuu/", {"thu-tuc": "bien dong dat"}).content.decode()
    assert "Đăng ký biến động đất đai" in found
    assert 'href="/thu-tuc/1.004222/"' in found  # the portal's full procedure page
    none = client.get("/xep-hang/tra-cuu/", {"thu-tuc": "xyzzy"}).content.decode()
    assert "Không tìm thấy thủ tục" in none
    dossier = queue.world.receive()
    factor = dossier.applicant.phone[-4:]
    scanned = f"https://motcua.example/tra-cuu/{dossier.code}/"  # the receipt's QR
    page = client.get("/xep-hang/tra-cuu/", {"ma": scanned, "xac-minh": factor})
    html = page.content.decode()
    assert page.status_code == 200
    assert dossier.code in html
    assert dossier.get_status_display() in html
    assert dossier.applicant.full_name not in html  # no personal data on a public screen
    by_uuid = client.get("/xep-hang/tra-cuu/", {"ma": str(dossier.uuid), "xac-minh": factor})
    assert dossier.get_status_display() in by_uuid.content.decode()
    # Without the second factor, or with a wrong one, nothing is revealed.
    bare = client.get("/xep-hang/tra-cuu/", {"ma": dossier.code})
    assert bare.status_code == 400
    assert dossier.get_status_display() not in bare.content.decode()
    wrong = client.get("/xep-hang/tra-cuu/", {"ma": dossier.code, "xac-minh": "0000"})
    assert wrong.status_code == 404
    assert "Không tìm thấy hồ sơ khớp" in wrong.content.decode()
    missing = client.get("/xep-hang/tra-cuu/", {"ma": "khong-co", "xac-minh": factor})
    assert missing.status_code == 404


def test_lookup_is_rate_limited(queue: Queue, client: Client, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.MOTCUA_TRACKING_PER_CODE_HOUR = 2
    for _ in range(2):
        assert (
            client.get("/xep-hang/tra-cuu/", {"ma": "X-1", "xac-minh": "1234"}).status_code == 404
        )
    assert client.get("/xep-hang/tra-cuu/", {"ma": "X-1", "xac-minh": "1234"}).status_code == 429
    cache.clear()


def test_booking_page(queue: Queue, client: Client) -> None:
    page = client.get("/xep-hang/dat-lich/tinh/")
    assert page.status_code == 200
    slot = page.context["days"][0][1][0]
    response = client.post(
        "/xep-hang/dat-lich/tinh/",
        {"nhom": queue.a.pk, "khung_gio": slot.isoformat(), "dien_thoai": "0912345678"},
        follow=True,
    )
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.BOOKED
    assert ticket.booking_code in response.content.decode()
    bad = client.post("/xep-hang/dat-lich/tinh/", {"nhom": queue.a.pk, "khung_gio": "hôm nay"})
    assert bad.status_code == 400
    assert "khung giờ" in bad.content.decode()


def test_statistics_page(queue: Queue) -> None:
    ticket_issue(site=queue.site, group=queue.a)
    call_next(counter=queue.c1, officer=queue.o1)
    ticket_finish(counter=queue.c1, officer=queue.o1)
    page = signed_in(queue.world.director).get("/xep-hang/thong-ke/").content.decode()
    assert "data-issued>1<" in page
    assert "data-served>1<" in page
    assert "Theo cán bộ" in page
    bad = signed_in(queue.world.director).get("/xep-hang/thong-ke/?tu=hom-qua")
    assert bad.status_code == 200
    assert "Ngày không hợp lệ" in bad.content.decode()
