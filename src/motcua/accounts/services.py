"""Writes to accounts: memberships, officers, TOTP devices, and the account event log.

Every write here records an :class:`~motcua.accounts.models.AccountEvent` in the same
transaction, so an action and its trace land together or not at all (rules.md §7: access
to personal data is logged; TT 22/2019 Đ6o).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.accounts.access import is_administrator
from motcua.accounts.models import AccountEvent, AccountEventKind, AgencyMembership, User, UserKind
from motcua.accounts.permissions import sync_user_groups
from motcua.accounts.roles import OFFICER_ROLES, Role
from motcua.agencies.models import Agency
from motcua.common.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.common.text import nfc

TOTP_DEVICE_NAME = "Ứng dụng xác thực"


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address as django-axes saw it (it honours the proxy settings)."""
    if request is None:
        return None
    ip = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    return ip or None


def account_event_record(
    kind: AccountEventKind,
    *,
    user: User | None = None,
    username: str = "",
    actor: User | None = None,
    agency: Agency | None = None,
    role: Role | str = "",
    request: HttpRequest | None = None,
    **detail: Any,
) -> AccountEvent:
    """Append one row to the account event log. The only writer of ``AccountEvent``."""
    if user is not None and not username:
        username = user.get_username()
    agent = request.META.get("HTTP_USER_AGENT", "")[:255] if request is not None else ""
    return AccountEvent.objects.create(
        kind=kind,
        user=user,
        username=username[:150],
        actor=actor,
        agency=agency,
        role=str(role),
        ip_address=client_ip(request),
        user_agent=agent,
        detail=detail,
    )


def _ensure_administrator(actor: User) -> None:
    if not is_administrator(actor):
        raise PermissionDenied(
            "Chỉ quản trị hệ thống mới được giao hoặc thu hồi vai trò của cán bộ.",
            code="not_administrator",
        )


def _officer_role(role: Role | str) -> Role:
    try:
        value = Role(role)
    except ValueError:
        raise ValidationFailed(f"Vai trò “{role}” không tồn tại.", code="unknown_role") from None
    if value not in OFFICER_ROLES:
        raise ValidationFailed(
            "Vai trò công dân không gắn với cơ quan; chỉ giao được vai trò của cán bộ.",
            code="not_officer_role",
        )
    return value


def _grant(
    *,
    actor: User | None,
    user: User,
    agency: Agency,
    role: Role,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    request: HttpRequest | None = None,
) -> AgencyMembership:
    if user.kind != UserKind.OFFICER:
        raise ValidationFailed(
            "Tài khoản công dân, tổ chức không thể giữ vai trò cán bộ. "
            "Hãy tạo một tài khoản cán bộ riêng.",
            code="not_officer_account",
        )
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationFailed(
            "Ngày hết hiệu lực phải sau hoặc bằng ngày bắt đầu.", code="validity_order"
        )
    membership, created = AgencyMembership.objects.select_for_update().get_or_create(
        user=user,
        agency=agency,
        role=role.value,
        defaults={"valid_from": valid_from, "valid_to": valid_to},
    )
    if not created:
        membership.valid_from = valid_from
        membership.valid_to = valid_to
        membership.save(update_fields=["valid_from", "valid_to"])
    account_event_record(
        AccountEventKind.ROLE_GRANTED,
        user=user,
        actor=actor,
        agency=agency,
        role=role,
        request=request,
        valid_from=valid_from.isoformat() if valid_from else None,
        valid_to=valid_to.isoformat() if valid_to else None,
        renewed=not created,
    )
    sync_user_groups(user)
    return membership


@transaction.atomic
def membership_grant(
    *,
    actor: User,
    user: User,
    agency: Agency,
    role: Role | str,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    request: HttpRequest | None = None,
) -> AgencyMembership:
    """Give ``user`` ``role`` in ``agency`` from ``valid_from`` (open if ``None``).

    Only administrators (or superusers) may do it; raises ``PermissionDenied`` otherwise.
    Granting an existing (user, agency, role) again replaces its validity dates. Writes the
    membership, its ``ROLE_GRANTED`` event and the user's groups in one transaction.
    """
    _ensure_administrator(actor)
    return _grant(
        actor=actor,
        user=user,
        agency=agency,
        role=_officer_role(role),
        valid_from=valid_from,
        valid_to=valid_to,
        request=request,
    )


