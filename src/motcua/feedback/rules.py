"""Pure rules of feedback (PAKN) handling: deadlines and timeliness. No database access.

QĐ 766 indicator 5.2 (rules.md §4, §1.13): refusal ≤ 2 working days; first supplement request
≤ 5 working days; handled (awaiting publication or published) ≤ 15 working days; published ≤ 2
working days after approval — counted from the citizen's submission or from the latest
transfer. The numbers of days are settings (``MOTCUA_FEEDBACK_*_DAYS``): provinces differ.
The handling clock does not pause while a supplement is awaited (no rule says it does).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class Deadlines:
    refuse: int
    supplement: int
    handle: int
    publish: int


def deadlines() -> Deadlines:
    return Deadlines(
        refuse=settings.MOTCUA_FEEDBACK_REFUSE_DAYS,
        supplement=settings.MOTCUA_FEEDBACK_SUPPLEMENT_DAYS,
        handle=settings.MOTCUA_FEEDBACK_HANDLE_DAYS,
        publish=settings.MOTCUA_FEEDBACK_PUBLISH_DAYS,
    )


class Timed(Protocol):
    refuse_due: dt.datetime
    supplement_due: dt.datetime
    handle_due: dt.datetime
    publish_due: dt.datetime | None
    refused_at: dt.datetime | None
    supplement_requested_at: dt.datetime | None
    answered_at: dt.datetime | None
    approved_at: dt.datetime | None
    published_at: dt.datetime | None


def late_reasons(f: Timed, now: dt.datetime) -> list[str]:
    """Which deadlines of QĐ 766 5.2 the item missed, as of ``now`` (empty: on time).

    A refusal ends the handling: only its own deadline counts. Otherwise the first supplement
    request, the handling (answered, or still open past its due moment) and the publication
    (after approval) are each checked. A moment equal to its due moment is on time.
    """
    if f.refused_at is not None:
        return ["refuse"] if f.refused_at > f.refuse_due else []
    reasons = []
    if f.supplement_requested_at is not None and f.supplement_requested_at > f.supplement_due:
        reasons.append("supplement")
    handled = f.answered_at if f.answered_at is not None else now
    if handled > f.handle_due:
        reasons.append("handle")
    if f.approved_at is not None and f.publish_due is not None:
        published = f.published_at if f.published_at is not None else now
        if published > f.publish_due:
            reasons.append("publish")
    return reasons


def tt01_criterion_8(items: int, on_time: int, prolonged: int) -> int:
    """TT 01/2018 Đ13 criterion 8 for a unit: none, or 100 % on time and none prolonged → 2;
    ≥ 90 % on time and none prolonged → 1; otherwise 0 (rules.md §1.10)."""
    if items == 0:
        return 2
    if prolonged:
        return 0
    if on_time == items:
        return 2
    if on_time * 10 >= items * 9:
        return 1
    return 0
