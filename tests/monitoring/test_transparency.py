"""QĐ 766 indicators 1.1 and 1.2 (timely publication) from the catalogue, hand-computed.

The seeded calendar of 2026: Giỗ Tổ falls on Sunday 26/4 (day off moved to Monday 27/4), 30/4
(Thursday) and 1/5 (Friday) are holidays. So the 5 working days after Friday 24/4 are 28, 29/4,
4, 5, 6/5; the 5 working days before Monday 4/5 are 29, 28, 24, 23, 22/4.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from tests.dossiers.conftest import World

from motcua.audit.models import AuditEntry
from motcua.catalogue.importer import catalogue_import_file
from motcua.catalogue.models import Procedure, ProcedureVersion, VersionStatus
from motcua.catalogue.publication import decision_deadline, public_deadline
from motcua.catalogue.services import procedure_version_record_publication
from motcua.common.errors import ValidationFailed
from motcua.monitoring import indicators as ind
from motcua.monitoring import transparency as tr
from motcua.workcalendar.selectors import calendar_for

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)


def test_deadlines_count_working_days_across_holidays() -> None:
    cal = calendar_for(None)
    # Plain weeks: Monday 2/3 + 5 working days = Monday 9/3.
    assert public_deadline(cal, D(2026, 3, 2)) == D(2026, 3, 9)
    # Over 27/4, 30/4 and 1/5: Friday 24/4 + 5 = Wednesday 6/5 (calendar days would say 29/4).
    assert public_deadline(cal, D(2026, 4, 24)) == D(2026, 5, 6)
    # Latest effective date Monday 4/5 − 5 working days = Wednesday 22/4.
    assert decision_deadline(cal, [D(2025, 1, 1), D(2026, 5, 4), None]) == D(2026, 4, 22)
    assert decision_deadline(cal, [None]) is None
    assert decision_deadline(cal, []) is None


def _versions(n: int) -> list[ProcedureVersion]:
    catalogue_import_file(publish_from=D(2026, 1, 1))
    return list(
        ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("procedure")
        .order_by("procedure__code")[:n]
    )


def _record(
    v: ProcedureVersion, decision: dt.date, effective: dt.date | None, **kw: object
) -> list[str]:
    last = v.legal_bases.order_by("-order").values_list("order", flat=True).first()
    assert last is not None
    return procedure_version_record_publication(
        v,
        decision_date=decision,
        basis_effective={last: effective} if effective else None,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def three() -> list[ProcedureVersion]:
    a, b, c = _versions(3)
    # A: decided on the last allowed day (22/4 for 4/5), public exactly 5 working days later
    # (23, 24, 28, 29/4 and 4/5: over 27/4, 30/4 and 1/5); a second record corrects the first.
    assert _record(a, D(2026, 4, 22), D(2026, 5, 4), national_published_at=at(D(2026, 4, 29))) == []
    procedure_version_record_publication(a, national_published_at=at(D(2026, 5, 4), 16))
    # B: one working day late on both (23/4 for 4/5; public 7/5, deadline 5/5).
    warnings = _record(b, D(2026, 4, 23), D(2026, 5, 4), national_published_at=at(D(2026, 5, 7)))
    assert len(warnings) == 1
    assert "muộn hơn hạn 22/04/2026" in warnings[0]
    # C: decided 2/3 with no effective date (1.1 cannot judge it), never made public.
    _record(c, D(2026, 3, 2), None)
    return [a, b, c]


def _card(period: ind.Period, scope: ind.Scope | None = None) -> dict[str, ind.Indicator]:
    n = ind.numbers(period, scope or ind.Scope())
    return {i.code: i for g in ind.scorecard(n) for i in g.indicators}


def test_quarter_known_answers(three: list[ProcedureVersion]) -> None:
    card = _card(ind.Period.quarter(2026, 2))
    # 1.1: A on time, B late → 1/2 = 50 % → 3 of 6 points.
    assert (card["1.1"].numerator, card["1.1"].denominator) == (1, 2)
    assert card["1.1"].score == Decimal("3.00")
    # 1.2: A on time (exactly 5 working days), B late, C still not public past 9/3 → 1/3.
    assert (card["1.2"].numerator, card["1.2"].denominator) == (1, 3)
    assert card["1.2"].score == Decimal("1.33")
    assert card["1.1"].drill_num == "tthc_1.1_on_time"


def test_month_without_decisions_is_na_and_unjudged_decision_is_listed(
    three: list[ProcedureVersion],
) -> None:
    march = ind.Period.month(2026, 3)
    card = _card(march)
    assert card["1.1"].rate is None  # C has no effective date: not judged
    t = tr.timeliness(march, ind.Scope())
    assert t.decided_no_data == 1
    assert [r.version.pk for r in t.rows["tthc_1.1_no_data"]] == [three[2].pk]
    # 1.2 at the end of March: C is past its deadline (9/3) and not public → 0/1.
    assert (card["1.2"].numerator, card["1.2"].denominator) == (0, 1)
    # April: A and B not yet due for 1.2 at 30/4 (deadlines 4/5 and 5/5); C still late.
    april = _card(ind.Period.month(2026, 4))
    assert (april["1.2"].numerator, april["1.2"].denominator) == (0, 1)
    january = _card(ind.Period.month(2026, 1))
    assert january["1.1"].rate is None
    assert january["1.2"].rate is None
    assert january["1.1"].rate_display == "N/A"


def test_scopes(three: list[ProcedureVersion]) -> None:
    q2 = ind.Period.quarter(2026, 2)
    a = three[0]
    card = _card(q2, ind.Scope(procedure_id=a.procedure_id))
    assert (card["1.1"].numerator, card["1.1"].denominator) == (1, 1)
    assert (card["1.2"].numerator, card["1.2"].denominator) == (1, 1)
    field = _card(q2, ind.Scope(field_id=a.field_id))
    expected = sum(1 for v in three[:2] if v.field_id == a.field_id)
    assert field["1.1"].denominator == expected
    # No competent agency recorded for the imported procedures: an agency scope has none.
    assert _card(q2, ind.Scope(agency_ids=(999_999,)))["1.1"].rate is None


def test_a_second_late_version_makes_the_procedure_late() -> None:
    (a,) = _versions(1)
    _record(a, D(2026, 4, 22), D(2026, 5, 4))
    assert _card(ind.Period.quarter(2026, 2))["1.1"].numerator == 1
    procedure: Procedure = a.procedure
    from motcua.catalogue.services import procedure_version_create_draft, procedure_version_publish

    draft = procedure_version_create_draft(procedure)
    procedure_version_publish(draft, D(2026, 6, 1))
    _record(draft, D(2026, 5, 29), D(2026, 6, 1))  # 1 working day before: late
    card = _card(ind.Period.quarter(2026, 2))
    assert (card["1.1"].numerator, card["1.1"].denominator) == (0, 1)


def test_bad_input_is_refused_in_vietnamese() -> None:
    (a,) = _versions(1)
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(ValidationFailed, match=r"Ngày quyết định công bố .* ở tương lai"):
        procedure_version_record_publication(a, decision_date=tomorrow)
    with pytest.raises(ValidationFailed, match="trước ngày quyết định công bố"):
        procedure_version_record_publication(
            a, decision_date=D(2026, 3, 10), national_published_at=at(D(2026, 3, 9))
        )
    with pytest.raises(ValidationFailed, match="Chưa có ngày quyết định công bố"):
        procedure_version_record_publication(a, national_published_at=at(D(2026, 3, 9)))
    with pytest.raises(ValidationFailed, match="Không có căn cứ pháp lý thứ tự 99"):
        procedure_version_record_publication(
            a, decision_date=D(2026, 3, 10), basis_effective={99: D(2026, 4, 1)}
        )
    a.refresh_from_db()
    assert a.publication_decision_date is None  # nothing written
    before = AuditEntry.objects.filter(action="catalogue.publication_recorded").count()
    procedure_version_record_publication(a, decision_date=D(2026, 3, 10))
    assert AuditEntry.objects.filter(action="catalogue.publication_recorded").count() == before + 1


def test_drilldown_lists_the_procedures(world: World, three: list[ProcedureVersion]) -> None:
    c = Client()
    c.force_login(world.director)
    r = c.get("/giam-sat/ho-so/?chi_so=tthc_1.2&ky=2026-Q2")
    assert r.status_code == 200
    html = r.content.decode()
    for v in three:
        assert v.procedure.code in html
    assert "05/05/2026" in html  # B's deadline for 1.2
    r = c.get("/giam-sat/?ky=2026-Q2")
    assert "/giam-sat/ho-so/?chi_so=tthc_1.1_on_time" in r.content.decode()
