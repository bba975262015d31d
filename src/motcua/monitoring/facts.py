"""What one dossier contributes to the indicators, derived from its row, its control sheet
(``DossierEvent``), its components and its ratings. The one derivation used by the incremental
refresh, the rebuild and the full-scan verification, so the three can only differ in their
bookkeeping (which ``motcua metrics verify`` checks).

Rules (rules.md §4.2, §1.10):

* **QĐ 766 indicator 2.1.** Processing ends at the first of resolved, refused, stopped/closed,
  withdrawn (``Dossier.ended_at``, set once by the engine); a dossier with **more than one
  supplement request is late** whatever its dates; otherwise the engine's classification against
  the due moment (``Dossier.outcome``: after the due moment late, an earlier day early). The due
  moment already excludes the waiting time (the engine pauses the clock for a payment and counts
  the limit again after a full supplement, NĐ 118/2025 Đ19.5, Đ24), so supplement time is never
  charged to the agency. Only received dossiers (with a due moment) are classified.
* **QĐ 766 indicator 2.2.** Resolution time = working time from reception to the decision minus
  the time waiting for the applicant (supplement after appraisal, financial obligation).
* **QĐ 766 indicator 1.4.** A received dossier is *synced* when the Cổng DVCQG knows it: a
  ``NationalSync`` row (one of its events delivered to a national subscription, or submitted on
  the portal). Counted on the reception day, like the other per-dossier shares.
* **QĐ 766 indicator 4.4.** A received dossier is *linked to the citizen's store* when one of
  its components was taken from it (``DossierDocument.reuse_origin == "citizen_store"``, the
  national ``DuocLayTuKhoDMQG``) **or** its e-result link was pushed to the applicant's store on
  the Cổng DVCQG (an ``integrations.ResultStorePush`` row) — once per dossier when both. Counted
  on the reception day, like the other shares, whenever the push happened (a later push moves
  the dossier into its reception period's numerator). A component from the store is also
  *reused* (4.3): separate indicators of the national formula, each counted once per dossier;
  4.4 never counts a component reused from another source.
* **TT 01/2018/TT-VPCP Đ13** per-dossier criteria 1, 2, 3, 4, 6, 7 (2/1/0), for decided dossiers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from motcua.catalogue.models import ProcedureVersion
from motcua.dossiers import clock
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent, ReuseOrigin
from motcua.dossiers.workflow import Action
from motcua.feedback.models import Feedback
from motcua.feedback.models import Kind as FeedbackKind
from motcua.integrations.models import NationalSync, ResultStorePush
from motcua.ratings.models import Rating
from motcua.workcalendar.engine import WorkingCalendar
from motcua.workcalendar.selectors import calendar_for

A = Action

#: The action that ended processing → the kind of end (QĐ 766 2.1 terminal states).
END_KINDS: dict[str, str] = {
    A.REFUSE.value: "refused_reception",
    A.WITHDRAW.value: "withdrawn",
    A.CLOSE_UNSUPPLEMENTED.value: "closed",
    A.SIGN.value: "decided",
    A.REFUSE_AFTER_APPRAISAL.value: "decided",
}
SUPPLEMENT_ACTIONS = frozenset(
    {A.REQUEST_SUPPLEMENT.value, A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL.value}
)
#: Waiting on the applicant: (start action, end action) pairs subtracted from resolution time.
WAITS = {
    A.REQUEST_SUPPLEMENT_AFTER_APPRAISAL.value: A.SUPPLEMENT_RECEIVED.value,
    A.REQUEST_PAYMENT.value: A.RECORD_PAYMENT.value,
}
#: Published procedure components that must all be present (NĐ 63/2010 Đ8.2; QĐ 766 1.3).
COMPONENTS = ("name", "steps", "channels", "documents", "time_limits", "targets", "agencies")


@dataclass
class Fact:
    """The derived facts of one dossier (the columns of ``DossierFact``)."""

    dossier_id: int
    agency_id: int
    receiving_agency_id: int
    procedure_id: int
    field_id: int
    officer_id: int
    channel: str
    submitted_at: dt.datetime | None
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_kind: str
    outcome: str
    supplement_wait_from: dt.datetime | None
    supplements: int
    res_hours: float | None
    tt01: dict[str, int]
    flags: dict[str, bool]
    contrib: dict[str, Any] = field(default_factory=dict)

    def dims(self) -> list[Any]:
        return [self.agency_id, self.procedure_id, self.field_id, self.officer_id, self.channel]


def tt01_points(
    *,
    outcome: str,
    step_outcomes: Sequence[str],
    supplements: int,
    channel: str,
    published_complete: bool,
    complaint: bool,
) -> dict[str, int]:
    """TT 01/2018/TT-VPCP Điều 13, the criteria scored per dossier (Đ14), 2 / 1 / 0 points.

    1. total time vs the legal time: early 2, on time 1, late 0;
    2. time at each agency vs its share (the steps of the control sheet): every step early 2,
       any step late 0, else 1 (no closed step: as criterion 1);
    3. contacts to complete the dossier (supplement requests): 0 → 2, 1 → 1, more → 0;
    4. agencies contacted: online 2 (none), counter or post 1 (only the one-stop unit);
    6. publicity: the procedure is published electronically with every component 1 (posting at
       the counter is not recorded, so 2 is never given), incomplete 0;
    7. officer attitude: a complaint (a dissatisfied rating) 0; else early 2, otherwise 1.
    """
    c1 = {"early": 2, "on_time": 1}.get(outcome, 0)
    steps = [s for s in step_outcomes if s]
    if not steps:
        c2 = c1
    elif "late" in steps:
        c2 = 0
    elif all(s == "early" for s in steps):
        c2 = 2
    else:
        c2 = 1
    c3 = 2 if supplements == 0 else (1 if supplements == 1 else 0)
    c4 = 2 if channel == "online" else 1
    c6 = 1 if published_complete else 0
    c7 = 0 if complaint else (2 if outcome == "early" else 1)
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c6": c6, "c7": c7}


def _day(moment: dt.datetime | None) -> str | None:
    return clock.local_day(moment).isoformat() if moment is not None else None


def month_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(
        dt.date(day.year, day.month, 1), dt.time(), tzinfo=timezone.get_default_timezone()
    )


def next_month_start(moment: dt.datetime) -> dt.datetime:
    first = clock.local_day(moment).replace(day=1)
    return month_start(dt.date(first.year + first.month // 12, first.month % 12 + 1, 1))


def month_starts_open(fact: Fact, now: dt.datetime) -> list[dt.datetime]:
    """The first moments of the months (up to the current one) at which the dossier was being
    processed: received before, not ended before (the carried-over / in-progress snapshots)."""
    if fact.received_at is None:
        return []
    out = []
    m = next_month_start(fact.received_at)
    while m <= now and (fact.ended_at is None or fact.ended_at >= m):
        out.append(m)
        m = next_month_start(m)
    return out


def overdue_at(fact: Fact, moment: dt.datetime) -> bool:
    """Open at ``moment`` and late there (same rule as ``indicators.overdue_q``)."""
    if fact.due_at is None or fact.due_at >= moment:
        return False
    return fact.supplement_wait_from is None or fact.supplement_wait_from > fact.due_at


def contribution(
    fact: Fact, event_days: dict[str, list[str]], now: dt.datetime | None = None
) -> dict[str, Any]:
    """The counts ``fact`` adds to ``DailyFact``: ``{"k": dims, "c": {"day|counter": n}}``.
    Snapshot counters depend on ``now`` for open dossiers (refreshed when a month begins)."""
    now = now or timezone.now()
    counts: dict[str, float] = defaultdict(float)

    def add(day: str | None, counter: str, value: float = 1) -> None:
        if day is not None and value:
            counts[f"{day}|{counter}"] += value

    received = _day(fact.received_at)
    ended = _day(fact.ended_at)
    add(_day(fact.submitted_at or fact.received_at), "registered")
    add(received, "received")
    if fact.end_kind == "refused_reception":
        add(ended, "refused_reception")
    if fact.outcome:
        add(ended, f"ended_{fact.outcome}")
        add(ended, "disliked", 1 if fact.flags.get("disliked") else 0)
        if fact.end_kind == "decided":
            add(ended, f"decided_{fact.outcome}")
    if fact.end_kind == "decided" and fact.res_hours is not None:
        add(ended, "res_count")
        add(ended, "res_hours_sum", fact.res_hours)
    if fact.tt01:
        add(ended, "tt01_n")
        for key, points in fact.tt01.items():
            add(ended, f"tt01_{key}", points)
    for counter, days in event_days.items():
        for day in days:
            add(day, counter)
    for flag in (
        "digitised",
        "e_result",
        "reused",
        "fee_bearing",
        "paid_online",
        "synced",
        "store_linked",
    ):
        add(received, flag, 1 if fact.flags.get(flag) else 0)
    for start in month_starts_open(fact, now):
        add(start.date().isoformat(), "open_start")
        add(start.date().isoformat(), "overdue_start", 1 if overdue_at(fact, start) else 0)
    return {"k": fact.dims(), "c": {k: v for k, v in sorted(counts.items()) if v}}


class _Context:
    """Per-run caches: calendars per agency, published completeness per procedure version."""

    def __init__(self) -> None:
        self.calendars: dict[int, WorkingCalendar] = {}
        self.complete: dict[int, bool] = {}
        self.synced: set[int] = set()  # of the current batch (``derive``)
        self.pushed: set[int] = set()  # of the current batch: e-result in the citizen's store

    def calendar(self, dossier: Dossier) -> WorkingCalendar:
        cal = self.calendars.get(dossier.receiving_agency_id)
        if cal is None:
            cal = calendar_for(dossier.receiving_agency)
            self.calendars[dossier.receiving_agency_id] = cal
        return cal

    def load_versions(self, version_ids: Iterable[int]) -> None:
        wanted = [v for v in set(version_ids) if v not in self.complete]
        if not wanted:
            return
        for v in ProcedureVersion.objects.filter(pk__in=wanted).prefetch_related(
            "steps", "channels", "documents", "time_limits", "competent_agencies"
        ):
            self.complete[v.pk] = all(published_components(v).values())


def published_components(version: ProcedureVersion) -> dict[str, bool]:
    """Which of the components of NĐ 63/2010 Điều 8 khoản 2 the published version has."""
    return {
        "name": bool(version.name.strip()),
        "steps": bool(list(version.steps.all())),
        "channels": bool(list(version.channels.all())),
        "documents": bool(list(version.documents.all())),
        "time_limits": bool(list(version.time_limits.all())),
        "targets": bool(version.target_groups or version.target_groups_text.strip()),
        "agencies": bool(list(version.competent_agencies.all())),
    }


#: The columns ``derive`` reads (a dossier row has twenty moments more; reading them was a
#: fifth of the rebuild's time). Another attribute read would cost a query per dossier: the
#: query count of a batch is tested.
_DOSSIER_FIELDS = (
    "id",
    "status",
    "channel",
    "outcome",
    "fee_amount",
    "competent_agency_id",
    "assigned_to_id",
    "submitted_at",
    "received_at",
    "due_at",
    "ended_at",
    "supplement_requested_at",
    "procedure_version__procedure_id",
    "procedure_version__field_id",
    "receiving_agency",
)


def derive(
    dossier_ids: Sequence[int], ctx: _Context | None = None, *, every_in_range: bool = False
) -> list[Fact]:
    """The facts of the given dossiers (a batch: seven queries whatever its size).

    ``every_in_range``: the ids are every dossier from the first to the last (sorted, as the
    rebuild's and the full scan's batches are): the queries then select the id range instead of
    a list of thousands of ids, which psycopg and the planner take time to read."""
    ctx = ctx or _Context()
    if every_in_range and dossier_ids:
        span = (dossier_ids[0], dossier_ids[-1])
        mine = Q(dossier_id__gte=span[0], dossier_id__lte=span[1])
        dossier_q = Q(pk__range=span)
    else:
        mine = Q(dossier_id__in=dossier_ids)
        dossier_q = Q(pk__in=dossier_ids)
    dossiers = list(
        Dossier.objects.filter(dossier_q)
        .select_related("procedure_version", "receiving_agency")
        .only(*_DOSSIER_FIELDS)
        .order_by("pk")
    )
    events: dict[int, list[tuple[str, dt.datetime, int | None, str, str]]] = defaultdict(list)
    for row in (
        DossierEvent.objects.filter(mine)
        .order_by("dossier_id", "seq")
        .values_list("dossier_id", "action", "at", "actor_id", "to_status", "outcome")
    ):
        events[row[0]].append(row[1:])
    docs: dict[int, dict[str, bool]] = defaultdict(
        lambda: {"digitised": False, "reused": False, "store_linked": False}
    )
    for dossier_id, file, scanned_at, reused, origin in DossierDocument.objects.filter(
        mine
    ).values_list("dossier_id", "file", "scanned_at", "reused", "reuse_origin"):
        if file or scanned_at is not None:
            docs[dossier_id]["digitised"] = True
        if reused:
            docs[dossier_id]["reused"] = True
        if origin == ReuseOrigin.CITIZEN_STORE:
            docs[dossier_id]["store_linked"] = True
    disliked = set(
        Rating.objects.filter(mine, satisfied=False).values_list("dossier_id", flat=True)
    )
    # QĐ 766 5.4: "dossiers with PAKN or a dislike rating"; TT01 c7: a PAKN about an officer's
    # conduct is a complaint, like a dissatisfied rating.
    complaints = set(disliked)
    for dossier_id, kind in Feedback.objects.filter(mine).values_list("dossier_id", "kind"):
        disliked.add(dossier_id)
        if kind == FeedbackKind.CONDUCT:
            complaints.add(dossier_id)
    # QĐ 766 1.4: the Cổng DVCQG knows the dossier (a national delivery or a portal dossier).
    ctx.synced = set(NationalSync.objects.filter(mine).values_list("dossier_id", flat=True))
    # QĐ 766 4.4, second half: the e-result link pushed to the applicant's store.
    ctx.pushed = set(ResultStorePush.objects.filter(mine).values_list("dossier_id", flat=True))
    ctx.load_versions(d.procedure_version_id for d in dossiers)
    return [
        _derive_one(d, events[d.pk], docs[d.pk], d.pk in disliked, ctx, d.pk in complaints)
        for d in dossiers
    ]


def _derive_one(
    d: Dossier,
    events: list[tuple[str, dt.datetime, int | None, str, str]],
    docs: dict[str, bool],
    disliked: bool,
    ctx: _Context,
    complaint: bool | None = None,
) -> Fact:
    end_kind = ""
    if d.ended_at is not None:
        for action, _at, _actor, _to, _out in events:
            if action in END_KINDS:
                end_kind = END_KINDS[action]
                break
    supplements = sum(1 for e in events if e[0] in SUPPLEMENT_ACTIONS)
    outcome = ""
    if d.ended_at is not None and d.received_at is not None and d.due_at is not None:
        # QĐ 766 2.1: more than one supplement request counts as late.
        outcome = "late" if supplements > 1 else (d.outcome or clock.classify(d.ended_at, d.due_at))
    event_days: dict[str, list[str]] = defaultdict(list)
    returned_seen = False
    for action, at, _actor, _to, _out in events:
        day = clock.local_day(at).isoformat()
        if action in SUPPLEMENT_ACTIONS:
            event_days["supplement_requested"].append(day)
        elif action == A.WITHDRAW.value:
            event_days["withdrawn"].append(day)
        elif action in (A.STOP.value, A.CLOSE_UNSUPPLEMENTED.value):
            event_days["stopped"].append(day)
        elif action == A.REQUEST_EXTENSION.value:
            event_days["extended"].append(day)
        elif action == A.RETURN_RESULT.value and not returned_seen:
            returned_seen = True
            event_days["returned"].append(day)
    res_hours: float | None = None
    if end_kind == "decided" and d.received_at is not None and d.ended_at is not None:
        cal = ctx.calendar(d)
        total = clock.working_hours(cal, d.received_at, d.ended_at)
        waiting_from: dt.datetime | None = None
        waiting_end = ""
        for action, at, _actor, _to, _out in events:
            if at > d.ended_at:
                break
            if waiting_from is None and action in WAITS:
                waiting_from, waiting_end = at, WAITS[action]
            elif waiting_from is not None and action == waiting_end:
                total -= clock.working_hours(cal, waiting_from, at)
                waiting_from = None
        res_hours = round(float(total), 4)
    flags = {
        "digitised": docs["digitised"],
        "reused": docs["reused"],
        # QĐ 766 4.4: a component from the citizen's store or the result pushed there (once).
        "store_linked": docs["store_linked"] or d.pk in ctx.pushed,
        "store_component": docs["store_linked"],
        "result_pushed": d.pk in ctx.pushed,
        "e_result": any(e[0] == A.SIGN.value for e in events),
        "fee_bearing": bool(d.fee_amount) or any(e[0] == A.REQUEST_PAYMENT.value for e in events),
        # The payment gateway's callback is recorded by the system (actor None).
        "paid_online": any(e[0] == A.RECORD_PAYMENT.value and e[2] is None for e in events),
        "disliked": disliked,
        "synced": d.pk in ctx.synced,
    }
    tt01: dict[str, int] = {}
    if end_kind == "decided" and outcome:
        tt01 = tt01_points(
            outcome=outcome,
            step_outcomes=[e[4] for e in events],
            supplements=supplements,
            channel=d.channel,
            published_complete=ctx.complete.get(d.procedure_version_id, False),
            complaint=disliked if complaint is None else complaint,
        )
    waiting = d.supplement_requested_at if d.status in _WAITING_SUPPLEMENT else None
    fact = Fact(
        dossier_id=d.pk,
        agency_id=d.competent_agency_id,
        receiving_agency_id=d.receiving_agency_id,
        procedure_id=d.procedure_version.procedure_id,
        field_id=d.procedure_version.field_id or 0,
        officer_id=d.assigned_to_id or 0,
        channel=d.channel,
        submitted_at=d.submitted_at,
        received_at=d.received_at,
        due_at=d.due_at,
        ended_at=d.ended_at,
        end_kind=end_kind,
        outcome=outcome,
        supplement_wait_from=waiting,
        supplements=supplements,
        res_hours=res_hours,
        tt01=tt01,
        flags=flags,
    )
    fact.contrib = contribution(fact, event_days)
    return fact


_WAITING_SUPPLEMENT = frozenset({"supplement_requested", "supplement_requested_at_reception"})


def open_filter(moment: dt.datetime, prefix: str = "") -> Q:
    """Dossiers being processed at ``moment``: received before it, not ended before it."""
    return Q(**{f"{prefix}received_at__lt": moment}) & (
        Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gte": moment})
    )
