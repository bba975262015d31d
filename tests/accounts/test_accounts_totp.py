"""Enrolling and removing the optional TOTP second factor at /tai-khoan/xac-thuc-hai-lop/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.accounts.forms import MSG_CODE_WRONG
from motcua.accounts.models import AccountEvent, AccountEventKind, User
from motcua.accounts.roles import Role
from motcua.accounts.services import totp_remove

URL = "/tai-khoan/xac-thuc-hai-lop/"


def test_an_officer_enrols_by_scanning_and_confirming_a_code(
    client: Client, make_officer: Callable[..., User], code_for: Callable[[TOTPDevice], str]
) -> None:
    lan = make_officer("lan", Role.SPECIALIST)
    client.force_login(lan)

    page = client.get(URL).content.decode()
    device = TOTPDevice.objects.get(user=lan, confirmed=False)
    assert "otpauth://totp/motcua%3Alan?secret=" in page
    assert "<svg" in page
    assert "Bước 2. Nhập mã ứng dụng hiển thị" in page
    client.get(URL)
    assert TOTPDevice.objects.filter(user=lan).count() == 1  # idempotent

    wrong = client.post(URL, {"confirm": "1", "otp_token": "000000"})
    assert MSG_CODE_WRONG in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    device.throttle_reset()
    response = client.post(URL, {"confirm": "1", "otp_token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert AccountEvent.objects.filter(user=lan, kind=AccountEventKind.TOTP_ENROLLED).exists()
    assert "đang bật" in client.get(URL).content.decode()


def test_an_officer_removes_the_device_with_a_current_code(
    client: Client,
    make_officer: Callable[..., User],
    confirmed_device: Callable[[User], TOTPDevice],
    login_post: Callable[..., Any],
    code_for: Callable[[TOTPDevice], str],
) -> None:
    lan = make_officer("lan", Role.SPECIALIST)
    device = confirmed_device(lan)
    assert login_post("lan", otp_token=code_for(device)).status_code == 302
    device.refresh_from_db()
    device.last_t -= 1  # let the same 30-second window's code be typed once more
    device.save()

    refused = client.post(URL, {"remove": "1", "otp_token": "12345"})
    assert "Mã xác thực không đúng" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=lan).exists()

    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(URL, {"remove": "1", "otp_token": code_for(device)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=lan).exists()
    assert AccountEvent.objects.filter(user=lan, kind=AccountEventKind.TOTP_REMOVED).exists()


def test_an_administrator_removes_a_lost_device_without_a_code(
    administrator: User,
    make_officer: Callable[..., User],
    confirmed_device: Callable[[User], TOTPDevice],
) -> None:
    lan = make_officer("lan", Role.SPECIALIST)
    confirmed_device(lan)
    totp_remove(actor=administrator, user=lan)
    assert not TOTPDevice.objects.filter(user=lan).exists()
    event = AccountEvent.objects.get(user=lan, kind=AccountEventKind.TOTP_REMOVED)
    assert event.actor == administrator
