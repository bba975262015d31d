"""The officer workspace in a real browser (Playwright driving Debian's Chromium): a walk-in
citizen from procedure choice to printed receipt with the keyboard only, the department's
approval and digital signature, and the return at the counter. Checks the receipt PDF's text
(code, due moment, QR target), the signature's validity, axe-core on the main pages, and
saves the screenshots of docs/workspace.md (1366×768 office screen and a phone)."""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from tests.browser.axe import assert_accessible
from tests.dossiers.conftest import World

from motcua.dossiers.models import Dossier
from motcua.workspace import forms_pdf, signing
from motcua.workspace.models import ResultDocument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "mat-khau-thu-nghiem-2026"
#: MOTCUA_SCREENSHOTS=1 writes the screenshots of docs/workspace.md into docs/img/.
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
OFFICE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "GIAY CHUNG NHAN (du thao)")
    page.save()
    return out.getvalue()


def _sign_in(browser: Any, live_server: Any, user: Any, viewport: dict[str, int] = OFFICE) -> Any:
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context(locale="vi-VN", viewport=viewport, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/dang-nhap/?next=/can-bo/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlparse(url).path == "/can-bo/")
    return page


def _act(
    page: Any, label: str, fill: dict[str, str] | None = None, files: dict[str, Any] | None = None
) -> None:
    details = page.locator("details.action", has=page.locator("summary", has_text=label))
    details.locator("summary").click()
    for field, value in (fill or {}).items():
        details.get_by_label(field).fill(value)
    for field, value in (files or {}).items():
        details.get_by_label(field).set_input_files(value)
    details.get_by_role("button", name=label).click()
    page.wait_for_load_state()
    expect(page.get_by_text(f"Đã thực hiện: {label}")).to_be_visible()


def _wait_for_focus(page: Any, name: str) -> None:
    """Keys typed before the page has put the focus on the field would go elsewhere (a lost
    first digit made an 11-digit ID on a slow run): wait until the field named ``name`` has it."""
    page.wait_for_function(
        "name => document.activeElement && document.activeElement.name === name", arg=name
    )


