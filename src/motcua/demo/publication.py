"""Sample publication facts for the demo catalogue (QĐ 766 indicators 1.1 and 1.2): the date of
each procedure's publication decision, the effective dates of its legal bases and when it was
made public on the national procedure database — some on time, some late, a few not yet public.

The source file (``catalogue/data/procedures.json``) has none of them. Each legal basis takes
effect 45 days after the date in its title ("… ngày 29/6/2021"); the newest one — the amendment
the decision answers — gets a synthetic effective date in the last two years, so the decisions
spread over recent periods. Draws are a hash of the procedure code (the same on every run and
database); only versions without a decision date are filled, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.utils import timezone

from motcua.catalogue.models import ProcedureVersion, VersionStatus
from motcua.catalogue.publication import working_days_after, working_days_before
from motcua.catalogue.services import procedure_version_record_publication
from motcua.workcalendar.selectors import calendar_for

_DATE = re.compile(r"ngày\s+(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})")


def _draws(code: str) -> list[float]:
    digest = hashlib.sha256(f"publication:{code}".encode()).digest()
    return [int.from_bytes(digest[i : i + 4], "big") / 2**32 for i in range(0, 32, 4)]


def _title_date(text: str) -> dt.date | None:
    match = _DATE.search(text)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def demo_publication_dates(today: dt.date | None = None) -> int:
    """Fill the publication facts of the published versions that have none; the number filled.

    Shares (by the draws): 75 % of decisions dated 5–30 working days before the newest basis
    takes effect (on time), 25 % 0–4 working days before or up to 10 after (late, flagged);
    made public within 1–5 working days 70 %, 6–15 working days 20 %, not yet 10 % — unless
    that moment would be in the future, then not yet public."""
    today = today or timezone.localdate()
    cal = calendar_for(None)
    zone = timezone.get_default_timezone()
    filled = 0
    versions = (
        ProcedureVersion.objects.filter(
            status=VersionStatus.PUBLISHED, publication_decision_date__isnull=True
        )
        .select_related("procedure")
        .prefetch_related("legal_bases")
        .order_by("procedure__code")
    )
    for index, version in enumerate(versions):
        u = _draws(version.procedure.code)
        newest = today - dt.timedelta(days=20 + int(u[0] * 700))
        if u[1] < 0.75:
            decision = working_days_before(cal, newest, 5 + int(u[2] * 25))
        elif u[2] < 0.5:
            decision = working_days_before(cal, newest, int(u[3] * 5))
        else:
            decision = working_days_after(cal, newest, 1 + int(u[3] * 10))
        decision = min(decision, today)
        bases = list(version.legal_bases.all())
        effective: dict[int, dt.date | None] = {}
        for basis in bases[:-1]:
            signed = _title_date(basis.text)
            effective[basis.order] = (
                min(signed + dt.timedelta(days=45), newest) if signed is not None else None
            )
        if bases:
            effective[bases[-1].order] = newest
        public: dt.datetime | None = None
        if u[4] < 0.9:
            extra = 1 + int(u[5] * 5) if u[4] < 0.7 else 6 + int(u[5] * 10)
            day = working_days_after(cal, decision, extra)
            if day <= today:
                public = dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone) + dt.timedelta(
                    minutes=int(u[6] * 420)
                )
        if not version.publication_decision:
            ProcedureVersion.objects.filter(pk=version.pk).update(
                publication_decision=f"{300 + index * 17}/QĐ-UBND"
            )
        procedure_version_record_publication(
            version,
            decision_date=decision,
            basis_effective=effective,
            national_published_at=public,
        )
        filled += 1
    return filled
