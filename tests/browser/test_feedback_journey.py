"""Feedback (PAKN) in a real browser (Playwright driving Debian's Chromium), on a 360 px phone:
a citizen sends feedback on the portal (after a first try with errors), the land office's
specialist finds it in the workspace worklist, looks at the transfer page and answers; the
agency leader approves and publishes; the public list and page show the answer without the
sender's name, e-mail or telephone. The sender's e-mails (received, answered) are delivered by
the outbox. axe-core finds no serious or critical violation on any portal or workspace feedback
page checked, and none scrolls sideways at 360 px."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from django.core import mail
from playwright.sync_api import expect
from tests.browser.axe import assert_accessible
from tests.dossiers.conftest import World

from motcua.feedback.models import Feedback, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mat-khau-thu-nghiem-2026"
PHONE = {"width": 360, "height": 740}
NAME, EMAIL, TEL = "Nguyễn Thị Hoa", "hoa.nguyen@example.vn", "0905111222"
ANSWER = "Văn phòng đã nhắc nhở cán bộ tiếp nhận và bố trí thêm một quầy vào buổi sáng."


def _check(page: Any, where: str) -> None:
    """axe-core: no serious or critical violation; and no sideways scrolling at 360 px."""
    assert_accessible(page, context=where)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{where}: {width} px wide at 360 px"


def _phone(browser: Any) -> Any:
    context = browser.new_context(locale="vi-VN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _officer(browser: Any, url: str, user: Any) -> Any:
    user.set_password(PASSWORD)
    user.save()
    page = _phone(browser)
    page.goto(f"{url}/dang-nhap/?next=/can-bo/phan-anh/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: urlparse(u).path == "/can-bo/phan-anh/")
    return page


def test_feedback_from_the_portal_to_the_published_answer(
    live_server: Any, browser: Any, world: World, settings: Any
) -> None:
    settings.MOTCUA_PUBLIC_BASE_URL = "https://dichvucong.khanhhoa.gov.vn"
    url = live_server.url
    citizen = world.citizen
    # Portal accounts sign in with their e-mail or phone as the username.
    citizen.username, citizen.full_name, citizen.email, citizen.phone = EMAIL, NAME, EMAIL, TEL
    citizen.set_password(PASSWORD)
    citizen.save()

    # 1. The public list, empty; the form, reached from it; sign in to follow the answer.
    page = _phone(browser)
    page.goto(f"{url}/phan-anh/")
    expect(page.get_by_text("Chưa có trả lời nào được công khai.")).to_be_visible()
    _check(page, "/phan-anh/ (trống)")
    page.get_by_role("link", name="Gửi phản ánh, kiến nghị").click()
    expect(page.get_by_role("heading", name="Gửi phản ánh, kiến nghị")).to_be_visible()
    _check(page, "/phan-anh/gui/ (khách)")
    page.locator("#noi-dung").get_by_role("link", name="Đăng nhập", exact=True).click()
    page.get_by_label("Thư điện tử hoặc số điện thoại").fill(EMAIL)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda u: urlparse(u).path == "/phan-anh/gui/")

    # 2. A first try without a title: the error summary links to the field.
    page.get_by_label("Cơ quan bị phản ánh, kiến nghị").select_option(
        label=f"{world.land.name} ({world.land.code})"
    )
    page.get_by_label("Hành vi hành chính, thái độ của cán bộ").check()
    page.get_by_label("Nội dung", exact=True).fill(
        "Tôi đến quầy đất đai ba buổi sáng liền mà không được tiếp nhận hồ sơ."
    )
    page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Nhập tiêu đề.")
    _check(page, "/phan-anh/gui/ (có lỗi)")
    summary.get_by_role("link", name="Nhập tiêu đề.").click()
    expect(page.get_by_label("Tiêu đề")).to_be_focused()
    page.get_by_label("Tiêu đề").fill("Chờ tiếp nhận quá lâu ở quầy đất đai")
    page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    expect(page.get_by_role("heading", name="Đã gửi phản ánh, kiến nghị")).to_be_visible()
    _check(page, "đã gửi phản ánh")
    item = Feedback.objects.get()
    assert item.code in page.locator(".panel").inner_text()
    # The receipt e-mail went out through the outbox right after the commit.
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([EMAIL], f"Đã tiếp nhận phản ánh, kiến nghị {item.code}")
    ]
    page.get_by_role("link", name="Xem phản ánh của bạn").click()
    expect(page.get_by_text("Đã tiếp nhận, đang xử lý")).to_be_visible()
    _check(page, "phản ánh của tôi (đang xử lý)")
    page.goto(f"{url}/phan-anh/cua-toi/")
    expect(page.get_by_role("link", name=item.code)).to_be_visible()
    _check(page, "/phan-anh/cua-toi/")

    # 3. The specialist: the worklist with its clock, the transfer page, the answer.
    officer = _officer(browser, url, world.specialist)
    row = officer.locator("tr", has=officer.get_by_role("link", name=item.code))
    expect(row).to_contain_text("Trong hạn")
    _check(officer, "/can-bo/phan-anh/")
    row.get_by_role("link", name=item.code, exact=True).click()
    expect(officer.get_by_role("heading", name=item.title)).to_be_visible()
    _check(officer, "/can-bo/phan-anh/<uuid>/")
    officer.get_by_role("link", name="Chuyển đến cơ quan khác").click()
    officer.get_by_role("button", name="Chuyển phản ánh, kiến nghị").click()
    summary = officer.locator(".error-summary")
    expect(summary).to_contain_text("Chọn cơ quan nhận phản ánh, kiến nghị.")
    expect(summary).to_contain_text("Nhập lý do chuyển phản ánh, kiến nghị.")
    _check(officer, "/can-bo/phan-anh/<uuid>/chuyen-co-quan/ (có lỗi)")
    officer.get_by_role("link", name="Về trang phản ánh, kiến nghị").click()
    answer = officer.locator("details.action", has=officer.locator("summary", has_text="Trả lời"))
    answer.locator("summary").click()
    answer.get_by_label("Nội dung trả lời").fill(ANSWER)
    answer.get_by_role("button", name="Lưu trả lời").click()
    expect(officer.get_by_text("Đã lưu.")).to_be_visible()
    expect(officer.get_by_text("Đã xử lý, chờ duyệt")).to_be_visible()
    officer.context.close()

    # 4. The agency leader approves and publishes from the worklist.
    leader = _officer(browser, url, world.leader)
    leader.get_by_label("Trạng thái").select_option(label="Đã xử lý, chờ duyệt")
    leader.get_by_role("button", name="Lọc").click()
    leader.get_by_role("link", name=item.code, exact=True).click()
    expect(leader.get_by_text(ANSWER)).to_be_visible()
    _check(leader, "phản ánh chờ duyệt")
    leader.get_by_role("button", name="Duyệt và công khai trả lời").click()
    expect(leader.get_by_text("Đã công khai: 0 đồng tình, 0 không đồng tình.")).to_be_visible()
    leader.context.close()
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert mail.outbox[-1].to == [EMAIL]
    assert mail.outbox[-1].subject == f"Phản ánh, kiến nghị {item.code} đã có trả lời"
    assert ANSWER in mail.outbox[-1].body

    # 5. Anyone: the public list and page show the answer, never the sender's contact.
    page.context.close()
    public = _phone(browser)
    public.goto(f"{url}/phan-anh/")
    expect(public.get_by_role("link", name=item.title)).to_be_visible()
    _check(public, "/phan-anh/")
    public.get_by_role("link", name=item.title).click()
    expect(public.get_by_text(ANSWER)).to_be_visible()
    _check(public, "/phan-anh/<uuid>/ (công khai)")
    expect(public.get_by_role("link", name="Đăng nhập để bày tỏ ý kiến về trả lời")).to_be_visible()
    for where in (f"{url}/phan-anh/", f"{url}/phan-anh/{item.uuid}/"):
        public.goto(where)
        html = public.content()
        assert item.code in html
        for private in (NAME, EMAIL, TEL):
            assert private not in html, (where, private)
    public.context.close()