def test_counter_to_department_to_counter(
    live_server: Any, browser: Any, world: World, settings: Any, tmp_path: Path
) -> None:
    settings.MOTCUA_SIGNING_DIR = str(tmp_path)
    settings.MOTCUA_PUBLIC_BASE_URL = "https://dichvucong.khanhhoa.gov.vn"
    signing.make_self_signed(tmp_path / "default.p12", world.land.name)
    shots = DOCS_IMG if os.environ.get("MOTCUA_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)

    # 1. Counter intake, keyboard only, timed.
    page = _sign_in(browser, live_server, world.reception)
    started = time.monotonic()
    page.keyboard.press("Alt+t")  # accesskey: Tiếp nhận hồ sơ
    page.wait_for_url(re.compile(r"/can-bo/tiep-nhan/$"))
    _wait_for_focus(page, "tim")
    page.keyboard.type("dang ky bien dong")  # the search box has the focus
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"tim="))
    page.keyboard.press("Enter")  # the first procedure found has the focus
    page.wait_for_url(re.compile(r"thu-tuc=1.004222"))
    _wait_for_focus(page, "cccd")
    page.keyboard.type("056190000001")  # look-up field has the focus
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"cccd="))
    expect(page.get_by_text("Chưa có người nộp này")).to_be_visible()
    page.get_by_label("Họ và tên").focus()
    page.keyboard.type("Nguyễn Văn An")
    page.get_by_label("Ngày sinh").focus()
    page.keyboard.type("01011990")
    page.get_by_label("Số điện thoại").focus()
    page.keyboard.type("0905123456")
    for box in page.locator("[data-required-doc]").all():
        box.focus()
        page.keyboard.press("Space")
    assert "Đã đủ thành phần hồ sơ" in page.locator("#con-thieu").inner_text()
    page.screenshot(path=str(shots / "workspace-intake.png"), full_page=True)
    assert_accessible(page, context="/can-bo/tiep-nhan/ (form)")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"/giay-tiep-nhan/$"))
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"intake took {elapsed:.1f} s"
    code = page.locator("[data-code]").inner_text().strip()
    dossier = Dossier.objects.get(code=code)
    due = forms_pdf.moment_text(dossier.due_at)
    assert page.locator("[data-due]").inner_text() == due
    page.screenshot(path=str(shots / "workspace-receipt.png"), full_page=True)
    assert_accessible(page, context="receipt page")
    pdf = page.request.get(f"{live_server.url}/can-bo/ho-so/{code}/bieu-mau/giay-tiep-nhan.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(pdf.body())).pages)
    assert code in text
    assert due in text
    assert f"https://dichvucong.khanhhoa.gov.vn/tra-cuu/{code}/" in text

    # The worklist shows it with its clock; forward it to the competent agency.
    page.goto(f"{live_server.url}/can-bo/?hop=moi-tiep-nhan")
    expect(page.get_by_role("link", name=code)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= OFFICE["width"]
    page.screenshot(path=str(shots / "workspace-worklist.png"), full_page=True)
    assert_accessible(page, context="/can-bo/ worklist")
    page.get_by_role("link", name=code).click()
    _act(page, "Chuyển hồ sơ đến cơ quan có thẩm quyền")
    page.context.close()

    # 2. The department: assign, draft with the result file, approve, sign.
    head = _sign_in(browser, live_server, world.head)
    head.goto(f"{live_server.url}/can-bo/ho-so/{code}/")
    _act(head, "Phân công chuyên viên xử lý")
    specialist = _sign_in(browser, live_server, world.specialist)
    specialist.goto(f"{live_server.url}/can-bo/ho-so/{code}/")
    result = tmp_path / "ket-qua.pdf"
    result.write_bytes(_pdf())
    _act(specialist, "Trình dự thảo kết quả", files={"Dự thảo kết quả (tệp PDF)": str(result)})
    specialist.context.close()
    head.goto(f"{live_server.url}/can-bo/ho-so/{code}/")
    _act(head, "Phê duyệt")
    head.context.close()
    leader = _sign_in(browser, live_server, world.leader)
    leader.goto(f"{live_server.url}/can-bo/?hop=cho-duyet")
    leader.get_by_role("link", name=code).click()
    leader.screenshot(path=str(shots / "workspace-dossier.png"), full_page=True)
    assert_accessible(leader, context="dossier page")
    _act(leader, "Ký số kết quả giải quyết")
    signed = leader.request.get(
        f"{live_server.url}/can-bo/ho-so/{code}/ket-qua/{ResultDocument.objects.get().pk}/"
    )
    # pyhanko validates with asyncio.run: outside Playwright's event loop, in a thread.
    with ThreadPoolExecutor(1) as pool:
        check = pool.submit(signing.verify_pdf, signed.body(), world.land.code).result()
    assert check.signed
    assert check.intact
    assert check.valid
    assert check.trusted
    leader.context.close()

    # 3. Return at the counter, found by scanning the receipt's QR into the search box.
    counter = _sign_in(browser, live_server, world.reception)
    counter.goto(f"{live_server.url}/can-bo/?hop=cho-tra")
    counter.keyboard.press("/")
    counter.keyboard.type(forms_pdf.tracking_url(code))
    counter.keyboard.press("Enter")
    counter.get_by_role("link", name=code).click()
    _act(counter, "Trả kết quả giải quyết", fill={"Số định danh của người nhận": "056190000001"})
    assert Dossier.objects.get(code=code).status == "returned"
    counter.context.close()

    # 4. A phone: the worklist and the dossier still work at 390 px.
    phone = _sign_in(browser, live_server, world.reception, PHONE)
    phone.goto(f"{live_server.url}/can-bo/ho-so/{code}/")
    expect(phone.get_by_text("Đã trả kết quả").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 2, f"page is {width} px wide on a phone"
    phone.screenshot(path=str(shots / "workspace-phone.png"), full_page=True)
    assert_accessible(phone, context="dossier page on a phone")
    for path in ("/can-bo/?hop=cho-tra", "/can-bo/tiep-nhan/?thu-tuc=1.004222"):
        phone.goto(f"{live_server.url}{path}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 2, f"{path} is {width} px wide on a phone"
    phone.context.close()
