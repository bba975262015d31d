"""Citizen accounts: register with e-mail or phone, verify, sign in (rate-limited, locked by
django-axes), reset the password, correct the profile, see what the system holds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client, override_settings
from tests.portal.conftest import PASSWORD, Portal, sent

from motcua.accounts.models import User
from motcua.audit.models import AuditEntry
from motcua.dossiers.selectors import dossier_detail
from motcua.portal.models import CitizenProfile, OutboxMessage
from motcua.portal.services import normalise_identifier

pytestmark = pytest.mark.django_db


def _code(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


def test_register_with_email_sends_a_code_and_verification_unlocks(db: None) -> None:
    client = Client()
    response = client.post(
        "/cong-dan/dang-ky/",
        {
            "full_name": "Lê  Văn   Cường",
            "identifier": "Cuong@Example.VN",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/cong-dan/xac-minh/"
    user = User.objects.get(username="cuong@example.vn")
    assert user.full_name == "Lê Văn Cường"
    assert user.kind == "citizen"
    assert user.email
    assert not CitizenProfile.objects.get(user=user).verified
    assert len(sent()) == 1
    assert mail.outbox[0].to == ["cuong@example.vn"]
    code = _code(mail.outbox[0].body)
    wrong = "000000" if code != "000000" else "111111"
    assert "Mã không đúng" in client.post("/cong-dan/xac-minh/", {"code": wrong}).content.decode()
    assert client.post("/cong-dan/xac-minh/", {"code": code}).status_code == 302
    assert CitizenProfile.objects.get(user=user).verified
    # A used code does not work twice.
    assert not __import__("motcua.portal.services", fromlist=["x"]).citizen_verify(user, code)


@override_settings(MOTCUA_SMS_BACKEND="motcua.portal.sms.FileBackend")
def test_register_with_phone_sends_the_code_by_sms(db: None, tmp_path: Path) -> None:
    with override_settings(DATA_DIR=tmp_path):
        Client().post(
            "/cong-dan/dang-ky/",
            {
                "full_name": "Phạm Thu",
                "identifier": "+84 905 111 222",
                "password": PASSWORD,
                "password2": PASSWORD,
            },
        )
        user = User.objects.get(username="0905111222")
        assert user.phone == "0905111222"
        assert not user.email
        sent()
        files = list((tmp_path / "sms").glob("*.txt"))
        assert len(files) == 1
        assert "0905111222" in files[0].read_text()
        assert _code(files[0].read_text())
    assert OutboxMessage.objects.get(channel="sms").status == "sent"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"identifier": "not-an-address"}, "Nhập thư điện tử hoặc số điện thoại"),
        ({"identifier": "a@b"}, "Địa chỉ thư điện tử không hợp lệ"),
        ({"password": "short"}, "Mật khẩu quá ngắn: cần ít nhất 10 ký tự."),
        ({"password2": "khac-hoan-toan-2026"}, "Hai mật khẩu không giống nhau"),
        ({"full_name": ""}, "Nhập họ và tên"),
        ({"identifier": "binh@example.vn"}, "đã được đăng ký"),
    ],
)
def test_register_refuses_bad_input_in_vietnamese(
    portal: Portal, data: dict[str, str], message: str
) -> None:
    form = {
        "full_name": "A B",
        "identifier": "moi@example.vn",
        "password": PASSWORD,
        "password2": PASSWORD,
        **data,
    }
    if "password" in data and "password2" not in data:
        form["password2"] = data["password"]
    body = Client().post("/cong-dan/dang-ky/", form).content.decode()
    assert message in body
    assert not User.objects.filter(username="moi@example.vn").exists()


def test_identifier_normalisation() -> None:
    assert normalise_identifier(" 0905.123.456 ") == ("phone", "0905123456")
    assert normalise_identifier("84905123456") == ("phone", "0905123456")
    assert normalise_identifier("AN@X.VN") == ("email", "an@x.vn")


def test_sign_in_with_email_or_phone(portal: Portal) -> None:
    client = Client()
    r = client.post("/cong-dan/dang-nhap/", {"identifier": "BINH@example.vn", "password": PASSWORD})
    assert r.status_code == 302
    assert r["Location"] == "/cong-dan/"
    r = Client().post(
        "/cong-dan/dang-nhap/",
        {"identifier": "0987 654 321", "password": PASSWORD, "next": "/cong-dan/ho-so/"},
    )
    assert r["Location"] == "/cong-dan/ho-so/"
    r = Client().post(
        "/cong-dan/dang-nhap/",
        {"identifier": "binh@example.vn", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert r["Location"] == "/cong-dan/"


def test_officers_cannot_use_the_citizen_sign_in(portal: Portal) -> None:
    officer = portal.world.reception
    officer.set_password(PASSWORD)
    officer.save()
    r = Client().post(
        "/cong-dan/dang-nhap/", {"identifier": officer.username, "password": PASSWORD}
    )
    assert r.status_code == 200
    assert "không đúng" in r.content.decode()


def test_repeated_failures_lock_the_account(portal: Portal) -> None:
    for _ in range(4):
        r = Client().post(
            "/cong-dan/dang-nhap/", {"identifier": "binh@example.vn", "password": "x"}
        )
        assert r.status_code == 200
    r = Client().post("/cong-dan/dang-nhap/", {"identifier": "binh@example.vn", "password": "x"})
    assert r.status_code == 429  # the fifth failure locks
    r = Client().post(
        "/cong-dan/dang-nhap/", {"identifier": "binh@example.vn", "password": PASSWORD}
    )
    assert r.status_code == 429
    assert "tạm khóa" in r.content.decode()


@override_settings(MOTCUA_PORTAL_LOGIN_PER_MINUTE=3)
def test_sign_in_is_rate_limited_per_address(portal: Portal) -> None:
    client = Client()
    for n in range(3):
        client.post("/cong-dan/dang-nhap/", {"identifier": f"x{n}@example.vn", "password": "x"})
    r = client.post("/cong-dan/dang-nhap/", {"identifier": "binh@example.vn", "password": PASSWORD})
    assert r.status_code == 429
    assert "quá nhiều lần" in r.content.decode()


def test_password_reset_by_code(portal: Portal) -> None:
    client = Client()
    r = client.post("/cong-dan/quen-mat-khau/", {"identifier": "binh@example.vn"})
    assert r.status_code == 302
    code = _code(sent()[-1].body)
    bad = client.post(
        "/cong-dan/dat-lai-mat-khau/",
        {
            "identifier": "binh@example.vn",
            "code": "123456" if code != "123456" else "654321",
            "password": "mat-khau-moi-2026-x",
        },
    )
    assert "không đúng hoặc đã hết hạn" in bad.content.decode()
    ok = client.post(
        "/cong-dan/dat-lai-mat-khau/",
        {"identifier": "binh@example.vn", "code": code, "password": "mat-khau-moi-2026-x"},
    )
    assert ok.status_code == 302
    r = Client().post(
        "/cong-dan/dang-nhap/", {"identifier": "binh@example.vn", "password": "mat-khau-moi-2026-x"}
    )
    assert r.status_code == 302


def test_password_reset_for_an_unknown_account_says_the_same(portal: Portal) -> None:
    r = Client().post("/cong-dan/quen-mat-khau/", {"identifier": "khongco@example.vn"}, follow=True)
    assert "Nếu tài khoản tồn tại" in r.content.decode()
    assert sent() == []


def test_codes_allow_five_tries_only(portal: Portal) -> None:
    from motcua.portal.services import code_check, code_send

    code_send(portal.citizen, "reset")
    code = _code(sent()[-1].body)
    for _ in range(5):
        assert not code_check(portal.citizen, "reset", "999999" if code != "999999" else "888888")
    assert not code_check(portal.citizen, "reset", code)


def test_profile_prefills_and_corrects_with_audit(portal: Portal) -> None:
    client = portal.client_for(portal.citizen)
    body = client.get("/cong-dan/thong-tin/").content.decode()
    assert "056188001234" in body
    assert "5 Lê Lợi" in body
    r = client.post(
        "/cong-dan/thong-tin/",
        {
            "full_name": "Trần Thị Bình",
            "personal_id": "056188001235",
            "date_of_birth": "1988-05-04",
            "address": "7 Lê Lợi",
            "phone": "0912345678",
            "email": "binh@example.vn",
        },
    )
    assert r.status_code == 302
    portal.citizen.refresh_from_db()
    assert portal.citizen.personal_id == "056188001235"
    entry = AuditEntry.objects.filter(action="portal.profile_update").get()
    assert sorted(entry.data["fields"]) == ["address", "personal_id"]
    bad = client.post("/cong-dan/thong-tin/", {"full_name": "X", "personal_id": "123"})
    assert "12 chữ số" in bad.content.decode()
    changed_login = client.post(
        "/cong-dan/thong-tin/", {"full_name": "X", "personal_id": "", "email": "khac@example.vn"}
    )
    assert "không đổi được" in changed_login.content.decode()


def test_my_data_shows_who_viewed_my_dossiers(portal: Portal) -> None:
    w = portal.world
    d = w.receive(applicant=w.applicant(7, user=portal.citizen))
    dossier_detail(w.reception, d.code, purpose="kiểm tra hồ sơ")
    body = portal.client_for(portal.citizen).get("/cong-dan/du-lieu-cua-toi/").content.decode()
    assert d.code in body
    assert "Tiepnhan" in body
    assert "kiểm tra hồ sơ" in body
    assert "Trung tâm PVHCC tỉnh" in body
    assert "056188001234" not in body  # own ID masked here too
    # Another citizen sees nothing of it.
    other = portal.client_for(portal.other).get("/cong-dan/du-lieu-cua-toi/").content.decode()
    assert d.code not in other


def test_citizen_area_needs_a_citizen(portal: Portal) -> None:
    r = Client().get("/cong-dan/ho-so/")
    assert r.status_code == 302
    assert r["Location"].startswith("/cong-dan/dang-nhap/")
    assert portal.client_for(portal.world.reception).get("/cong-dan/ho-so/").status_code == 403
