"""A morning at the counters in a real browser (issue 8, "Done when"): tickets taken at the kiosk
(normal and priority), two counters calling at once, a transfer, a no-show, an intake started
from a called ticket, the display board updating by itself, a rating given at the counter — and
the statistics checked. The kiosk, printed ticket and display board pass axe-core."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect
from tests.queueing.conftest import Queue, queue  # noqa: F401  (the fixture)

from motcua.queueing.models import Priority, Ticket, TicketStatus
from motcua.queueing.services import ticket_for_officer, ticket_link_dossier
from motcua.ratings.models import Rating, Source

#: Event streams end after this long; the browser reconnects by itself.
STREAM_SECONDS = 3

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # On the in-memory SQLite test database the live server's request threads share the test's
    # one connection: two counters calling at once and the board's event stream then interleave
    # their savepoints on it ("no such savepoint"), which a real server never does (a
    # connection per thread). The journey runs on PostgreSQL, in CI too.
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="concurrent requests share one in-memory SQLite connection; runs on PostgreSQL",
    ),
]


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> None:
    settings.MOTCUA_QUEUE_OPENING_HOURS = False  # the test may run at night
    settings.MOTCUA_QUEUE_STREAM_SECONDS = STREAM_SECONDS


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _page(browser: Any, contexts: list[Any], live_server: Any, user: Any = None) -> Any:
    context = browser.new_context(locale="vi-VN")
    contexts.append(context)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def _take(kiosk: Any, live_server: Any, button: str) -> Ticket:
    kiosk.get_by_role("button", name=button, exact=True).click()
    kiosk.wait_for_url("**/in/?kiosk=tinh")
    number = int(kiosk.locator("#ve-so").inner_text())
    kiosk.get_by_role("link", name="Xong").click()
    kiosk.wait_for_url(f"{live_server.url}/xep-hang/kiosk/tinh/")
    return Ticket.objects.get(number=number, day=timezone.localdate())


def test_a_morning_at_the_counters(
    queue: Queue,  # noqa: F811 (the imported fixture)
    live_server: Any,
    browser: Any,
    contexts: list[Any],
) -> None:
    from tests.browser.axe import assert_accessible

    url = live_server.url
    # --- The kiosk: three ordinary tickets and one priority ticket. -----------------------
    kiosk = _page(browser, contexts, live_server)
    kiosk.goto(f"{url}/xep-hang/kiosk/tinh/")
    assert_accessible(kiosk, context="/xep-hang/kiosk/tinh/")
    kiosk.screenshot(path="var/screenshot-queue-kiosk.png", full_page=True)
    t1 = _take(kiosk, live_server, "Đất đai")
    t2 = _take(kiosk, live_server, "Đất đai")
    t3 = _take(
        kiosk,
        live_server,
        "Vé ưu tiên, Đất đai: người cao tuổi, phụ nữ mang thai, người khuyết tật",
    )
    t4 = _take(kiosk, live_server, "Tư pháp, hộ tịch")
    assert [t.number for t in (t1, t2, t3, t4)] == [1, 2, 3, 4]
    assert t3.priority == Priority.GENERAL
    # The printed ticket (A6 this time) with its QR code and the people ahead.
    kiosk.goto(f"{url}/xep-hang/ve/{t2.uuid}/in/?kho=a6")
    assert kiosk.locator(".qr svg").count() == 1
    assert kiosk.locator("[data-ahead]").inner_text() == "2"  # the priority ticket and #1
    assert_accessible(kiosk, context="ticket")
    kiosk.screenshot(path="var/screenshot-queue-ticket.png", full_page=True)

    # --- The display board, left open. ---------------------------------------------------
    board = _page(browser, contexts, live_server)
    board.goto(f"{url}/xep-hang/bang/tinh/")
    assert "Chưa gọi số nào" in board.locator("#rows").inner_text()
    assert_accessible(board, context="/xep-hang/bang/tinh/")
    # A second board without event streams (old browser, proxy): the polling fallback.
    polled = _page(browser, contexts, live_server)
    polled.goto(f"{url}/xep-hang/bang/tinh/?che-do=poll")
    assert polled.locator("#mode").inner_text() == "Cập nhật mỗi 3 giây."

    # --- Two counters call at the same moment. --------------------------------------------
    c1 = _page(browser, contexts, live_server, queue.o1)
    c2 = _page(browser, contexts, live_server, queue.o2)
    c1.goto(f"{url}/xep-hang/quay/{queue.c1.pk}/")
    c2.goto(f"{url}/xep-hang/quay/{queue.c2.pk}/")
    submit = "document.querySelector('form[action$=\"/goi/\"]').requestSubmit()"
    c1.evaluate(submit)
    c2.evaluate(submit)
    c1.wait_for_selector("[data-current]")
    c2.wait_for_selector("[data-current]")
    called = {
        int(c1.locator("[data-current]").inner_text()),
        int(c2.locator("[data-current]").inner_text()),
    }
    assert called == {3, 1}  # the priority ticket first, then the oldest one
    first, second = (c1, c2) if c1.locator("[data-current]").inner_text() == "3" else (c2, c1)
    first_counter = queue.c1 if first is c1 else queue.c2

    # The board updates by itself (server-sent events).
    board.wait_for_function(
        "document.querySelectorAll('#rows tr').length === 2"
        " && document.getElementById('announce').textContent.startsWith('Mời công dân số')"
    )
    assert board.locator("#mode").inner_text() == "Cập nhật trực tiếp."
    polled.wait_for_function("document.querySelectorAll('#rows tr').length === 2")

    # --- The priority ticket: an intake started from the called ticket. ----------------------
    intake = first.get_by_role("link", name="Tiếp nhận hồ sơ cho vé này")
    assert intake.get_attribute("href") == f"/can-bo/tiep-nhan/?ve={t3.pk}"
    # What the officer workspace does on that page: find the ticket, receive, link.
    officer = queue.o1 if first is c1 else queue.o2
    ticket = ticket_for_officer(officer, t3.pk)
    dossier = queue.world.receive(at=timezone.now())
    ticket_link_dossier(ticket=ticket, dossier=dossier, actor=officer)
    first.reload()
    assert "Đang phục vụ" in first.content()
    first.get_by_role("button", name="Kết thúc phục vụ").click()
    expect(first.locator("body")).to_contain_text("Mời công dân đánh giá")

    # The rating screen at that counter.
    rating = _page(browser, contexts, live_server)
    rating.goto(f"{url}/xep-hang/danh-gia/{first_counter.device_key}/")
    rating.get_by_role("button", name="Rất hài lòng").click()
    expect(rating.locator("body")).to_contain_text("Cảm ơn")
    given = Rating.objects.get()
    assert given.source == Source.COUNTER_DEVICE
    assert given.subject == f"ticket:{t3.pk}"
    assert given.dossier == dossier
    assert given.officer == officer

    # --- Ticket 1 is transferred to group B; ticket 2 does not come. ---------------------------
    second.get_by_label("Chuyển vé đến").select_option(f"nhom:{queue.b.pk}")
    second.get_by_role("button", name="Chuyển", exact=True).click()
    expect(second.locator("body")).to_contain_text("Đã chuyển số 1")
    second.get_by_role("button", name="Gọi số tiếp theo").click()
    assert second.locator("[data-current]").inner_text() == "2"
    board.wait_for_function("document.getElementById('announce').textContent.includes('số 2 ')")
    second.get_by_role("button", name="Vắng mặt (bỏ qua)").click()
    expect(second.locator("body")).to_contain_text("Số 2: vắng mặt")

    # Counter 3 serves group B: the transferred ticket keeps its earlier place before #4.
    c3 = _page(browser, contexts, live_server, queue.o3)
    c3.goto(f"{url}/xep-hang/quay/{queue.c3.pk}/")
    c3.get_by_role("button", name="Gọi số tiếp theo").click()
    assert c3.locator("[data-current]").inner_text() == "1"
    c3.screenshot(path="var/screenshot-queue-counter.png", full_page=True)
    c3.get_by_role("button", name="Bắt đầu phục vụ").click()
    c3.get_by_role("button", name="Kết thúc phục vụ").click()

    # --- Statistics. --------------------------------------------------------------------
    director = _page(browser, contexts, live_server, queue.world.director)
    director.goto(f"{url}/xep-hang/thong-ke/?diem=tinh")
    assert director.locator("[data-issued]").inner_text() == "4"
    assert director.locator("[data-served]").inner_text() == "2"
    assert director.locator("[data-no-show]").inner_text().startswith("1 (tỷ lệ 33.3 %)") or (
        director.locator("[data-no-show]").inner_text().startswith("1 (tỷ lệ 33,3 %)")
    )
    # The same numbers on the monitoring dashboard's "Xếp hàng tại quầy" panel (today's row).
    director.goto(f"{url}/giam-sat/")
    today = director.locator("[data-queue-today] td")
    assert [today.nth(i).inner_text() for i in range(4)] in (
        ["4", "2", "1", "33.3 %"],
        ["4", "2", "1", "33,3 %"],
    )
    assert director.locator("[data-queue-panel] svg[role=img]").count() == 1
    director.locator("[data-queue-panel]").get_by_role("link", name="Trung tâm PVHCC tỉnh").click()
    director.wait_for_url("**/xep-hang/thong-ke/?diem=tinh**")
    assert director.locator("[data-issued]").inner_text() == "4"
    statuses = dict(Ticket.objects.values_list("number", "status"))
    assert statuses == {
        1: TicketStatus.DONE,
        2: TicketStatus.NO_SHOW,
        3: TicketStatus.DONE,
        4: TicketStatus.WAITING,
    }
    # Several streams have ended and reconnected meanwhile: the board is still live.
    board.wait_for_function(
        "document.getElementById('announce').textContent === 'Mời công dân số 1 đến quầy số 3'"
    )
    assert board.locator("#mode").inner_text() == "Cập nhật trực tiếp."
    board.screenshot(path="var/screenshot-queue-board.png", full_page=True)
    # Leave the boards and let their last streams end before the live server stops.
    board.goto("about:blank")
    polled.goto("about:blank")
    time.sleep(STREAM_SECONDS + 1.5)
