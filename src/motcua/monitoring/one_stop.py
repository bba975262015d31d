"""TT 01/2018/TT-VPCP Điều 13, criterion 5 — processing at the one-stop unit (Bộ phận Một cửa) —
from the catalogue's electronic process of each procedure (rules.md §1.10, TT01 criteria table):

* **2 points**: the unit resolves **fully** at the one-stop unit (every step of the process at a
  one-stop unit: ``ProcessStep.agency_kind`` or ``agency.kind`` in ``ONE_STOP_KINDS``) at least
  20 % of its procedures;
* **1 point**: **every** procedure is received and returned at the one-stop unit (the first and
  the last step of its process there);
* **0 points**: otherwise (a procedure received or returned elsewhere);
* N/A: no published procedure in the scope.

"Its procedures" are the published versions in force where an agency of the scope is competent
(like QĐ 766 3.1). The process is the one every dossier of the version follows (the engine routes
reception and return through those steps), so it is the data the system holds about where the
procedure is handled; a dossier received outside the process is not looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Prefetch

from motcua.agencies.models import ONE_STOP_KINDS
from motcua.catalogue.models import ProcedureVersion, ProcessStep, VersionStatus

if TYPE_CHECKING:
    from motcua.monitoring.indicators import Scope

#: The share of procedures resolved fully at the one-stop unit for 2 points (TT 01 Đ13, c5).
FULL_SHARE = Decimal("0.2")


@dataclass
class OneStopCounts:
    procedures: int = 0
    received_returned: int = 0
    full: int = 0

    @property
    def criterion(self) -> Decimal | None:
        """TT 01/2018 criterion 5 points (2 / 1 / 0), ``None`` without procedures."""
        if not self.procedures:
            return None
        if Decimal(self.full) / Decimal(self.procedures) >= FULL_SHARE:
            return Decimal(2)
        if self.received_returned == self.procedures:
            return Decimal(1)
        return Decimal(0)


def one_stop_counts(scope: Scope) -> OneStopCounts:
    """Published versions of the scope: how many are received and returned at a one-stop unit,
    how many are resolved there fully (two queries)."""
    qs = ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED)
    if scope.agency_ids is not None:
        qs = qs.filter(competent_agencies__in=scope.agency_ids)
    if scope.procedure_id is not None:
        qs = qs.filter(procedure_id=scope.procedure_id)
    if scope.field_id is not None:
        qs = qs.filter(field_id=scope.field_id)
    steps = ProcessStep.objects.select_related("agency").order_by("order")
    out = OneStopCounts()
    for version in qs.distinct().only("pk").prefetch_related(Prefetch("steps", queryset=steps)):
        at_one_stop = [
            s.agency_kind in ONE_STOP_KINDS
            or (s.agency is not None and s.agency.kind in ONE_STOP_KINDS)
            for s in version.steps.all()
        ]
        out.procedures += 1
        if at_one_stop and at_one_stop[0] and at_one_stop[-1]:
            out.received_returned += 1
        if at_one_stop and all(at_one_stop):
            out.full += 1
    return out
