"""Reads of the audit log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q, QuerySet

from motcua.audit.models import AuditEntry
from motcua.audit.services import READ_ACTION


def audit_entries_for(object_type: str, object_id: str) -> QuerySet[AuditEntry]:
    """Every entry about one object, oldest first (index ``audit_entry_object_at``)."""
    return AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
        "at", "id"
    )


def audit_entries_by_actor(actor_id: int, *, since: datetime | None = None) -> QuerySet[AuditEntry]:
    """Everything one person did or read, newest first (index ``audit_entry_actor_at``)."""
    entries = AuditEntry.objects.filter(actor_id=actor_id)
    if since is not None:
        entries = entries.filter(at__gte=since)
    return entries.order_by("-at", "-id")


def audit_reads_of_subject(
    objects: Iterable[tuple[str, str]], *, since: datetime | None = None
) -> QuerySet[AuditEntry]:
    """Who viewed the personal data of a person: reads of the given objects, newest first.

    ``objects`` are the person's ``(object_type, object_id)`` pairs, e.g. their dossiers and
    their account, as chosen by the caller (which knows whose they are). Feeds the data
    subject's right to know about processing (rules.md §7, Luật 91/2025 Điều 4).
    """
    by_type: dict[str, set[str]] = defaultdict(set)
    for object_type, object_id in objects:
        by_type[object_type].add(str(object_id))
    if not by_type:
        return AuditEntry.objects.none()
    match = Q()
    for object_type, ids in by_type.items():
        match |= Q(object_type=object_type, object_id__in=sorted(ids))
    entries = AuditEntry.objects.filter(match, action=READ_ACTION)
    if since is not None:
        entries = entries.filter(at__gte=since)
    return entries.order_by("-at", "-id")
