"""English for the portal (docs/i18n.md): the main pages turn English with the
``django_language`` cookie and stay Vietnamese without it — texts of the templates, form labels
and errors, flash messages, the plain-words timeline and tracking's messages."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.portal.conftest import Portal
from tests.portal.flow import accept, submit

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# (url, an English text, the Vietnamese text it replaces)
PUBLIC = [
    ("/thu-tuc/", "Find a procedure", "Tìm thủ tục"),
    ("/thu-tuc/", "3 procedures)", "3 thủ tục)"),
    ("/thu-tuc/1.009972/", "Required documents", "Thành phần hồ sơ"),
    ("/thu-tuc/1.009972/", "Submit a dossier online", "Nộp hồ sơ trực tuyến"),
    ("/thu-tuc/1.009972/", "75000 dong", "75000 đồng"),
    ("/tra-cuu/", "Last 4 digits of the phone number", "4 chữ số cuối số điện thoại"),
    ("/cong-dan/dang-nhap/", "E-mail or phone number", "Thư điện tử hoặc số điện thoại"),
    ("/cong-dan/dang-nhap/", "Forgotten your password?", "Quên mật khẩu?"),
    ("/cong-dan/dang-ky/", "Register a citizen account", "Đăng ký tài khoản công dân"),
    ("/cong-dan/dang-ky/", "Repeat the password", "Nhập lại mật khẩu"),
]


@pytest.mark.parametrize(("url", "en", "vi"), PUBLIC)
def test_public_pages_turn_english_with_the_cookie(
    portal: Portal, url: str, en: str, vi: str
) -> None:
    body = page(english(Client()), url)
    assert '<html lang="en">' in body
    assert en in body
    assert vi not in body
    default = page(Client(), url)
    assert '<html lang="vi">' in default
    assert vi in default
    assert en not in default


def test_the_citizen_pages_turn_english(portal: Portal) -> None:
    client = english(portal.client_for(portal.citizen))
    assert "My dossiers" in page(client, "/cong-dan/")
    assert "You have no dossiers yet." in page(client, "/cong-dan/ho-so/")
    start = client.get("/cong-dan/nop/1.009972/")
    body = page(client, start["Location"])
    assert "Submit a dossier online" in body
    assert "1. Applicant" in body  # the step names
    assert "Personal ID number" in body  # form labels
    assert "Save and continue" in body
    # Form errors are English too.
    bad = client.post(start["Location"], {"full_name": "", "personal_id": "123"})
    text = bad.content.decode()
    assert "There is a problem" in text
    assert "Enter your full name." in text
    assert "Nhập họ và tên." not in text


def test_my_dossier_and_its_timeline_turn_english(portal: Portal) -> None:
    dossier = accept(portal, submit(portal))
    client = english(portal.client_for(portal.citizen))
    body = page(client, f"/cong-dan/ho-so/{dossier.code}/")
    assert "My dossiers" in body
    assert "Competent agency" in body
    assert "The dossier was submitted online and given its dossier code." in body
    assert "The dossier was formally received; the time limit has started." in body
    assert "Due date for the result:" in body
    assert "Hồ sơ đã được nộp trực tuyến" not in body
    vietnamese = page(portal.client_for(portal.citizen), f"/cong-dan/ho-so/{dossier.code}/")
    assert "Hồ sơ đã được nộp trực tuyến và được cấp mã hồ sơ." in vietnamese


def test_tracking_texts_and_errors_turn_english(portal: Portal) -> None:
    dossier = submit(portal)
    client = english(Client())
    wrong = client.post("/tra-cuu/", {"ma": dossier.code, "xac-minh": "0000"})
    assert wrong.status_code == 404
    assert "No dossier matches this code" in wrong.content.decode()
    right = client.post("/tra-cuu/", {"ma": dossier.code, "xac-minh": "1234"})
    body = right.content.decode()
    assert right.status_code == 200
    assert f"Dossier {dossier.code}" in body
    assert "A reception officer will check the dossier within 8 working hours" in body
    missing = client.post("/tra-cuu/", {"ma": dossier.code, "xac-minh": "1"})
    assert missing.status_code == 400
    assert "Enter the dossier code" in missing.content.decode()
    vi = Client().post("/tra-cuu/", {"ma": dossier.code, "xac-minh": "1234"}).content.decode()
    assert "Cán bộ tiếp nhận sẽ kiểm tra hồ sơ trong 8 giờ làm việc" in vi


def test_sign_in_errors_and_flash_messages_turn_english(portal: Portal) -> None:
    client = english(Client())
    bad = client.post("/cong-dan/dang-nhap/", {"identifier": "binh@example.vn", "password": "x"})
    assert "Wrong e-mail / phone number or password." in bad.content.decode()
    r = client.post(
        "/cong-dan/dang-ky/",
        {
            "full_name": "Lê Văn Cường",
            "identifier": "cuong@example.vn",
            "password": "mot-mat-khau-dai-2026",
            "password2": "mot-mat-khau-dai-2026",
        },
    )
    assert r.status_code == 302
    verify = page(client, r["Location"])
    assert "Account created. Enter the verification code we have just sent you." in verify
    mismatch = english(Client()).post(
        "/cong-dan/dang-ky/",
        {"full_name": "A", "identifier": "a@example.vn", "password": "x" * 12, "password2": "y"},
    )
    text = mismatch.content.decode()
    assert "The two passwords do not match." in text, text[text.find("<main") :][:1500]


def test_the_officer_sign_in_page_turns_english(db: None) -> None:
    body = page(english(Client()), "/dang-nhap/")
    assert "Sign-in for officers" in body
    assert "Username" in body
    assert "Đăng nhập dành cho cán bộ" in page(Client(), "/dang-nhap/")


#: Choice labels of other apps that portal pages show (status, channel, levels, units, source).
def _labels() -> list[str]:
    from motcua.catalogue.models import Channel, OnlineLevel, ProcedureLevel, TimeLimitUnit
    from motcua.dossiers.workflow import DossierStatus
    from motcua.portal.models import StoredDocument

    return [
        str(label)
        for choices in (
            DossierStatus,
            Channel,
            ProcedureLevel,
            OnlineLevel,
            TimeLimitUnit,
            StoredDocument.Source,
        )
        for label in choices.labels
    ]


def test_every_choice_label_the_portal_shows_has_its_english() -> None:
    from django.utils import translation

    with translation.override("en"):
        missing = [label for label in _labels() if translation.gettext(label) == label]
    assert not missing


def test_status_channel_and_level_labels_turn_english(portal: Portal) -> None:
    dossier = accept(portal, submit(portal))
    client = english(Client())
    body = client.post("/tra-cuu/", {"ma": dossier.code, "xac-minh": "1234"}).content.decode()
    assert "<strong>Received</strong>" in body
    assert "Được tiếp nhận" not in body
    mine = page(english(portal.client_for(portal.citizen)), f"/cong-dan/ho-so/{dossier.code}/")
    assert '<strong id="tinh-trang">Received</strong>' in mine
    procedure = page(english(Client()), "/thu-tuc/1.009972/")
    assert '<th scope="row">Online' in procedure
    assert '<th scope="row">Trực tuyến' not in procedure
    catalogue = page(english(Client()), "/thu-tuc/")
    assert "Provincial level" in catalogue
    assert "Cấp Tỉnh" not in catalogue
    vi = Client().post("/tra-cuu/", {"ma": dossier.code, "xac-minh": "1234"}).content.decode()
    assert "<strong>Được tiếp nhận</strong>" in vi
