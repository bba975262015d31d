"""Officer sign-in at /dang-nhap/: lockout (django-axes), optional TOTP, the admin's door."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.accounts.forms import MSG_BAD_LOGIN, MSG_CODE_REQUIRED, MSG_CODE_WRONG
from motcua.accounts.models import AccountEvent, AccountEventKind, AgencyMembership, User
from motcua.accounts.roles import Role

LOCKED = (
    "Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau 15 phút "
    "hoặc liên hệ quản trị viên."
)


def _kinds(user: User) -> list[str]:
    return list(AccountEvent.objects.filter(username=user.username).values_list("kind", flat=True))


def test_the_login_page_is_in_vietnamese(client: Client, db: None) -> None:
    page = client.get("/dang-nhap/").content.decode()
    assert '<html lang="vi">' in page
    assert "Đăng nhập dành cho cán bộ" in page
    assert 'for="id_username">Tên đăng nhập' in page


def test_an_officer_without_a_device_signs_in_with_a_password(
    client: Client, make_officer: Callable[..., User], login_post: Callable[..., Any]
) -> None:
    lan = make_officer("lan", Role.SPECIALIST)
    response = login_post("lan", next="/quan-tri/")
    assert response.status_code == 302
    assert response["Location"] == "/quan-tri/"
    assert client.get("/quan-tri/").status_code == 200
    assert client.get("/tai-khoan/").status_code == 200
    assert AccountEventKind.LOGIN in _kinds(lan)

    assert client.post("/dang-xuat/").status_code == 302
    assert client.get("/tai-khoan/").status_code == 302
    assert AccountEventKind.LOGOUT in _kinds(lan)


def test_an_unsafe_next_url_is_ignored(
    client: Client, make_officer: Callable[..., User], login_post: Callable[..., Any]
) -> None:
    make_officer("lan", Role.SPECIALIST)
    response = login_post("lan", next="https://evil.example.com/")
    assert response["Location"] == "/tai-khoan/"


def test_a_wrong_password_is_refused_with_a_clear_message(
    client: Client, make_officer: Callable[..., User], login_post: Callable[..., Any]
) -> None:
    lan = make_officer("lan", Role.SPECIALIST)
    response = login_post("lan", password="sai-mat-khau")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Có lỗi cần sửa" in page
    assert MSG_BAD_LOGIN in page
    assert "_auth_user_id" not in client.session
    assert _kinds(lan).count(AccountEventKind.LOGIN_FAILED) == 1


def test_five_failures_lock_the_account_until_the_cool_off_ends(
    client: Client, make_officer: Callable[..., User], login_post: Callable[..., Any]
) -> None:
    lan = make_officer("lan", Role.SPECIALIST)
    for _ in range(4):
        assert login_post("lan", password="sai").status_code == 200
    fifth = login_post("lan", password="sai")
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()

    # Locked: even the right password is refused, with the same message.
    locked = login_post("lan")
    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccountEventKind.LOCKED_OUT in _kinds(lan)

    # Sixteen minutes later the lock has expired.
    AccessAttempt.objects.filter(username="lan").update(
        attempt_time=timezone.now() - dt.timedelta(minutes=16)
    )
    assert login_post("lan").status_code == 302


def test_an_administrator_can_unlock_before_the_cool_off(
    client: Client, make_officer: Callable[..., User], login_post: Callable[..., Any]
) -> None:
    make_officer("lan", Role.SPECIALIST)
    for _ in range(5):
        login_post("lan", password="sai")
    assert login_post("lan").status_code == 429
    assert reset(username="lan") == 1
    assert login_post("lan").status_code == 302


def test_locking_is_per_account_not_per_office(
    client: Client, make_officer: Callable[..., User], login_post: Callable[..., Any]
) -> None:
    make_officer("lan", Role.SPECIALIST)
    make_officer("minh", Role.SPECIALIST)
    for _ in range(5):
        login_post("lan", password="sai")
    assert login_post("minh").status_code == 302  # same IP address


# --- TOTP --------------------------------------------------------------------------------


def test_with_a_device_a_missing_code_is_refused(
    client: Client,
    make_officer: Callable[..., User],
    confirmed_device: Callable[[User], TOTPDevice],
    login_post: Callable[..., Any],
) -> None:
    confirmed_device(make_officer("lan", Role.SPECIALIST))
    response = login_post("lan")
    assert response.status_code == 200
    assert MSG_CODE_REQUIRED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_with_a_device_a_wrong_code_is_refused_and_counts_towards_the_lock(
    client: Client,
    make_officer: Callable[..., User],
    confirmed_device: Callable[[User], TOTPDevice],
    login_post: Callable[..., Any],
    code_for: Callable[[TOTPDevice], str],
) -> None:
    lan = make_officer("lan", Role.SPECIALIST)
    device = confirmed_device(lan)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = login_post("lan", otp_token=wrong)
    assert response.status_code == 200
    assert MSG_CODE_WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="lan").failures_since_start == 1


def test_with_a_device_the_right_code_signs_in_verified(
    client: Client,
    make_officer: Callable[..., User],
    confirmed_device: Callable[[User], TOTPDevice],
    login_post: Callable[..., Any],
    code_for: Callable[[TOTPDevice], str],
) -> None:
    device = confirmed_device(make_officer("lan", Role.SPECIALIST))
    response = login_post("lan", otp_token=code_for(device), next="/quan-tri/")
    assert response.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/quan-tri/").status_code == 200


def test_the_admin_site_refuses_an_unverified_officer_with_a_device(
    client: Client,
    make_officer: Callable[..., User],
    confirmed_device: Callable[[User], TOTPDevice],
) -> None:
    lan = make_officer("lan", Role.ADMINISTRATOR)
    confirmed_device(lan)
    client.force_login(lan)  # a session opened without the second factor
    response = client.get("/quan-tri/")
    assert response.status_code == 302
    assert client.get("/quan-tri/accounts/user/").status_code == 302


def test_the_admin_login_is_the_officer_login(client: Client, db: None) -> None:
    response = client.get("/quan-tri/login/?next=/quan-tri/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/dang-nhap/?next=/quan-tri/accounts/user/"
    # A POST straight to the admin login authenticates nobody.
    response = client.post("/quan-tri/login/", {"username": "x", "password": "y"})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_citizen_cannot_open_the_admin_even_with_is_staff(client: Client, citizen: User) -> None:
    citizen.is_staff = True
    citizen.save()
    client.force_login(citizen)
    assert client.get("/quan-tri/").status_code == 302
    assert client.get("/tai-khoan/xac-thuc-hai-lop/").status_code == 403


def test_an_officer_whose_roles_ended_cannot_open_the_admin(
    client: Client, make_officer: Callable[..., User]
) -> None:
    lan = make_officer("lan", Role.ADMINISTRATOR)
    AgencyMembership.objects.filter(user=lan).update(
        valid_to=timezone.localdate() - dt.timedelta(days=1)
    )
    client.force_login(lan)
    assert client.get("/quan-tri/").status_code == 302


def test_an_auditor_can_view_but_not_change(
    client: Client, make_officer: Callable[..., User], administrator: User
) -> None:
    auditor = make_officer("thanhtra", Role.AUDITOR)
    membership = AgencyMembership.objects.get(user=administrator)
    client.force_login(auditor)
    change_url = f"/quan-tri/accounts/agencymembership/{membership.pk}/change/"

    assert client.get("/quan-tri/").status_code == 200
    assert client.get("/quan-tri/accounts/agencymembership/").status_code == 200
    view = client.get(change_url)
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()  # read-only page
    assert client.post(change_url, {"valid_from": "2020-01-01"}).status_code == 403
    assert client.get("/quan-tri/accounts/agencymembership/add/").status_code == 403
    assert client.get(f"/quan-tri/accounts/user/{auditor.pk}/change/").status_code == 200
    assert client.post(f"/quan-tri/accounts/user/{auditor.pk}/change/", {}).status_code == 403


def test_an_administrator_cannot_promote_anyone_to_superuser(
    client: Client, administrator: User, make_officer: Callable[..., User]
) -> None:
    lan = make_officer("lan", Role.SPECIALIST)
    client.force_login(administrator)
    page = client.get(f"/quan-tri/accounts/user/{lan.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="groups"' not in page


@pytest.mark.parametrize("path", ["/tai-khoan/", "/tai-khoan/xac-thuc-hai-lop/"])
def test_account_pages_need_a_sign_in(client: Client, db: None, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")


def test_the_password_is_never_logged(
    client: Client, make_officer: Callable[..., User], login_post: Callable[..., Any], password: str
) -> None:
    make_officer("lan", Role.SPECIALIST)
    login_post("lan", password="bi-mat-khong-ghi")
    for event in AccountEvent.objects.all():
        assert "bi-mat-khong-ghi" not in str(event.detail)
    assert password not in str(list(AccountEvent.objects.values()))
