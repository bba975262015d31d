"""The scheduler's sweeps: find the due work with indexed queries and hand each dossier to the
core service that owns the change. Nothing here writes a dossier itself.

* **Auto-close** (NĐ 118/2025/NĐ-CP Điều 19 khoản 5): a supplement request unanswered for
  15 days closes the dossier through ``services.dossier_close_unsupplemented`` (actor: the
  system). The candidates come from the partial index ``dossiers_awaiting_supplement``
  (``supplement_requested_at`` where the status waits on a supplement), oldest first, at most
  ``batch`` per run.
* **Online clocks** (Điều 17 khoản 2): the 2-hour alert and the 8-working-hour acceptance check
  of online dossiers, through ``services.dossier_check_online_clocks`` — the core's service scans
  every candidate itself (it takes no batch size); each breach is recorded once.
* **Coming due / overdue** (QĐ 766/QĐ-TTg indicator 2.1): the core stores no flag — a dossier is
  overdue when its clock runs and ``due_at`` has passed, which the selectors
  ``dossier_list_overdue`` / ``dossier_list_coming_due`` answer from the partial index
  ``dossiers_open_due``. This sweep records nothing; it counts them for the operator's report.

Every sweep takes ``at`` (default: now), is idempotent (a second run at the same moment finds
nothing left to do) and is bounded per run.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone

from motcua.dossiers import clock
from motcua.dossiers.errors import DossierNotFound
from motcua.dossiers.models import RUNNING_STATUSES, Dossier
from motcua.dossiers.services import (
    dossier_check_online_clocks,
    dossier_close_unsupplemented,
)
from motcua.dossiers.workflow import (
    CLOSE_UNSUPPLEMENTED_AFTER_DAYS,
    DossierStatus,
    TransitionNotAllowed,
)

#: Dossiers handled per sweep run (the next run takes the rest).
DEFAULT_BATCH = 500
#: "Coming due" horizon of the operator's report.
COMING_DUE_WITHIN = dt.timedelta(days=2)

AWAITING_SUPPLEMENT = (
    DossierStatus.SUPPLEMENT_REQUESTED.value,
    DossierStatus.SUPPLEMENT_REQUESTED_AT_RECEPTION.value,
)


@dataclass
class SweepResult:
    """What one sweep did: ``found`` candidates, ``done`` changes, ``skipped`` candidates the
    rules refused (changed meanwhile), ``more`` when the batch was full (run again)."""

    name: str
    found: int = 0
    done: int = 0
    skipped: int = 0
    more: bool = False
    details: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _moment(at: dt.datetime | None) -> dt.datetime:
    moment = timezone.now() if at is None else at
    if timezone.is_naive(moment):
        raise ValueError("sweep moments must be timezone-aware")
    return moment


def close_horizon(at: dt.datetime) -> dt.datetime:
    """Requests made before this moment are at least 15 days old at ``at``.

    The rule counts whole local days (``services._facts``: local day of ``at`` minus local day of
    the request ≥ 15), so the horizon is the local midnight starting the day 14 days before
    ``at``'s day: a request on 1 March closes on 16 March, not 15 March.
    """
    day = clock.local_day(at) - dt.timedelta(days=CLOSE_UNSUPPLEMENTED_AFTER_DAYS - 1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def sweep_close_unsupplemented(
    *, at: dt.datetime | None = None, batch: int = DEFAULT_BATCH
) -> SweepResult:
    """Close dossiers whose supplement request went unanswered for 15 days (Điều 19 khoản 5)."""
    started = time.monotonic()
    moment = _moment(at)
    result = SweepResult("close_unsupplemented")
    pks = list(
        Dossier.objects.filter(
            status__in=AWAITING_SUPPLEMENT, supplement_requested_at__lt=close_horizon(moment)
        )
        .order_by("supplement_requested_at", "pk")
        .values_list("pk", flat=True)[: batch + 1]
    )
    result.more = len(pks) > batch
    pks = pks[:batch]
    result.found = len(pks)
    for pk in pks:
        try:
            dossier_close_unsupplemented(actor=None, dossier=pk, at=moment)
        except (TransitionNotAllowed, DossierNotFound):
            result.skipped += 1  # answered or closed by someone else since the query
            continue
        result.done += 1
    result.seconds = time.monotonic() - started
    return result


def sweep_online_clocks(*, at: dt.datetime | None = None) -> SweepResult:
    """Alert officers of new online dossiers and record 2-hour / 8-working-hour breaches once
    (Điều 17 khoản 2), through the core's ``dossier_check_online_clocks``."""
    started = time.monotonic()
    report = dossier_check_online_clocks(at=_moment(at))
    result = SweepResult(
        "online_clocks",
        found=report.alerted + report.decision_breaches,
        done=report.alerted + report.decision_breaches,
        details={
            "alerted": report.alerted,
            "alert_breaches": report.alert_breaches,
            "decision_breaches": report.decision_breaches,
        },
    )
    result.seconds = time.monotonic() - started
    return result


def sweep_due_marks(
    *, at: dt.datetime | None = None, within: dt.timedelta = COMING_DUE_WITHIN
) -> SweepResult:
    """Count running dossiers overdue and coming due (index ``dossiers_open_due``). Records
    nothing: "overdue" is not stored, the selectors compute it at read time."""
    started = time.monotonic()
    moment = _moment(at)
    running = Dossier.objects.filter(status__in=RUNNING_STATUSES)
    overdue = running.filter(due_at__lt=moment).count()
    coming = running.filter(due_at__gte=moment, due_at__lt=moment + within).count()
    result = SweepResult(
        "due_marks", found=overdue + coming, details={"overdue": overdue, "coming_due": coming}
    )
    result.seconds = time.monotonic() - started
    return result


def run_sweeps(*, at: dt.datetime | None = None, batch: int = DEFAULT_BATCH) -> list[SweepResult]:
    """Every sweep once, in order (online checks first: they are the tightest deadlines)."""
    moment = _moment(at)
    return [
        sweep_online_clocks(at=moment),
        sweep_close_unsupplemented(at=moment, batch=batch),
        sweep_due_marks(at=moment),
    ]


def results_as_data(results: list[SweepResult]) -> dict[str, Any]:
    return {r.name: asdict(r) for r in results}
