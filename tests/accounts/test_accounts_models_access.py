"""Personal ID validation and the role helpers (validity dates, administrators, citizens)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.accounts.access import agencies_of, has_role, is_officer, roles_of
from motcua.accounts.models import AccountEvent, AgencyMembership, User, UserKind
from motcua.accounts.roles import Role
from motcua.agencies.models import Agency

TODAY = dt.date(2026, 6, 15)


@pytest.mark.parametrize("value", ["079123456789", "001099000001"])
def test_a_twelve_digit_personal_id_is_valid(citizen: User, value: str) -> None:
    citizen.personal_id = value
    citizen.full_clean()


@pytest.mark.parametrize("value", ["07912345678", "0791234567890", "07912345678a", "079 12345678"])
def test_a_malformed_personal_id_is_refused_in_vietnamese(citizen: User, value: str) -> None:
    citizen.personal_id = value
    with pytest.raises(ValidationError) as err:
        citizen.full_clean()
    assert (
        "Số định danh cá nhân phải có đúng 12 chữ số (ví dụ 079123456789)."
        in err.value.message_dict["personal_id"]
    )


def test_full_name_is_normalised_to_nfc(citizen: User) -> None:
    citizen.full_name = "Nguye\u0302\u0303n  Văn An"  # decomposed "ễ", double space
    citizen.full_clean()
    assert citizen.full_name == "Nguyễn Văn An"


def _membership(user: User, agency: Agency, role: Role, start: str | None, end: str | None) -> None:
    AgencyMembership.objects.create(
        user=user,
        agency=agency,
        role=role,
        valid_from=dt.date.fromisoformat(start) if start else None,
        valid_to=dt.date.fromisoformat(end) if end else None,
    )


def test_roles_count_only_on_the_days_they_are_valid(
    make_officer: Callable[..., User], center: Agency, department: Agency
) -> None:
    lan = make_officer("lan")
    _membership(lan, center, Role.RECEPTION_OFFICER, None, "2026-06-14")  # ended yesterday
    _membership(lan, department, Role.SPECIALIST, "2026-06-15", None)  # starts today
    _membership(lan, department, Role.DEPARTMENT_HEAD, "2026-07-01", "2026-12-31")  # later

    assert roles_of(lan, at=TODAY) == {Role.SPECIALIST}
    assert roles_of(lan, at=dt.date(2026, 6, 14)) == {Role.RECEPTION_OFFICER}
    assert roles_of(lan, at=dt.date(2026, 12, 31)) == {Role.SPECIALIST, Role.DEPARTMENT_HEAD}
    assert roles_of(lan, at=dt.date(2027, 1, 1)) == {Role.SPECIALIST}
    assert roles_of(lan, center, at=TODAY) == set()
    assert has_role(lan, Role.SPECIALIST, department, at=TODAY)
    assert not has_role(lan, Role.SPECIALIST, center, at=TODAY)
    assert list(agencies_of(lan, at=TODAY)) == [department]
    assert list(agencies_of(lan, Role.RECEPTION_OFFICER, at=TODAY)) == []
    assert is_officer(lan, at=TODAY)
    assert is_officer(lan, at=dt.date(2026, 6, 1))  # reception was valid then


def test_an_officer_whose_roles_all_ended_is_no_longer_an_officer(
    make_officer: Callable[..., User], center: Agency
) -> None:
    old = make_officer("cu")
    _membership(old, center, Role.SPECIALIST, "2020-01-01", "2025-12-31")
    assert not is_officer(old, at=TODAY)
    assert roles_of(old, at=TODAY) == set()


def test_administrator_is_system_wide_but_gets_no_other_role_or_scope(
    administrator: User, center: Agency, department: Agency
) -> None:
    assert has_role(administrator, Role.ADMINISTRATOR)
    assert has_role(administrator, Role.ADMINISTRATOR, department)  # recorded at the center
    assert roles_of(administrator, department) == {Role.ADMINISTRATOR}
    assert not has_role(administrator, Role.AGENCY_LEADER, center)
    assert set(agencies_of(administrator, Role.ADMINISTRATOR)) == {center, department}
    assert list(agencies_of(administrator)) == []  # no dossier scope from being administrator


def test_a_superuser_is_an_administrator_and_nothing_more(db: None, department: Agency) -> None:
    root = User.objects.create_superuser("root", "root@example.gov.vn", "x" * 12)
    assert root.kind == UserKind.OFFICER
    assert roles_of(root) == {Role.ADMINISTRATOR}
    assert has_role(root, Role.ADMINISTRATOR, department)
    assert not has_role(root, Role.SPECIALIST, department)
    assert is_officer(root)
    assert list(agencies_of(root, Role.ADMINISTRATOR)) == [department]
    assert list(agencies_of(root)) == []


def test_a_citizen_holds_the_citizen_role_only(citizen: User, center: Agency) -> None:
    assert roles_of(citizen) == {Role.CITIZEN}
    assert roles_of(citizen, center) == set()
    assert not is_officer(citizen)
    assert list(agencies_of(citizen)) == []


def test_inactive_and_anonymous_users_hold_nothing(
    make_officer: Callable[..., User],
) -> None:
    from django.contrib.auth.models import AnonymousUser

    user = make_officer("nghi", Role.SPECIALIST)
    user.is_active = False
    assert roles_of(user) == set()
    assert not is_officer(user)
    assert roles_of(AnonymousUser()) == set()
    assert not has_role(AnonymousUser(), Role.CITIZEN)


def test_the_database_refuses_a_citizen_membership_and_reversed_dates(
    make_officer: Callable[..., User], center: Agency
) -> None:
    user = make_officer("sai")
    with pytest.raises(IntegrityError), transaction.atomic():
        _membership(user, center, Role.CITIZEN, None, None)
    with pytest.raises(IntegrityError), transaction.atomic():
        _membership(user, center, Role.SPECIALIST, "2026-06-15", "2026-06-14")


def test_the_account_log_is_append_only(administrator: User) -> None:
    event = AccountEvent.objects.filter(user=administrator).first()
    assert event is not None
    event.detail = {"sua": True}
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AccountEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AccountEvent.objects.update(username="x")


def test_today_is_the_default_date(make_officer: Callable[..., User], center: Agency) -> None:
    user = make_officer("homnay")
    today = timezone.localdate()
    _membership(user, center, Role.AUDITOR, today.isoformat(), today.isoformat())
    assert roles_of(user) == {Role.AUDITOR}
