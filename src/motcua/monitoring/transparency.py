"""QĐ 766/QĐ-TTg indicators 1.1 and 1.2 — timely publication of procedures — computed from the
catalogue (not from dossiers): the publication decision's date
(``ProcedureVersion.publication_decision_date``), the effective dates of its legal bases
(``LegalBasis.effective_date``) and the moment it was made public on the national procedure
database (``ProcedureVersion.national_published_at``).

Rules (rules.md §4.2, group 1; the province's figures):

* **1.1 TTHC được công bố đúng hạn.** A procedure is on time when its publication decision is
  dated **≤ the latest effective date of its legal bases minus 5 working days**. Denominator: the
  procedures with a decision dated in the period (each procedure once; one late decision makes
  the procedure late for the period). A decision whose legal bases carry no effective date cannot
  be judged: it is left out of both numbers and listed as "thiếu dữ liệu" (our choice).
* **1.2 TTHC được cập nhật, công khai đúng hạn.** On time when made public on the national
  database **≤ 5 working days after the decision's date** (the count starts the day after the
  decision, BLDS 2015 Điều 147). Denominator: the procedures made public in the period **plus
  those still due**: decided, not made public by the end of the period and already past their
  5 working days then (late). A decision whose 5 days have not run out by the end is not counted.

Working days come from the province's working calendar (``motcua.workcalendar``, the default
schedule with holidays and swapped days). Nothing is aggregated: the catalogue holds a few
thousand versions, read in two queries per scorecard, so ``motcua metrics verify`` has nothing
to drift (the numbers are always the raw recomputation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_noop

from motcua.catalogue.models import LegalBasis, ProcedureVersion, VersionStatus
from motcua.catalogue.publication import decision_deadline, public_deadline
from motcua.workcalendar.selectors import calendar_for

if TYPE_CHECKING:
    from motcua.monitoring.indicators import Period, Scope

#: Drill-down codes (``/giam-sat/ho-so/?chi_so=…`` lists procedures for these) → label.
DRILLS: dict[str, str] = {
    "tthc_1.1": gettext_noop("TTHC có quyết định công bố trong kỳ (QĐ 766 1.1)"),
    "tthc_1.1_on_time": gettext_noop("TTHC được công bố đúng hạn (QĐ 766 1.1)"),
    "tthc_1.1_no_data": gettext_noop(
        "TTHC có quyết định công bố trong kỳ nhưng căn cứ pháp lý chưa có ngày hiệu lực"
    ),
    "tthc_1.2": gettext_noop("TTHC phải công khai trong kỳ (QĐ 766 1.2)"),
    "tthc_1.2_on_time": gettext_noop("TTHC được công khai đúng hạn (QĐ 766 1.2)"),
}


@dataclass
class Row:
    """One procedure version with a publication decision, judged for 1.1 and 1.2."""

    version: ProcedureVersion
    latest_effective: dt.date | None
    decision_deadline: dt.date | None
    public_deadline: dt.date | None
    public_day: dt.date | None

    @property
    def decision_on_time(self) -> bool | None:
        """1.1; ``None`` when it cannot be judged (no effective date)."""
        if self.decision_deadline is None:
            return None
        day = self.version.publication_decision_date
        return day is not None and day <= self.decision_deadline

    @property
    def decision_late(self) -> bool:
        """Dated after the deadline: allowed, flagged (the catalogue shows it, 1.1 counts it)."""
        return self.decision_on_time is False

    def public_on_time(self, end: dt.date) -> bool | None:
        """1.2 at the end of a period: True made public in time; False late (made public late,
        or still not public past the deadline); ``None`` not yet due."""
        if self.public_deadline is None:
            return None
        if self.public_day is not None and self.public_day <= end:
            return self.public_day <= self.public_deadline
        return False if self.public_deadline < end else None


@dataclass
class Timeliness:
    """1.1 and 1.2 over one period and scope: counts of procedures and the rows behind them."""

    decided: int = 0
    decided_on_time: int = 0
    decided_no_data: int = 0
    public_due: int = 0
    public_on_time: int = 0
    rows: dict[str, list[Row]] = field(default_factory=dict)


def rows_for(scope: Scope, until: dt.date) -> list[Row]:
    """Every published or retired version in ``scope`` with a decision dated up to ``until``
    (two queries), judged against the default working calendar."""
    qs = ProcedureVersion.objects.exclude(status=VersionStatus.DRAFT).filter(
        publication_decision_date__isnull=False, publication_decision_date__lte=until
    )
    if scope.agency_ids is not None:
        qs = qs.filter(competent_agencies__in=scope.agency_ids)
    if scope.procedure_id is not None:
        qs = qs.filter(procedure_id=scope.procedure_id)
    if scope.field_id is not None:
        qs = qs.filter(field_id=scope.field_id)
    versions = (
        qs.distinct()
        .select_related("procedure")
        .prefetch_related(
            Prefetch(
                "legal_bases", queryset=LegalBasis.objects.only("version_id", "effective_date")
            )
        )
        .order_by("procedure__code", "number")
    )
    out: list[Row] = []
    rows = list(versions)
    if not rows:
        return out
    cal = calendar_for(None)  # read (and cached) only when there is something to judge
    for v in rows:
        decision_day = v.publication_decision_date or dt.date.min  # never empty (filter)
        latest = max(
            (b.effective_date for b in v.legal_bases.all() if b.effective_date is not None),
            default=None,
        )
        out.append(
            Row(
                version=v,
                latest_effective=latest,
                decision_deadline=decision_deadline(cal, [latest]),
                public_deadline=public_deadline(cal, decision_day),
                public_day=(
                    timezone.localtime(v.national_published_at).date()
                    if v.national_published_at is not None
                    else None
                ),
            )
        )
    return out


def timeliness(period: Period, scope: Scope, rows: Sequence[Row] | None = None) -> Timeliness:
    """Indicators 1.1 and 1.2 of ``period`` in ``scope`` (``rows`` preloaded up to at least the
    period's end, e.g. for a monthly trend; else read)."""
    if rows is None:
        rows = rows_for(scope, period.end)
    end = min(period.end, timezone.localdate())
    decided: dict[int, list[Row]] = {}
    public: dict[int, list[Row]] = {}
    no_data: list[Row] = []
    for r in rows:
        day = r.version.publication_decision_date or dt.date.min  # never empty (rows_for)
        if period.start <= day <= period.end:
            if r.decision_on_time is None:
                no_data.append(r)
            else:
                decided.setdefault(r.version.procedure_id, []).append(r)
        if day > period.end:
            continue
        made_public_in = r.public_day is not None and period.start <= r.public_day <= period.end
        still_due = (r.public_day is None or r.public_day > end) and r.public_on_time(end) is False
        if made_public_in or still_due:
            public.setdefault(r.version.procedure_id, []).append(r)
    out = Timeliness()
    # One late occurrence makes the procedure late for the period (rules.md §4.2, 1.1).
    on_time_1 = [rs for rs in decided.values() if all(r.decision_on_time for r in rs)]
    on_time_2 = [
        rs
        for rs in public.values()
        if all(r.public_day is not None and r.public_on_time(r.public_day) for r in rs)
    ]
    out.decided, out.decided_on_time, out.decided_no_data = (
        len(decided),
        len(on_time_1),
        len({r.version.procedure_id for r in no_data} - set(decided)),
    )
    out.public_due, out.public_on_time = len(public), len(on_time_2)
    out.rows = {
        "tthc_1.1": [r for rs in decided.values() for r in rs],
        "tthc_1.1_on_time": [r for rs in on_time_1 for r in rs],
        "tthc_1.1_no_data": no_data,
        "tthc_1.2": [r for rs in public.values() for r in rs],
        "tthc_1.2_on_time": [r for rs in on_time_2 for r in rs],
    }
    return out


def drill_rows(code: str, period: Period, scope: Scope) -> list[Row]:
    """The procedure versions behind a 1.1 / 1.2 number (``code`` in :data:`DRILLS`)."""
    return timeliness(period, scope).rows[code]
