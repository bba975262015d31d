"""Reads of administrative units and agencies."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from motcua.agencies.models import Agency


def agencies_valid_at(day: dt.date) -> QuerySet[Agency]:
    """Agencies in force on ``day`` (open-ended validity counts as valid)."""
    return Agency.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_to__isnull=True) | Q(valid_to__gte=day),
    )


def agency_current(agency: Agency, *, max_hops: int = 20) -> Agency:
    """Follow the successor links to the agency that handles ``agency``'s work today."""
    current = agency
    for _ in range(max_hops):
        if current.successor is None:
            return current
        current = current.successor
    return current


def agency_descendants(agency: Agency) -> list[Agency]:
    """All agencies below ``agency`` in the tree (breadth-first; trees here are shallow)."""
    found: list[Agency] = []
    frontier = [agency.pk]
    while frontier:
        children = list(Agency.objects.filter(parent_id__in=frontier).order_by("code"))
        found.extend(children)
        frontier = [c.pk for c in children]
    return found
