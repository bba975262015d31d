"""Reads of the procedure catalogue."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from motcua.catalogue.models import (
    LOCKED_STATUSES,
    Channel,
    Fee,
    Procedure,
    ProcedureVersion,
    TimeLimit,
    VersionStatus,
)
from motcua.common.errors import NotFound
from motcua.common.text import fold


def _as_date(moment: dt.datetime | dt.date) -> dt.date:
    if isinstance(moment, dt.datetime):
        return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()
    return moment


def procedure_get(code: str) -> Procedure:
    """The procedure with this national code; :class:`NotFound` with a Vietnamese message."""
    try:
        return Procedure.objects.get(code=code.strip())
    except Procedure.DoesNotExist:
        raise NotFound(f"Không có thủ tục mã {code.strip()} trong danh mục.") from None


def procedure_version_for(
    procedure: Procedure, moment: dt.datetime | dt.date | None = None
) -> ProcedureVersion | None:
    """The published version in effect at ``moment`` (default: now), or None.

    ``effective_from`` is inclusive and ``effective_to`` exclusive (the next version's first
    day), so exactly one version is in effect on any day after the first publication. A dossier
    stores the version returned here when it is received and keeps it (ND118 Đ17.3).
    """
    day = _as_date(moment if moment is not None else timezone.now())
    return (
        ProcedureVersion.objects.filter(
            procedure=procedure, status__in=LOCKED_STATUSES, effective_from__lte=day
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=day))
        .order_by("-effective_from", "-number")
        .first()
    )


def procedure_version_latest(procedure: Procedure) -> ProcedureVersion | None:
    """The highest-numbered version (draft, published or retired)."""
    return procedure.versions.order_by("-number").first()


def procedure_draft(procedure: Procedure) -> ProcedureVersion | None:
    return procedure.versions.filter(status=VersionStatus.DRAFT).first()


def procedure_versions_current(
    *, needs_review: bool | None = None, search: str = ""
) -> QuerySet[ProcedureVersion]:
    """The latest published version of every procedure, optionally filtered."""
    qs = ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related(
        "procedure", "field"
    )
    if needs_review is not None:
        qs = qs.filter(needs_review=needs_review)
    for word in fold(search).split():
        qs = qs.filter(search_key__contains=word)
    return qs.order_by("procedure__code")


def time_limit_for(
    version: ProcedureVersion, channel: Channel | str, condition: str | None = None
) -> TimeLimit | None:
    """The time limit a due moment can be computed from, or None when a person must decide.

    With ``condition`` None the channel's default time limit is used; otherwise the
    alternative whose condition matches. A row without a unit, or a range, gives None.
    """
    rows = version.time_limits.filter(channel=channel)
    row = (
        rows.filter(is_default=True).first()
        if condition is None
        else rows.filter(condition=condition).first()
    )
    if row is None or not row.is_computable:
        return None
    return row


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def procedure_version_data(version: ProcedureVersion) -> dict[str, Any]:
    """The structured procedure as plain data (``motcua catalogue show CODE --json``).

    ``time_limits`` lists each distinct time limit once with the channels it applies to;
    ``channels`` repeats them per channel with that channel's fees.
    """
    channels = list(version.channels.all())
    limits = list(version.time_limits.all())
    fees = list(version.fees.all())

    def limit_data(row: TimeLimit) -> dict[str, Any]:
        return {
            "value": _number(row.value),
            "value_max": _number(row.value_max),
            "unit": row.unit or None,
            "cutoff": row.cutoff.strftime("%H:%M"),
            "condition": row.condition or None,
            "is_default": row.is_default,
            "note": row.note or None,
        }

    merged: dict[str, dict[str, Any]] = {}
    for row in limits:
        data = limit_data(row)
        key = json.dumps(data, sort_keys=True)
        merged.setdefault(key, {**data, "channels": []})["channels"].append(row.channel)

    def fee_data(row: Fee) -> dict[str, Any]:
        return {
            "channel": row.channel,
            "amount": row.amount,
            "condition": row.condition or None,
            "description": row.description,
        }

    return {
        "code": version.procedure.code,
        "name": version.name,
        "version": version.number,
        "status": version.status,
        "effective_from": version.effective_from.isoformat() if version.effective_from else None,
        "effective_to": version.effective_to.isoformat() if version.effective_to else None,
        "field": version.field.name,
        "level": version.level or None,
        "level_text": version.level_text,
        "procedure_type": version.procedure_type or None,
        "target_groups": version.target_groups,
        "target_groups_text": version.target_groups_text or None,
        "agency_text": version.agency_text,
        "competent_agencies": [a.code for a in version.competent_agencies.all()],
        "receiving_agencies": [a.code for a in version.receiving_agencies.all()],
        "coordinating_agencies": [a.code for a in version.coordinating_agencies.all()],
        "online_level": version.online_level,
        "channels": [
            {
                "channel": option.channel,
                "national_code": Channel(option.channel).national_code,
                "label": option.get_channel_display(),
                "time_limits": [limit_data(r) for r in limits if r.channel == option.channel],
                "fees": [fee_data(r) for r in fees if r.channel == option.channel],
            }
            for option in channels
        ],
        "time_limits": list(merged.values()),
        "time_limit_text": version.time_limit_text,
        "fees": [fee_data(r) for r in fees],
        "fee_text": version.fee_text,
        "fee_note": version.fee_note or None,
        "documents": [
            {
                "order": doc.order,
                "name": doc.name,
                "originals": doc.originals,
                "copies": doc.copies,
                "case": doc.case or None,
                "form": doc.form.name or doc.form_url or None,
            }
            for doc in version.documents.all()
        ],
        "documents_note": version.documents_note or None,
        "dossier_count": version.dossier_count or None,
        "conditions": version.conditions or None,
        "results": [
            {"name": r.name, "result_type_code": r.result_type_code or None}
            for r in version.results.all()
        ],
        "legal_basis": [basis.text for basis in version.legal_bases.all()],
        # QĐ 766 1.1 / 1.2: the effective date of each legal basis (same order), the decision
        # and when it was made public on the national database.
        "legal_basis_effective": [
            basis.effective_date.isoformat() if basis.effective_date else None
            for basis in version.legal_bases.all()
        ],
        "publication_decision": version.publication_decision or None,
        "publication_decision_date": (
            version.publication_decision_date.isoformat()
            if version.publication_decision_date
            else None
        ),
        "national_published_at": (
            version.national_published_at.isoformat() if version.national_published_at else None
        ),
        "steps": [
            {
                "order": step.order,
                "name": step.name,
                "role": step.role,
                "agency_kind": step.agency_kind or None,
                "agency": step.agency.code if step.agency else None,
                "share": _number(step.share),
            }
            for step in version.steps.select_related("agency")
        ],
        "needs_review": version.needs_review,
        "review_reasons": version.review_reasons,
        "source": version.source or None,
        "notes": version.notes or None,
    }
