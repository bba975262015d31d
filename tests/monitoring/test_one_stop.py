"""TT 01/2018 criterion 5 (processing at the one-stop unit) from the procedures' processes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.dossiers.conftest import World

from motcua.agencies.models import AgencyKind
from motcua.catalogue.services import procedure_version_create_draft, procedure_version_publish
from motcua.monitoring import indicators as ind
from motcua.monitoring.one_stop import OneStopCounts, one_stop_counts

pytestmark = pytest.mark.django_db
MARCH = ind.Period.month(2026, 3)


def c5(scope: ind.Scope) -> Decimal | None:
    return ind.tt01(ind.numbers(MARCH, scope)).criteria["c5"]


def test_points_follow_the_processes(world: World) -> None:
    land = ind.Scope(agency_ids=(world.land.pk,))
    partner = ind.Scope(agency_ids=(world.partner.pk,))
    # Default processes: received and returned at the center, appraised at the land office.
    assert one_stop_counts(land) == OneStopCounts(procedures=2, received_returned=2, full=0)
    assert c5(land) == 1
    assert c5(partner) is None  # no procedure: N/A
    # Version 2 of 1.004222 resolved fully at the center: 1 of 2 procedures (≥ 20 %) → 2.
    draft = procedure_version_create_draft(world.procedure)
    draft.steps.update(agency_kind=AgencyKind.PROVINCIAL_SERVICE_CENTER)
    procedure_version_publish(draft, dt.date(2026, 1, 1))
    assert one_stop_counts(land) == OneStopCounts(procedures=2, received_returned=2, full=1)
    assert c5(land) == 2
    # The other procedure moves to the Sở Tài chính, which receives it itself: 0 for that unit.
    review = world.review_version.procedure
    draft = procedure_version_create_draft(review)
    draft.competent_agencies.set([world.partner])
    draft.steps.filter(order=1).update(agency_kind="")
    procedure_version_publish(draft, dt.date(2026, 1, 1))
    assert one_stop_counts(partner) == OneStopCounts(procedures=1, received_returned=0, full=0)
    assert c5(partner) == 0
    assert c5(land) == 2  # 1 of 1, resolved fully at the center
    assert c5(ind.Scope()) == 2  # the province: 1 of 2 full = 50 %


def test_below_a_fifth_full_and_one_not_at_the_center_is_zero() -> None:
    assert OneStopCounts(procedures=6, received_returned=6, full=1).criterion == 1  # 16.7 %
    assert OneStopCounts(procedures=5, received_returned=4, full=1).criterion == 2  # 20 %
    assert OneStopCounts(procedures=6, received_returned=5, full=1).criterion == 0
    assert OneStopCounts().criterion is None
