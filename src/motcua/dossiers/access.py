"""Who may see which dossier. Every list, detail, export and service starts here, so a scope rule
is written once (ARCHITECTURE.md "Access in one place").

* **Officers** see the dossiers whose receiving, current or competent agency is one of the
  agencies where they hold an officer role *today* (memberships valid today, accounts.access),
  plus the dossiers assigned to them. The one-stop center therefore sees what it received; a
  competent agency sees what it must decide; a partner agency sees the dossiers it holds.
* **Center directors** and **auditors** see the same scope through their memberships; auditors
  are read-only because no workflow transition is open to their role.
* **Administrators** see nothing by default (least privilege): the system-wide administrator
  role is not an officer scope (``agencies_of`` never widens for it).
* **Citizens** see only their own dossiers: ``applicant.user`` is their account.
* **Consulted and partner agencies** (NĐ 118/2025 Điều 19 khoản 4, Điều 20 khoản 2) are not
  given the dossier: their officers reach *their consultation* or *their part* of an
  inter-agency dossier (``consultations_for_officer``, ``partner_tasks_for_officer``) and act on
  the dossier only through it (``lock_dossier_for_consulted_officer``,
  ``lock_dossier_for_partner_officer``).
* A dossier outside the scope is *not found*, exactly like one that does not exist
  (:class:`DossierNotFound`), never "forbidden".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q, QuerySet

from motcua.accounts.access import agencies_of, officer_membership_params, officer_membership_sql
from motcua.accounts.models import AgencyMembership, UserKind
from motcua.common.sql import Quote, column, table_name
from motcua.dossiers.errors import DossierNotFound
from motcua.dossiers.models import Consultation, Dossier, PartnerTask


def _live(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def officer_agency_ids(user: Any) -> list[int]:
    """Agencies where ``user`` holds an officer role today (administrator excluded)."""
    return list(agencies_of(user).values_list("pk", flat=True))


def scope_filter(user: Any, *, subquery: bool = False) -> Q | None:
    """The ``Q`` selecting the dossiers ``user`` may see; ``None`` means none at all.
    ``subquery=True``: the officer's agencies are a subquery of the ``Q`` instead of a query run
    here, so a single look-up costs one statement (the API's dossier GET)."""
    if not _live(user):
        return None
    if user.kind in (UserKind.CITIZEN, UserKind.ORGANISATION):
        return Q(applicant__user=user)
    if subquery:
        return officer_scope(user, agencies_of(user).values("pk"))
    return officer_scope(user, officer_agency_ids(user))


def officer_scope(user: Any, agency_ids: Iterable[int] | QuerySet[Any]) -> Q:
    """The officer's scope given the agencies of their officer roles today (no query; a
    queryset of agency ids is used as a subquery)."""
    ids: Any = agency_ids if isinstance(agency_ids, QuerySet) else sorted(set(agency_ids))
    scope = Q(assigned_to=user)
    if isinstance(ids, QuerySet) or ids:
        scope |= (
            Q(receiving_agency_id__in=ids)
            | Q(current_agency_id__in=ids)
            | Q(competent_agency_id__in=ids)
        )
    return scope


#: The dossier's agencies that bring it into a scope (as columns of the hand-written look-ups):
#: it was received, is held or is decided there.
SCOPE_AGENCIES = ("receiving_agency", "current_agency", "competent_agency")


def officer_scope_sql(qn: Quote, dossier: str) -> str:
    """``scope_filter(user)`` of an officer (:func:`officer_scope` over the agencies of their
    officer roles today) in SQL, for a hand-written look-up (``motcua.common.sql``): the
    dossier (alias ``dossier``) is assigned to the user, or its receiving, current or competent
    agency is one where the user holds an officer role today. Not for citizens (their scope is
    their own dossiers). Parameters: :func:`officer_scope_params`. Tested against the ORM
    (tests/api/test_scoped_sql.py)."""
    m = AgencyMembership
    agencies = ", ".join(f"{dossier}.{column(Dossier, name, qn)}" for name in SCOPE_AGENCIES)
    return (
        f"({dossier}.{column(Dossier, 'assigned_to', qn)} = %s OR EXISTS ("  # noqa: S608 - metadata names only
        f"SELECT 1 FROM {table_name(m, qn)} scope_m WHERE {officer_membership_sql(qn, 'scope_m')}"
        f" AND scope_m.{column(m, 'agency', qn)} IN ({agencies})))"
    )


def officer_scope_params(user: Any, conn: BaseDatabaseWrapper) -> list[Any]:
    """The parameters of :func:`officer_scope_sql` for ``user`` today."""
    return [user.pk, *officer_membership_params(user, conn)]


def in_officer_scope(user: Any, agency_ids: Iterable[int], dossier: Dossier) -> bool:
    """``officer_scope`` for a dossier already in memory (no query)."""
    ids = set(agency_ids)
    return dossier.assigned_to_id == user.pk or bool(
        ids & {dossier.receiving_agency_id, dossier.current_agency_id, dossier.competent_agency_id}
    )


def dossiers_visible_to(user: Any) -> QuerySet[Dossier]:
    """Every dossier ``user`` may see (a queryset to filter further)."""
    scope = scope_filter(user)
    if scope is None:
        return Dossier.objects.none()
    return Dossier.objects.filter(scope)


def _lookup(id_or_code: Any) -> Q:
    if isinstance(id_or_code, uuid.UUID):
        return Q(uuid=id_or_code)
    if isinstance(id_or_code, int):
        return Q(pk=id_or_code)
    text = str(id_or_code).strip()
    try:
        return Q(uuid=uuid.UUID(text))
    except ValueError:
        return Q(code=text)


def access_dossier_for_officer(user: Any, id_or_code: Any, *, lock: bool = False) -> Dossier:
    """The dossier (by internal id, UUID or code) if ``user`` may see it, else
    :class:`DossierNotFound`. ``lock=True`` takes the row lock (call inside a transaction)."""
    qs = dossiers_visible_to(user).filter(_lookup(id_or_code))
    if lock:
        # Lock the dossier row only (no joins), after the scope check has found it.
        found = qs.values_list("pk", flat=True).first()
        if found is None:
            raise DossierNotFound()
        return Dossier.objects.select_for_update().get(pk=found)
    dossier = qs.first()
    if dossier is None:
        raise DossierNotFound()
    return dossier


def lock_dossier_for_officer(user: Any, id_or_code: Any, agency_ids: Iterable[int]) -> Dossier:
    """:func:`access_dossier_for_officer` with ``lock=True`` when the caller already has the
    agencies of the user's officer roles today (``officer_agency_ids``): one query, the scope
    as the filter of the locking ``SELECT`` (the scope has no joins, so only the dossier row is
    locked)."""
    if not _live(user):
        raise DossierNotFound()
    qs = Dossier.objects.filter(officer_scope(user, agency_ids)).filter(_lookup(id_or_code))
    dossier = qs.select_for_update().first()
    if dossier is None:
        raise DossierNotFound()
    return dossier


def access_dossier_for_citizen(user: Any, code: str) -> Dossier:
    """The citizen's own dossier with this code, else :class:`DossierNotFound`."""
    if not _live(user) or user.kind not in (UserKind.CITIZEN, UserKind.ORGANISATION):
        raise DossierNotFound()
    dossier = Dossier.objects.filter(code=str(code).strip(), applicant__user=user).first()
    if dossier is None:
        raise DossierNotFound()
    return dossier


def dossier_for_system(id_or_code: Any, *, lock: bool = False) -> Dossier:
    """For the scheduler and the operator commands, which act as the system (no user scope)."""
    qs = Dossier.objects.filter(_lookup(id_or_code))
    if lock:
        qs = qs.select_for_update()
    dossier = qs.first()
    if dossier is None:
        raise DossierNotFound()
    return dossier


def consultations_for_officer(user: Any, agency_ids: Iterable[int]) -> QuerySet[Consultation]:
    """The consultations addressed to one of the agencies of the user's officer roles today
    (``agency_ids`` = ``officer_agency_ids(user)``): what a consulted agency may see and answer."""
    if not _live(user):
        return Consultation.objects.none()
    return Consultation.objects.filter(agency_id__in=sorted(set(agency_ids)))


def partner_tasks_for_officer(user: Any, agency_ids: Iterable[int]) -> QuerySet[PartnerTask]:
    """The parts of inter-agency dossiers handed to one of the user's agencies."""
    if not _live(user):
        return PartnerTask.objects.none()
    return PartnerTask.objects.filter(agency_id__in=sorted(set(agency_ids)))


def lock_dossier_for_consulted_officer(
    user: Any, id_or_code: Any, consultation_id: int, agency_ids: Iterable[int]
) -> Dossier:
    """The dossier, locked, when ``consultation_id`` is one of its consultations addressed to one
    of ``agency_ids`` (the consulted agency answering); else :class:`DossierNotFound`."""
    found = (
        consultations_for_officer(user, agency_ids)
        .filter(pk=consultation_id)
        .values_list("dossier_id", flat=True)
        .first()
    )
    if found is None:
        raise DossierNotFound()
    dossier = Dossier.objects.filter(_lookup(id_or_code), pk=found).select_for_update().first()
    if dossier is None:
        raise DossierNotFound()
    return dossier


def lock_dossier_for_partner_officer(user: Any, task_id: int, agency_ids: Iterable[int]) -> Dossier:
    """The dossier, locked, of the partner task ``task_id`` handed to one of ``agency_ids``;
    else :class:`DossierNotFound`."""
    found = (
        partner_tasks_for_officer(user, agency_ids)
        .filter(pk=task_id)
        .values_list("dossier_id", flat=True)
        .first()
    )
    if found is None:
        raise DossierNotFound()
    return Dossier.objects.select_for_update().get(pk=found)
