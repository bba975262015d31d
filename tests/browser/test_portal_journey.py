"""The citizen's whole journey on the portal in a real browser (Playwright + Debian's Chromium):
find a procedure by an unaccented search, register and verify, submit with uploads and a test
payment, get the code; the officers accept and ask for a supplement (through the engine and the
officer workspace's services); the citizen sees each change, answers with an upload, downloads
the signed result and rates it; public tracking through the receipt's QR link works with the
second factor and reveals nothing without it. Every page passes axe-core and fits 360 px."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect
from tests.browser.axe import assert_accessible
from tests.portal.conftest import (  # noqa: F401 - fixtures used by name
    PDF,
    PNG,
    Portal,
    _clear_cache,
    _settings,
    cert_dir,
    portal,
)
from tests.workspace.conftest import pdf_bytes

from motcua.dossiers import services as sv
from motcua.dossiers.models import Dossier
from motcua.portal import notify
from motcua.ratings.models import Rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mot-mat-khau-dai-2026"


def _in_thread(function: Any, **kwargs: Any) -> Any:
    """pyhanko signs with ``asyncio.run``, which cannot run inside the event loop of
    Playwright's sync API: sign in a worker thread (its own database connection)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def call() -> Any:
        try:
            return function(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _fits_360(page: Any, where: str) -> None:
    """No horizontal scrolling on a 360 px wide phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{where}: {width}px wide at 360px"


def _check(page: Any, where: str) -> None:
    assert_accessible(page, context=where)
    _fits_360(page, where)


def test_citizen_journey(live_server: Any, browser: Any, portal: Portal) -> None:  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.workspace import services as ws

    w = portal.world
    url = live_server.url
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)

    # 1. Find the procedure without diacritics.
    page.goto(f"{url}/thu-tuc/")
    _check(page, "/thu-tuc/")
    page.get_by_label("Tìm thủ tục").fill("giay phep xay dung")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.get_by_role("link", name="Cấp giấy phép xây dựng").click()
    assert "/thu-tuc/1.009972/" in page.url
    _check(page, "/thu-tuc/1.009972/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()

    # 2. Register with an e-mail address and verify it with the code sent.
    assert "/cong-dan/dang-nhap/" in page.url
    _check(page, "/cong-dan/dang-nhap/")
    page.get_by_role("link", name="Đăng ký tài khoản").click()
    _check(page, "/cong-dan/dang-ky/")
    page.get_by_label("Họ và tên").fill("Hoàng Thị Mai")
    page.get_by_label("Thư điện tử hoặc số điện thoại").fill("mai@example.vn")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng ký").click()
    assert "/cong-dan/xac-minh/" in page.url
    _check(page, "/cong-dan/xac-minh/")
    notify.deliver()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    page.get_by_label("Mã xác minh (6 chữ số)").fill(code)
    page.get_by_role("button", name="Xác minh").click()
    expect(page.locator("body")).to_contain_text("Tài khoản đã được xác minh")

    # 3. Submit: applicant, the procedure's own fields, uploads, payment, review.
    page.goto(f"{url}/thu-tuc/1.009972/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    assert "/nguoi-nop/" in page.url
    _check(page, "bước người nộp")
    assert page.get_by_label("Họ và tên").input_value() == "Hoàng Thị Mai"  # prefilled
    page.get_by_label("Số định danh cá nhân").fill("056190005678")
    page.get_by_label("Số điện thoại").fill("0905001122")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    _check(page, "bước thông tin")
    page.get_by_label("Địa chỉ công trình").fill("Lô 5, Phước Long")
    page.get_by_label("Số tầng").fill("3")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    assert "/giay-to/" in page.url
    _check(page, "bước giấy tờ")
    docs = list(portal.version.documents.order_by("order"))
    page.set_input_files(
        f"#tep-{docs[0].pk}", {"name": "don.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.set_input_files(
        f"#tep-{docs[1].pk}", {"name": "ban-ve.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    assert "/xem-lai/" in page.url
    _check(page, "bước xem lại")
    assert "75000 đồng" in page.content()
    page.get_by_role("button", name="Thanh toán trực tuyến 75000 đồng").click()
    _check(page, "cổng thanh toán thử nghiệm")
    page.get_by_role("button", name="Xác nhận thanh toán").click()
    expect(page.locator("body")).to_contain_text("Đã thanh toán 75000 đồng")
    page.get_by_label("Tôi cam đoan thông tin khai là đúng sự thật.").check()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("body")).to_contain_text("Đã nộp hồ sơ. Mã hồ sơ của bạn là")
    dossier = Dossier.objects.get()
    assert dossier.code in page.content()
    assert dossier.status == "submitted"
    _check(page, "trang hồ sơ")

    # 4. The officer accepts; the citizen sees it.
    sv.dossier_accept(actor=w.reception, dossier=dossier.code)
    page.reload()
    assert page.locator("#tinh-trang").inner_text() == "Được tiếp nhận"
    assert "Ngày hẹn trả kết quả" in page.content()

    # 5. A supplement is requested after appraisal; the citizen answers with an upload.
    sv.dossier_forward(actor=w.reception, dossier=dossier.code)
    sv.dossier_assign(actor=w.head, dossier=dossier.code, assignee=w.specialist)
    sv.dossier_request_supplement_after_appraisal(
        actor=w.specialist, dossier=dossier.code, reason="Bổ sung bản vẽ mặt bằng tầng 2."
    )
    page.reload()
    assert "Bổ sung bản vẽ mặt bằng tầng 2." in page.content()
    _check(page, "hồ sơ chờ bổ sung")
    page.set_input_files(
        "#tep-bo-sung", {"name": "mat-bang.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Gửi bổ sung").click()
    expect(page.locator("body")).to_contain_text("Đã gửi hồ sơ bổ sung")
    assert page.locator("#tinh-trang").inner_text() == "Đang thẩm định"

    # 6. The result is signed (PAdES) and returned; the citizen downloads it and rates.
    ws.result_attach(
        actor=w.specialist,
        code=dossier.code,
        upload=SimpleUploadedFile("gp.pdf", pdf_bytes("Giấy phép xây dựng")),
        name="Giấy phép xây dựng số 12/GPXD",
    )
    sv.dossier_submit_draft(actor=w.specialist, dossier=dossier.code)
    sv.dossier_approve(actor=w.head, dossier=dossier.code)
    _in_thread(ws.result_sign, actor=w.leader, code=dossier.code, expected_version=None)
    sv.dossier_return_result(actor=w.reception, dossier=dossier.code)
    page.reload()
    _check(page, "hồ sơ đã trả kết quả")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Tải kết quả điện tử đã ký số")).click()
    path = info.value.path()
    with open(path, "rb") as handle:
        signed = handle.read()
    assert signed.startswith(b"%PDF")
    assert b"/ByteRange" in signed
    page.get_by_role("link", name="Đánh giá mức độ hài lòng").click()
    _check(page, "đánh giá")
    page.get_by_label("Rất hài lòng").check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator("body")).to_contain_text("Cảm ơn bạn đã đánh giá")
    assert Rating.objects.get().source == "portal"
    page.screenshot(path="var/screenshot-portal-dossier.png", full_page=True)
    context.close()

    # 7. Public tracking through the receipt's QR link, in another browser.
    anon = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740})
    track = anon.new_page()
    track.goto(f"{url}/tra-cuu/{dossier.code}/")
    _check(track, "/tra-cuu/<mã>/")
    assert "Hoàng" not in track.content()
    assert "Cấp giấy phép" not in track.content()
    track.get_by_label("4 chữ số cuối số điện thoại hoặc số định danh cá nhân").fill("9999")
    track.get_by_role("button", name="Tra cứu").click()
    expect(track.locator("body")).to_contain_text("Không tìm thấy hồ sơ khớp")
    assert "Hoàng" not in track.content()
    assert "Đã trả kết quả" not in track.content()
    _check(track, "tra cứu sai")
    track.get_by_label("4 chữ số cuối số điện thoại hoặc số định danh cá nhân").fill("1122")
    track.get_by_role("button", name="Tra cứu").click()
    expect(track.locator("body")).to_contain_text("Đã trả kết quả")
    assert "056190005678" not in track.content()
    assert "•••" in track.content()
    _check(track, "kết quả tra cứu")
    anon.close()