@transaction.atomic
def membership_revoke(
    *,
    actor: User,
    user: User,
    agency: Agency,
    role: Role | str,
    request: HttpRequest | None = None,
) -> AgencyMembership | None:
    """End ``user``'s ``role`` in ``agency`` today: it stops counting immediately.

    The row is kept with ``valid_to`` = yesterday, so "who held the role when" stays answerable;
    a membership that had not started yet is deleted. Only administrators may do it. Raises
    ``NotFound`` when there is no such membership. Returns the kept row, or ``None`` if deleted.
    """
    _ensure_administrator(actor)
    value = _officer_role(role)
    membership = (
        AgencyMembership.objects.select_for_update()
        .filter(user=user, agency=agency, role=value.value)
        .first()
    )
    if membership is None:
        raise NotFound("Cán bộ không giữ vai trò này tại cơ quan này.", code="no_membership")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    kept: AgencyMembership | None = membership
    if membership.valid_from is not None and membership.valid_from > yesterday:
        membership.delete()
        kept = None
    elif membership.valid_to is None or membership.valid_to > yesterday:
        membership.valid_to = yesterday
        membership.save(update_fields=["valid_to"])
    account_event_record(
        AccountEventKind.ROLE_REVOKED,
        user=user,
        actor=actor,
        agency=agency,
        role=value,
        request=request,
        deleted=kept is None,
    )
    sync_user_groups(user)
    return kept


@transaction.atomic
def officer_create(
    *,
    username: str,
    full_name: str,
    password: str | None,
    agency: Agency | str,
    roles: Iterable[Role | str],
    email: str = "",
) -> tuple[User, bool]:
    """Get or create an officer account holding ``roles`` in ``agency``; for demo data and
    management commands (trusted callers: no actor check, events record no actor).

    ``get_or_create`` semantics: returns ``(user, created)``. When the username exists, the
    account's password, name and e-mail are left untouched and only missing memberships are
    added, so calling it twice is harmless. ``agency`` may be an ``Agency`` or its code.
    ``password=None`` creates an account that cannot sign in until a password is set.
    Raises ``ValidationFailed`` if the username belongs to a citizen account.
    """
    if isinstance(agency, str):
        found = Agency.objects.filter(code=agency).first()
        if found is None:
            raise NotFound(f"Không tìm thấy cơ quan có mã “{agency}”.", code="no_agency")
        agency = found
    wanted = [_officer_role(r) for r in roles]
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"full_name": nfc(full_name), "email": email, "kind": UserKind.OFFICER},
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
        account_event_record(AccountEventKind.OFFICER_CREATED, user=user)
    elif user.kind != UserKind.OFFICER:
        raise ValidationFailed(
            f"Tên đăng nhập “{username}” đã thuộc về một tài khoản công dân, tổ chức.",
            code="not_officer_account",
        )
    held = set(
        AgencyMembership.objects.filter(user=user, agency=agency).values_list("role", flat=True)
    )
    for role in wanted:
        if role.value not in held:
            _grant(actor=None, user=user, agency=agency, role=role, valid_from=None, valid_to=None)
    sync_user_groups(user)
    return user, created


# --- TOTP (optional second factor for officers) ----------------------------------------


def totp_confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_verify(user: User, token: str) -> TOTPDevice | None:
    """The confirmed device that accepts ``token`` (6 digits), or ``None``.

    django-otp throttles each device after a failure and refuses a code already used.
    """
    token = token.strip().replace(" ", "")
    if not (token.isdigit() and len(token) == 6):
        return None
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


@transaction.atomic
def totp_enrol_start(user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) device, created if missing. Idempotent."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_enrol_confirm(
    *, user: User, token: str, request: HttpRequest | None = None
) -> TOTPDevice | None:
    """Confirm the pending device with a code from the app; ``None`` if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        return None
    token = token.strip().replace(" ", "")
    if not (token.isdigit() and len(token) == 6) or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One device per person keeps recovery simple: older confirmed devices go.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    account_event_record(AccountEventKind.TOTP_ENROLLED, user=user, actor=user, request=request)
    return device


@transaction.atomic
def totp_remove(
    *, actor: User, user: User, token: str | None = None, request: HttpRequest | None = None
) -> None:
    """Remove ``user``'s TOTP devices.

    The user may do it with a valid current code; an administrator may do it without one
    (lost phone). Raises ``PermissionDenied`` otherwise.
    """
    if actor.pk == user.pk:
        if totp_confirmed_device(user) is not None and (
            token is None or totp_verify(user, token) is None
        ):
            raise PermissionDenied(
                "Mã xác thực không đúng hoặc đã hết hạn. Nhập mã 6 chữ số đang hiện "
                "trong ứng dụng xác thực.",
                code="bad_token",
            )
    elif not is_administrator(actor):
        raise PermissionDenied(
            "Chỉ quản trị hệ thống mới được gỡ xác thực hai lớp của người khác.",
            code="not_administrator",
        )
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        account_event_record(AccountEventKind.TOTP_REMOVED, user=user, actor=actor, request=request)
