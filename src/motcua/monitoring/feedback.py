"""Feedback (PAKN) indicators: QĐ 766 5.1, 5.2, 5.3 and TT 01/2018 criterion 8 (rules.md §4,
§1.10), read straight from ``feedback.Feedback``.

No separate aggregate table: each item's due moments are computed once, by the service that
starts the counting (``feedback.services.set_deadlines``), and stored on the row, so whether an
item is late is a comparison of its own columns (``late_q``). A period is one indexed range
count (``feedback_agency_at`` / ``feedback_at``) over a table a few % the size of the dossiers',
whatever the history; all the numbers come from one aggregate query.

* period basis: the items **first received** (``submitted_at``) in the period — a transfer does
  not make an item new;
* 5.1 (monitored): items about regulations or policies / all items (the rest are about officers'
  conduct);
* 5.2: items not late / all items, where late means a missed deadline of ``feedback.rules``
  (refusal, first supplement request, handling, publication after approval), an open one
  judged at the moment of reading;
* 5.3: items with none of: more dislikes than likes, late, re-raised as unsatisfied / all items;
* TT01 c8: ``feedback.rules.tt01_criterion_8`` on the same on-time count (no extension of a
  feedback item exists in the model, so none is prolonged).

The PAKN part of 5.4 is in ``facts.derive`` (a dossier with feedback counts like a dossier
rated "dislike"). :func:`verify` is the raw recomputation: it recomputes every item's due
moments on the calendar and its lateness in Python (``feedback.rules``) and compares.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_noop

from motcua.catalogue.models import Procedure, ProcedureVersion, VersionStatus
from motcua.feedback.models import Feedback, Kind
from motcua.feedback.rules import late_reasons, tt01_criterion_8

__all__ = ["late_reasons"]

if TYPE_CHECKING:
    from motcua.monitoring.indicators import Period, Scope


def late_q(now: dt.datetime) -> Q:
    """The SQL twin of ``feedback.rules.late_reasons`` (non-empty), as of ``now``."""
    refused = Q(refused_at__isnull=False)
    return (refused & Q(refused_at__gt=F("refuse_due"))) | (
        ~refused
        & (
            Q(supplement_requested_at__gt=F("supplement_due"))
            | Q(answered_at__gt=F("handle_due"))
            | Q(answered_at__isnull=True, handle_due__lt=now)
            | Q(approved_at__isnull=False, published_at__gt=F("publish_due"))
            | Q(approved_at__isnull=False, published_at__isnull=True, publish_due__lt=now)
        )
    )


def unsatisfied_q(now: dt.datetime) -> Q:
    """QĐ 766 5.3: rated dissatisfied (dislikes > likes), late, or re-raised."""
    return Q(dislikes__gt=F("likes")) | late_q(now) | Q(reraised_at__isnull=False)


def procedures_in_field(field_id: int) -> QuerySet[Procedure]:
    """The procedures whose field is ``field_id``: the field of the procedure's latest
    published or retired version (the one in force, or the last one if none is)."""
    field_of = (
        ProcedureVersion.objects.filter(procedure_id=OuterRef("pk"))
        .exclude(status=VersionStatus.DRAFT)
        .order_by("-number")
        .values("field_id")[:1]
    )
    return Procedure.objects.annotate(x_field=Subquery(field_of)).filter(x_field=field_id)


def in_scope(scope: Scope) -> QuerySet[Feedback] | None:
    """The items of a scope: by agency; by procedure and field when the item names a procedure
    (its field is the procedure's, :func:`procedures_in_field`; an item without a procedure is
    in no procedure's or field's numbers); by officer, the one who answered it
    (``answered_by``: an item not answered yet, or refused, is in no officer's numbers).
    ``None`` in a channel scope: a feedback item has no submission channel of a dossier, so the
    PAKN indicators are N/A there."""
    if scope.channel:
        return None
    qs = Feedback.objects.all()
    if scope.agency_ids is not None:
        qs = qs.filter(agency_id__in=scope.agency_ids)
    if scope.procedure_id is not None:
        qs = qs.filter(procedure_id=scope.procedure_id)
    if scope.field_id is not None:
        qs = qs.filter(procedure_id__in=procedures_in_field(scope.field_id).values("pk"))
    if scope.officer_id is not None:
        qs = qs.filter(answered_by_id=scope.officer_id)
    return qs


def received_in(period: Period) -> Q:
    start, end = period.bounds()
    return Q(submitted_at__gte=start, submitted_at__lt=end)


@dataclass(frozen=True)
class FeedbackCounts:
    total: int = 0
    regulation: int = 0
    conduct: int = 0
    on_time: int = 0
    satisfied: int = 0
    prolonged: int = 0

    @property
    def criterion_8(self) -> int:
        return tt01_criterion_8(self.total, self.on_time, self.prolonged)


def counts(period: Period, scope: Scope, now: dt.datetime | None = None) -> FeedbackCounts | None:
    qs = in_scope(scope)
    if qs is None:
        return None
    now = now or timezone.now()
    row = qs.filter(received_in(period)).aggregate(
        total=Count("pk"),
        regulation=Count("pk", filter=Q(kind=Kind.REGULATION)),
        conduct=Count("pk", filter=Q(kind=Kind.CONDUCT)),
        late=Count("pk", filter=late_q(now)),
        unsatisfied=Count("pk", filter=unsatisfied_q(now)),
    )
    return FeedbackCounts(
        total=row["total"],
        regulation=row["regulation"],
        conduct=row["conduct"],
        on_time=row["total"] - row["late"],
        satisfied=row["total"] - row["unsatisfied"],
    )


#: Drill-down codes (``/giam-sat/ho-so/?chi_so=pakn_…``) and their labels.
DRILL_LABELS: dict[str, str] = {
    "pakn_all": gettext_noop("Phản ánh, kiến nghị tiếp nhận trong kỳ"),
    "pakn_regulation": gettext_noop("PAKN về quy định hành chính, chính sách"),
    "pakn_conduct": gettext_noop("PAKN về hành vi hành chính, thái độ của cán bộ"),
    "pakn_on_time": gettext_noop("PAKN xử lý đúng hạn"),
    "pakn_late": gettext_noop("PAKN xử lý quá hạn"),
    "pakn_satisfied": gettext_noop("PAKN được hài lòng (QĐ 766 5.3)"),
    "pakn_unsatisfied": gettext_noop("PAKN không hài lòng, quá hạn hoặc bị phản ánh lại"),
}


def drill(
    code: str, period: Period, scope: Scope, now: dt.datetime | None = None
) -> QuerySet[Feedback] | None:
    """The items behind a PAKN number; ``None`` for an unknown code or a scope without PAKN."""
    qs = in_scope(scope)
    if qs is None or code not in DRILL_LABELS:
        return None
    now = now or timezone.now()
    filters = {
        "pakn_all": Q(),
        "pakn_regulation": Q(kind=Kind.REGULATION),
        "pakn_conduct": Q(kind=Kind.CONDUCT),
        "pakn_on_time": ~late_q(now),
        "pakn_late": late_q(now),
        "pakn_satisfied": ~unsatisfied_q(now),
        "pakn_unsatisfied": unsatisfied_q(now),
    }
    return (
        qs.filter(received_in(period))
        .filter(filters[code])
        .select_related("agency")
        .order_by("-submitted_at")
    )


def verify(now: dt.datetime | None = None, limit: int = 50) -> tuple[int, list[str]]:
    """The raw recomputation: each item's due moments from its counting start on the calendar,
    its lateness in Python, compared with the stored moments and the SQL count. Returns the
    number of items and the differences (Vietnamese)."""
    from motcua.feedback.rules import deadlines
    from motcua.feedback.services import _days_after

    now = now or timezone.now()
    d = deadlines()
    differences: list[str] = []
    n = late = 0
    for item in Feedback.objects.select_related("agency").order_by("pk").iterator(2000):
        n += 1
        want = {
            "refuse_due": _days_after(item.agency, item.start_at, d.refuse),
            "supplement_due": _days_after(item.agency, item.start_at, d.supplement),
            "handle_due": _days_after(item.agency, item.start_at, d.handle),
            "publish_due": _days_after(item.agency, item.approved_at, d.publish)
            if item.approved_at is not None
            else None,
        }
        for name, value in want.items():
            if getattr(item, name) != value:
                differences.append(
                    f"PAKN {item.code}: {name} lưu {getattr(item, name)} ≠ tính lại {value}"
                )
        if late_reasons(item, now):
            late += 1
    sql_late = Feedback.objects.filter(late_q(now)).count()
    if sql_late != late:
        differences.append(f"PAKN quá hạn: truy vấn {sql_late} ≠ tính lại {late}")
    if len(differences) > limit:
        extra = len(differences) - limit
        differences = [*differences[:limit], f"… và {extra} khác biệt nữa"]
    return n, differences
