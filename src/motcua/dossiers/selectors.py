"""Reads of dossiers. Every query starts from ``access.dossiers_visible_to`` (or the system scope
for operator commands) and has a bounded number of queries; the indexes that serve them are
described in ``docs/dossiers.md``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from motcua.accounts.models import UserKind
from motcua.audit.services import audit_read
from motcua.dossiers.access import (
    access_dossier_for_citizen,
    access_dossier_for_officer,
    dossiers_visible_to,
    officer_agency_ids,
)
from motcua.dossiers.models import (
    RUNNING_STATUSES,
    ClockEvent,
    Dossier,
    DossierEvent,
)

#: Personal-data fields shown by a dossier's detail (recorded by ``audit_read``, rules.md §7).
PERSONAL_FIELDS = (
    "applicant.full_name",
    "applicant.personal_id",
    "applicant.date_of_birth",
    "applicant.phone",
    "applicant.email",
    "applicant.address",
)

_LIST_RELATED = ("procedure_version__procedure", "current_agency", "applicant", "assigned_to")


@dataclass(frozen=True)
class Cursor:
    """Keyset position: the (due moment, id) of the last row of the previous page."""

    due_at: dt.datetime | None
    id: int


def _after(qs: QuerySet[Dossier], after: Cursor | None) -> QuerySet[Dossier]:
    if after is None:
        return qs
    if after.due_at is None:
        return qs.filter(due_at__isnull=True, id__gt=after.id)
    return qs.filter(
        Q(due_at__gt=after.due_at)
        | Q(due_at=after.due_at, id__gt=after.id)
        | Q(due_at__isnull=True)
    )


def _by_due(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    # NULLS LAST matches PostgreSQL's default B-tree order: dossiers not yet accepted (no due
    # moment) come after every running one.
    return qs.order_by(F("due_at").asc(nulls_last=True), "id")


def dossier_list_for_officer(
    user: Any,
    *,
    status: str | None = None,
    agency: int | None = None,
    after: Cursor | None = None,
    limit: int = 50,
) -> list[Dossier]:
    """The officer's worklist: dossiers held by their agencies (``current_agency``) or assigned
    to them, soonest due first, keyset-paginated by (due moment, id). One query (plus the
    membership lookup); served by ``dossiers_worklist`` (current_agency, status, due_at, id) and
    ``dossiers_assigned_worklist``."""
    agency_ids = officer_agency_ids(user)
    if agency is not None:
        agency_ids = [a for a in agency_ids if a == agency]
    scope = Q(assigned_to=user) | Q(current_agency_id__in=agency_ids)
    qs: QuerySet[Dossier] = Dossier.objects.filter(scope)
    if status is not None:
        qs = qs.filter(status=status)
    qs = _by_due(_after(qs, after)).select_related(*_LIST_RELATED)
    return list(qs[: max(1, min(limit, 500))])


def dossier_list_visible(user: Any, *, status: str | None = None, limit: int = 50) -> list[Dossier]:
    """Everything the user may see (receiving, current, competent agency, assigned, own)."""
    qs = dossiers_visible_to(user)
    if status is not None:
        qs = qs.filter(status=status)
    return list(_by_due(qs).select_related(*_LIST_RELATED)[: max(1, min(limit, 500))])


def dossier_list_overdue(
    user: Any | None, *, at: dt.datetime | None = None, limit: int = 50
) -> list[Dossier]:
    """Running dossiers past their due moment (partial index ``dossiers_open_due``).
    ``user=None`` is the system scope (operator commands, metrics)."""
    moment = at or timezone.now()
    qs = (Dossier.objects.all() if user is None else dossiers_visible_to(user)).filter(
        status__in=RUNNING_STATUSES, due_at__lt=moment
    )
    return list(qs.order_by("due_at", "id").select_related(*_LIST_RELATED)[:limit])


def dossier_list_coming_due(
    user: Any | None,
    *,
    within: dt.timedelta = dt.timedelta(days=2),
    at: dt.datetime | None = None,
    limit: int = 50,
) -> list[Dossier]:
    """Running dossiers due within ``within`` from now, not yet overdue (``dossiers_open_due``)."""
    moment = at or timezone.now()
    qs = (Dossier.objects.all() if user is None else dossiers_visible_to(user)).filter(
        status__in=RUNNING_STATUSES, due_at__gte=moment, due_at__lt=moment + within
    )
    return list(qs.order_by("due_at", "id").select_related(*_LIST_RELATED)[:limit])


_DETAIL_RELATED = (
    "procedure_version__procedure",
    "receiving_agency",
    "competent_agency",
    "current_agency",
    "lead_agency",
    "assigned_to",
    "current_step",
    "applicant",
)


def _detail_queryset() -> QuerySet[Dossier]:
    return Dossier.objects.select_related(*_DETAIL_RELATED).prefetch_related(
        Prefetch(
            "events",
            queryset=DossierEvent.objects.select_related(
                "actor", "from_agency", "to_agency", "to_user", "step"
            ).order_by("seq"),
        ),
        Prefetch("clock_events", queryset=ClockEvent.objects.order_by("seq")),
        "documents",
        "consultations__agency",
        "partner_tasks__agency",
    )


def dossier_detail(user: Any, code: str, *, purpose: str = "xem hồ sơ") -> Dossier:
    """One dossier with everything its page shows, in a bounded number of queries; the read of
    the applicant's personal data is written to the audit log (rules.md §7; TT 22/2019 Điều 6).
    Out of scope → ``DossierNotFound``."""
    if user.kind in (UserKind.CITIZEN, UserKind.ORGANISATION):
        found = access_dossier_for_citizen(user, code)
    else:
        found = access_dossier_for_officer(user, code)
    dossier = _detail_queryset().get(pk=found.pk)
    audit_read(
        actor=user,
        object_type="dossier",
        object_id=str(dossier.uuid),
        fields=PERSONAL_FIELDS,
        agency_id=dossier.current_agency_id,
        purpose=purpose,
    )
    return dossier


def dossier_detail_for_system(code: str) -> Dossier:
    """The same detail for operator commands, which run as the system (no personal scope)."""
    dossier = _detail_queryset().filter(code=code.strip()).first()
    if dossier is None:
        from motcua.dossiers.errors import DossierNotFound

        raise DossierNotFound()
    return dossier


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment is not None else None


def dossier_data(dossier: Dossier, *, personal: bool = False) -> dict[str, Any]:
    """Plain data for ``motcua dossier show --json`` (from :func:`dossier_detail_for_system`)."""
    applicant = dossier.applicant
    data: dict[str, Any] = {
        "code": dossier.code,
        "uuid": str(dossier.uuid),
        "procedure": dossier.procedure_version.procedure.code,
        "procedure_version": dossier.procedure_version.number,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "national_status": dossier.national_status,
        "channel": dossier.channel,
        "channel_code": {"direct": 1, "online": 2, "postal": 3}[dossier.channel],
        "return_method": dossier.return_method,
        "receiving_agency": dossier.receiving_agency.code,
        "competent_agency": dossier.competent_agency.code,
        "current_agency": dossier.current_agency.code,
        "assigned_to": dossier.assigned_to.get_username() if dossier.assigned_to else None,
        "current_step": dossier.current_step.name if dossier.current_step else None,
        "step_due_at": _iso(dossier.step_due_at),
        "submitted_at": _iso(dossier.submitted_at),
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
        "original_due_at": _iso(dossier.original_due_at),
        "clock_state": dossier.clock_state,
        "online": {
            "alert_due_at": _iso(dossier.alert_due_at),
            "alerted_at": _iso(dossier.alerted_at),
            "alert_breached": dossier.alert_breached,
            "decision_due_at": _iso(dossier.decision_due_at),
            "decision_breached": dossier.decision_breached,
        }
        if dossier.channel == "online"
        else None,
        "decided_at": _iso(dossier.decided_at),
        "ended_at": _iso(dossier.ended_at),
        "returned_at": _iso(dossier.returned_at),
        "outcome": dossier.outcome or None,
        "extension_used": dossier.extension_used,
        "version": dossier.version,
        "applicant": {
            "kind": applicant.kind,
            "name": applicant.display_name,
            **(
                {"personal_id": applicant.personal_id, "enterprise_code": applicant.enterprise_code}
                if personal
                else {}
            ),
        },
        "documents": [
            {
                "name": doc.name,
                "submitted": doc.submitted,
                "form": doc.form,
                "digitised": bool(doc.file),
                "reused": doc.reused,
            }
            for doc in dossier.documents.all()
        ],
        "clock_events": [
            {
                "seq": e.seq,
                "kind": e.kind,
                "at": _iso(e.at),
                "due_before": _iso(e.due_before),
                "due_after": _iso(e.due_after),
                "reason": e.reason or None,
            }
            for e in dossier.clock_events.all()
        ],
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "at": _iso(e.at),
                "actor": e.actor_label,
                "from_agency": e.from_agency.code if e.from_agency else None,
                "to_agency": e.to_agency.code if e.to_agency else None,
                "to_user": e.to_user.get_username() if e.to_user else None,
                "step": e.step.name if e.step else None,
                "step_due_at": _iso(e.step_due_at),
                "outcome": e.outcome or None,
                "note": e.note or None,
            }
            for e in dossier.events.all()
        ],
    }
    return data
