"""Who holds which role where: the helpers every other app calls.

Roles come only from :class:`~motcua.accounts.models.AgencyMembership` rows valid on the day
asked about (least privilege; rules.md §1.11 "Who does what"). Two explicit exceptions:

* **Administrator is system-wide.** An administrator membership, in whichever agency it was
  recorded, makes the user an administrator *in every agency*. It grants no other role: an
  administrator does not receive, appraise or sign dossiers.
* **A superuser is treated as an administrator** (and only that) — same reasoning.

Citizens and organisations hold :attr:`Role.CITIZEN` (outside any agency) and never an officer
role. Inactive and anonymous users hold nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q, QuerySet
from django.utils import timezone

from motcua.accounts.models import AgencyMembership, User, UserKind
from motcua.accounts.roles import OFFICER_ROLES, Role
from motcua.agencies.models import Agency
from motcua.common.sql import Quote, column

#: Roles that, once held anywhere, are held in every agency.
SYSTEM_WIDE_ROLES: frozenset[Role] = frozenset({Role.ADMINISTRATOR})


def _today() -> dt.date:
    return timezone.localdate()


def valid_on(at: dt.date, prefix: str = "") -> Q:
    """A filter for rows whose inclusive ``valid_from``/``valid_to`` cover ``at``."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": at})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": at})
    )


def _is_live(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def memberships_of(user: User, at: dt.date | None = None) -> QuerySet[AgencyMembership]:
    """The user's memberships valid on ``at`` (today by default)."""
    return AgencyMembership.objects.filter(valid_on(at or _today()), user=user)


def roles_of(user: Any, agency: Agency | None = None, at: dt.date | None = None) -> set[Role]:
    """The roles ``user`` holds on day ``at`` — in ``agency`` if given, else anywhere.

    Only memberships valid on that date count. See the module docstring for administrators,
    superusers and citizens.
    """
    if not _is_live(user):
        return set()
    rows = memberships_of(user, at)
    held = {Role(r) for r in rows.values_list("role", flat=True).distinct()}
    roles = held & SYSTEM_WIDE_ROLES
    if agency is None:
        roles |= held
    else:
        roles |= {Role(r) for r in rows.filter(agency=agency).values_list("role", flat=True)}
    if user.is_superuser:
        roles.add(Role.ADMINISTRATOR)
    if agency is None and user.kind in (UserKind.CITIZEN, UserKind.ORGANISATION):
        roles.add(Role.CITIZEN)
    return roles


def has_role(
    user: Any, role: Role | str, agency: Agency | None = None, at: dt.date | None = None
) -> bool:
    """Whether ``user`` holds ``role`` (in ``agency`` if given) on day ``at``."""
    return Role(role) in roles_of(user, agency, at)


def is_administrator(user: Any, at: dt.date | None = None) -> bool:
    """Administrators manage reference data and accounts; superusers count as administrators."""
    return has_role(user, Role.ADMINISTRATOR, at=at)


def is_officer(user: Any, at: dt.date | None = None) -> bool:
    """Whether ``user`` holds any officer role on ``at`` (superusers included).

    Citizen and organisation accounts are never officers, even with a stray ``is_staff`` flag.
    """
    if not _is_live(user):
        return False
    if user.is_superuser:
        return True
    return memberships_of(user, at).filter(role__in=[r.value for r in OFFICER_ROLES]).exists()


def agencies_of(
    user: Any, role: Role | str | None = None, at: dt.date | None = None
) -> QuerySet[Agency]:
    """The agencies where ``user`` holds ``role`` (any officer role if ``None``) on ``at``.

    Asking for :attr:`Role.ADMINISTRATOR` yields every agency for an administrator or a
    superuser (the role is system-wide). Any other question — including ``role=None`` — returns
    only the agencies of actual memberships, so a scope built on this (e.g. "dossiers of my
    agencies") never widens for administrators or superusers: least privilege.
    """
    if not _is_live(user):
        return Agency.objects.none()
    wanted = Role(role) if role is not None else None
    if wanted in SYSTEM_WIDE_ROLES:
        return Agency.objects.all() if has_role(user, wanted, at=at) else Agency.objects.none()
    if wanted is Role.CITIZEN:
        return Agency.objects.none()
    rows = memberships_of(user, at).exclude(role__in=[r.value for r in SYSTEM_WIDE_ROLES])
    if wanted is not None:
        rows = rows.filter(role=wanted.value)
    return Agency.objects.filter(pk__in=rows.values("agency_id"))


def officer_membership_sql(qn: Quote, alias: str) -> str:
    """:func:`agencies_of` ``(user)`` (any officer role, today) in SQL, for a hand-written
    look-up (``motcua.common.sql``): the conditions a membership row (alias ``alias``) meets —
    the user's, valid today, not a system-wide role. Its parameters:
    :func:`officer_membership_params`. Tested against the ORM (tests/api/test_scoped_sql.py)."""
    m = AgencyMembership
    roles = ", ".join(["%s"] * len(SYSTEM_WIDE_ROLES))
    start, end = (f"{alias}.{column(m, name, qn)}" for name in ("valid_from", "valid_to"))
    return (
        f"{alias}.{column(m, 'user', qn)} = %s"
        f" AND ({start} IS NULL OR {start} <= %s) AND ({end} IS NULL OR {end} >= %s)"
        f" AND {alias}.{column(m, 'role', qn)} NOT IN ({roles})"
    )


def officer_membership_params(user: Any, conn: BaseDatabaseWrapper) -> list[Any]:
    """The parameters of :func:`officer_membership_sql` for ``user`` today."""
    today = conn.ops.adapt_datefield_value(_today())
    return [user.pk, today, today, *sorted(r.value for r in SYSTEM_WIDE_ROLES)]
