"""Membership services (administrators only, audited), officer_create, and group sync."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from motcua.accounts.access import has_role, roles_of
from motcua.accounts.models import AccountEvent, AccountEventKind, AgencyMembership, User
from motcua.accounts.permissions import (
    codenames_for_role,
    group_name,
    sync_role_groups,
    sync_user_groups,
)
from motcua.accounts.roles import OFFICER_ROLES, Role
from motcua.accounts.services import membership_grant, membership_revoke, officer_create
from motcua.agencies.models import Agency
from motcua.common.errors import NotFound, PermissionDenied, ValidationFailed


def _groups(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_an_administrator_grants_a_role_with_its_group_and_event(
    administrator: User, make_officer: Callable[..., User], department: Agency
) -> None:
    lan = make_officer("lan")
    assert not lan.is_staff

    membership_grant(actor=administrator, user=lan, agency=department, role=Role.SPECIALIST)

    lan.refresh_from_db()
    assert has_role(lan, Role.SPECIALIST, department)
    assert _groups(lan) == {group_name(Role.SPECIALIST)}
    assert lan.is_staff
    event = AccountEvent.objects.get(kind=AccountEventKind.ROLE_GRANTED, user=lan)
    assert (event.actor, event.agency, event.role) == (administrator, department, "specialist")


@pytest.mark.parametrize("role", sorted(OFFICER_ROLES - {Role.ADMINISTRATOR}))
def test_only_administrators_may_grant_or_revoke(
    make_officer: Callable[..., User], department: Agency, role: Role
) -> None:
    actor = make_officer("sep", role)
    lan = make_officer("lan", Role.SPECIALIST, agency=department)
    with pytest.raises(PermissionDenied, match="Chỉ quản trị hệ thống"):
        membership_grant(actor=actor, user=lan, agency=department, role=Role.AGENCY_LEADER)
    with pytest.raises(PermissionDenied):
        membership_revoke(actor=actor, user=lan, agency=department, role=Role.SPECIALIST)
    assert roles_of(lan) == {Role.SPECIALIST}
    assert not AccountEvent.objects.filter(actor=actor).exists()


def test_a_citizen_account_cannot_be_given_an_officer_role(
    administrator: User, citizen: User, center: Agency
) -> None:
    with pytest.raises(ValidationFailed, match="Tài khoản công dân"):
        membership_grant(actor=administrator, user=citizen, agency=center, role=Role.AUDITOR)
    with pytest.raises(ValidationFailed, match="vai trò của cán bộ"):
        membership_grant(actor=administrator, user=citizen, agency=center, role=Role.CITIZEN)
    assert not citizen.memberships.exists()


def test_revoking_ends_the_role_today_keeps_history_and_drops_the_group(
    administrator: User, make_officer: Callable[..., User], center: Agency
) -> None:
    lan = make_officer("lan", Role.RECEPTION_OFFICER)
    assert lan.is_staff

    kept = membership_revoke(
        actor=administrator, user=lan, agency=center, role=Role.RECEPTION_OFFICER
    )

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert kept is not None
    assert kept.valid_to == yesterday
    assert roles_of(lan) == set()
    assert has_role(lan, Role.RECEPTION_OFFICER, center, at=yesterday)
    lan.refresh_from_db()
    assert _groups(lan) == set()
    assert not lan.is_staff
    assert AccountEvent.objects.filter(kind=AccountEventKind.ROLE_REVOKED, user=lan).count() == 1
    with pytest.raises(NotFound):
        membership_revoke(actor=administrator, user=lan, agency=center, role=Role.AUDITOR)


def test_revoking_a_role_that_has_not_started_deletes_it(
    administrator: User, make_officer: Callable[..., User], center: Agency
) -> None:
    lan = make_officer("lan")
    start = timezone.localdate() + dt.timedelta(days=10)
    membership_grant(
        actor=administrator, user=lan, agency=center, role=Role.SPECIALIST, valid_from=start
    )
    assert (
        membership_revoke(actor=administrator, user=lan, agency=center, role="specialist") is None
    )
    assert not AgencyMembership.objects.filter(user=lan).exists()


def test_officer_create_is_idempotent(center: Agency, department: Agency) -> None:
    user, created = officer_create(
        username="hoa",
        full_name="Trần Thị Hoa",
        password="mat-khau-ban-dau-1",
        agency=center.code,
        roles=[Role.RECEPTION_OFFICER],
        email="hoa@example.gov.vn",
    )
    assert created
    assert user.check_password("mat-khau-ban-dau-1")
    again, created_again = officer_create(
        username="hoa",
        full_name="Tên khác",
        password="mat-khau-khac-2",
        agency=center,
        roles=["reception_officer", "specialist"],
    )
    assert (again.pk, created_again) == (user.pk, False)
    again.refresh_from_db()
    assert again.full_name == "Trần Thị Hoa"
    assert again.check_password("mat-khau-ban-dau-1")  # untouched
    assert roles_of(again, center) == {Role.RECEPTION_OFFICER, Role.SPECIALIST}
    assert _groups(again) == {group_name(Role.RECEPTION_OFFICER), group_name(Role.SPECIALIST)}
    assert AccountEvent.objects.filter(user=user, kind=AccountEventKind.ROLE_GRANTED).count() == 2
    with pytest.raises(NotFound):
        officer_create(username="x", full_name="X", password=None, agency="H00", roles=[])


def test_officer_create_refuses_a_citizen_username(citizen: User, center: Agency) -> None:
    with pytest.raises(ValidationFailed):
        officer_create(
            username=citizen.username, full_name="", password=None, agency=center, roles=[]
        )


# --- Permission groups -----------------------------------------------------------------


def _perms(role: Role) -> set[str]:
    group = Group.objects.get(name=group_name(role))
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


@pytest.mark.django_db
def test_every_officer_role_has_its_group_after_migrate() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {
        group_name(r) for r in OFFICER_ROLES
    }
    assert not Group.objects.filter(name=group_name(Role.CITIZEN)).exists()


@pytest.mark.django_db
def test_groups_carry_least_privilege() -> None:
    auditor = _perms(Role.AUDITOR)
    assert auditor, "the auditor sees everything"
    assert all(p.split(".")[1].startswith("view_") for p in auditor)
    assert "agencies.view_agency" in auditor
    assert "accounts.view_accountevent" in auditor

    admin = _perms(Role.ADMINISTRATOR)
    assert {"agencies.change_agency", "agencies.delete_agency", "accounts.change_user"} <= admin
    assert "accounts.delete_user" not in admin  # deactivate, never delete
    assert "auth.change_group" not in admin  # groups follow roles
    assert "axes.delete_accessattempt" in admin  # unlock
    assert "accounts.delete_accountevent" not in admin

    for role in (Role.RECEPTION_OFFICER, Role.SPECIALIST, Role.DEPARTMENT_HEAD, Role.AGENCY_LEADER):
        perms = _perms(role)
        assert "agencies.view_agency" in perms
        assert all(p.split(".")[1].startswith("view_") for p in perms)
        assert not any(p.startswith(("accounts.", "auth.", "axes.")) for p in perms)

    director = _perms(Role.CENTER_DIRECTOR)
    assert "agencies.view_agency" in director
    assert "agencies.change_agency" not in director

    for role in OFFICER_ROLES:
        assert not any(p.startswith(("otp_totp.", "sessions.")) for p in _perms(role))


def test_codenames_for_role_picks_up_models_that_appear_later() -> None:
    """Pure: a catalogue model written tomorrow gets the right permissions at its migration."""
    perms = [
        ("catalogue", "procedure", f"{action}_procedure")
        for action in ("add", "change", "delete", "view")
    ] + [("catalogue", "procedure", "publish_procedure_custom")]
    assert codenames_for_role(Role.CENTER_DIRECTOR, perms) == {
        ("catalogue", "add_procedure"),
        ("catalogue", "change_procedure"),
        ("catalogue", "view_procedure"),
    }
    assert codenames_for_role(Role.SPECIALIST, perms) == {("catalogue", "view_procedure")}
    assert len(codenames_for_role(Role.ADMINISTRATOR, perms)) == 4
    assert codenames_for_role(Role.CITIZEN, perms) == set()


@pytest.mark.django_db
def test_sync_role_groups_is_idempotent_and_repairs_edits() -> None:
    group = Group.objects.get(name=group_name(Role.SPECIALIST))
    before = set(group.permissions.values_list("pk", flat=True))
    group.permissions.clear()
    sync_role_groups()
    sync_role_groups()
    assert set(group.permissions.values_list("pk", flat=True)) == before


def test_user_groups_follow_roles_valid_today(
    make_officer: Callable[..., User], center: Agency
) -> None:
    lan = make_officer("lan", Role.SPECIALIST, Role.AUDITOR)
    assert _groups(lan) == {group_name(Role.SPECIALIST), group_name(Role.AUDITOR)}
    # A role that ran out (written behind the services' back) disappears at the next sync.
    AgencyMembership.objects.filter(user=lan, role=Role.AUDITOR).update(
        valid_to=timezone.localdate() - dt.timedelta(days=1)
    )
    other = Group.objects.create(name="nhom-tu-tao")
    lan.groups.add(other)
    assert sync_user_groups(lan)
    assert _groups(lan) == {group_name(Role.SPECIALIST), "nhom-tu-tao"}
    assert not sync_user_groups(lan)


def test_the_createofficer_command(center: Agency) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command(
        "createofficer",
        "thu",
        agency=center.code,
        role=["reception_officer"],
        full_name="Lê Thu",
        password="mat-khau-du-dai-1",
        stdout=out,
    )
    assert "Đã tạo tài khoản cán bộ “thu”." in out.getvalue()
    assert has_role(User.objects.get(username="thu"), Role.RECEPTION_OFFICER, center)
    with pytest.raises(CommandError, match="Không tìm thấy cơ quan"):
        call_command("createofficer", "thu", agency="X", role=["specialist"], password="p")
