"""Fixtures for the accounts tests: a province, two agencies and officers built with the ORM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.accounts.models import User, UserKind
from motcua.accounts.roles import Role
from motcua.accounts.services import officer_create
from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, UnitLevel

PASSWORD = "mat-khau-du-dai-2026"


@pytest.fixture
def unit(db: None) -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(
        code="79", name="Thành phố Hồ Chí Minh", level=UnitLevel.PROVINCE, division_type="Thành phố"
    )


@pytest.fixture
def center(unit: AdministrativeUnit) -> Agency:
    return Agency.objects.create(
        code="000.00.01.H29",
        name="Trung tâm Phục vụ hành chính công",
        kind=AgencyKind.PROVINCIAL_SERVICE_CENTER,
        unit=unit,
    )


@pytest.fixture
def department(unit: AdministrativeUnit) -> Agency:
    return Agency.objects.create(
        code="000.00.16.H29", name="Sở Tư pháp", kind=AgencyKind.DEPARTMENT, unit=unit
    )


@pytest.fixture
def make_officer(center: Agency) -> Callable[..., User]:
    """``make_officer("lan", Role.SPECIALIST, agency=...)`` → an officer with that role."""

    def make(username: str, *roles: Role, agency: Agency | None = None) -> User:
        user, _ = officer_create(
            username=username,
            full_name=f"Cán bộ {username}",
            password=PASSWORD,
            agency=agency or center,
            roles=roles,
        )
        return user

    return make


@pytest.fixture
def administrator(make_officer: Callable[..., User]) -> User:
    return make_officer("quantri", Role.ADMINISTRATOR)


@pytest.fixture
def citizen(db: None) -> User:
    user = User(
        username="congdan",
        full_name="Nguyễn Văn An",
        kind=UserKind.CITIZEN,
        personal_id="079123456789",
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def confirmed_device() -> Callable[[User], TOTPDevice]:
    def make(user: User) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="Điện thoại", confirmed=True)

    return make


@pytest.fixture
def password() -> str:
    """The password every fixture officer and citizen has."""
    return PASSWORD


@pytest.fixture
def code_for() -> Callable[[TOTPDevice], str]:
    """``code_for(device)``: the 6-digit code the officer's phone shows right now."""

    def code(device: TOTPDevice) -> str:
        return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"

    return code


@pytest.fixture
def login_post(client: Client) -> Callable[..., Any]:
    """``login_post("lan", password=..., otp_token=..., next=...)``: POST /dang-nhap/."""

    def post(username: str, password: str = PASSWORD, **extra: str) -> Any:
        return client.post("/dang-nhap/", {"username": username, "password": password, **extra})

    return post
