"""Satisfaction (ratings) in the procedure and field scopes (docs/monitoring.md "Scopes of
ratings and feedback"). Hand-computed.

World: the land procedure 1.004222 (field of the world's version, the land office) and the
finance procedure 1.000099 (field "Tài chính", the Sở). Four dossiers received in March 2026:
L1, L2 (land) and F1, F2 (finance).

Ratings (default scale 1–4: 1 = dislike, 0 points; 2 = 1 point; 3, 4 = 2 points):

====  =======  =====  =========  =========  ======
who   dossier  level  satisfied  points     officer
====  =======  =====  =========  =========  ======
r1    L1       4      yes        2          specialist
r2    L2       1      no         0          specialist
r3    F1       4      yes        2          —
r4    F2       2      yes        1          —
r5    F1       1      no         0          —
r6    —        4      yes        2          (a queue ticket, no dossier)
====  =======  =====  =========  =========  ======

→ land: 2 ratings, 1 satisfied, 2 points; finance: 3 ratings, 2 satisfied, 3 points;
province: 6, 4, 7 (r6 in no procedure or field).
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from tests.dossiers.conftest import World, _version, at
from tests.monitoring.helpers import received, sync

from motcua.catalogue.models import Field, Procedure
from motcua.monitoring import aggregate as agg
from motcua.monitoring import dashboard as db
from motcua.monitoring import indicators as ind
from motcua.monitoring.models import RatingDaily
from motcua.ratings.services import rating_record

pytestmark = pytest.mark.django_db
MARCH = ind.Period.month(2026, 3)
APRIL = ind.Period.month(2026, 4)


@pytest.fixture
def two(world: World) -> dict[str, Any]:
    finance = _version(
        Procedure.objects.create(code="1.000099", name="Cấp phép tài chính"),
        Field.objects.create(name="Tài chính"),
        world.partner,
        world.center,
        review=False,
    )
    l1 = received(world, 1, at(2, 9))
    l2 = received(world, 2, at(3, 9))
    f1 = received(world, 3, at(4, 9), procedure=finance.procedure, documents=[])
    f2 = received(world, 4, at(5, 9), procedure=finance.procedure, documents=[])
    return {
        "l1": l1,
        "l2": l2,
        "f1": f1,
        "f2": f2,
        "finance": finance.procedure,
        "finance_field": finance.field,
        "land_field": world.version.field,
    }


def _rate(two: dict[str, Any], world: World) -> None:
    s = world.specialist
    rating_record(level=4, source="portal", dossier=two["l1"], officer=s, at=at(10, 9))
    rating_record(level=1, source="portal", dossier=two["l2"], officer=s, at=at(10, 10))
    rating_record(level=4, source="portal", dossier=two["f1"], at=at(11, 9))
    rating_record(level=2, source="slip", dossier=two["f2"], at=at(11, 10))
    rating_record(level=1, source="counter_device", dossier=two["f1"], at=at(12, 9))
    rating_record(level=4, source="kiosk", agency=world.center, subject="ticket:7", at=at(12, 10))


def test_satisfaction_per_procedure_and_field(world: World, two: dict[str, Any]) -> None:
    _rate(two, world)
    sync()
    land_proc = ind.Scope(procedure_id=world.procedure.pk)
    land_field = ind.Scope(field_id=two["land_field"].pk)
    fin_proc = ind.Scope(procedure_id=two["finance"].pk)
    fin_field = ind.Scope(field_id=two["finance_field"].pk)
    assert ind.rating_sums(MARCH, land_proc) == {"ratings": 2, "satisfied": 1, "points": 2}
    assert ind.rating_sums(MARCH, land_field) == {"ratings": 2, "satisfied": 1, "points": 2}
    assert ind.rating_sums(MARCH, fin_proc) == {"ratings": 3, "satisfied": 2, "points": 3}
    assert ind.rating_sums(MARCH, fin_field) == {"ratings": 3, "satisfied": 2, "points": 3}
    assert ind.rating_sums(MARCH, ind.Scope()) == {"ratings": 6, "satisfied": 4, "points": 7}
    # Procedure and officer together: the specialist's ratings of the land procedure only.
    both = ind.Scope(procedure_id=two["finance"].pk, officer_id=world.specialist.pk)
    assert ind.rating_sums(MARCH, both) == {"ratings": 0, "satisfied": 0, "points": 0}
    # Zero denominator: no rating in April → the satisfied rate is N/A, not 0 %.
    assert ind.rating_sums(APRIL, fin_field) == {"ratings": 0, "satisfied": 0, "points": 0}
    march = db.trend(MARCH, fin_field, months=2)
    assert [m.satisfied for m in march][-1] is not None
    assert db.trend(APRIL, fin_field, months=1)[0].satisfied is None
    # The officer table in the land procedure's scope shows the specialist's 2 ratings.
    officers = {o.officer_id: o for o in db.officer_table(MARCH, land_proc)}
    assert (officers[world.specialist.pk].ratings, officers[world.specialist.pk].satisfied) == (
        2,
        db.rate(1, 2),
    )
    # A channel scope still has no ratings.
    assert ind.rating_sums(MARCH, ind.Scope(channel="online")) is None


def test_rating_rows_verified_and_a_tampered_row_found(world: World, two: dict[str, Any]) -> None:
    _rate(two, world)
    sync()
    assert agg.verify().differences == []
    keys = set(RatingDaily.objects.values_list("procedure_id", "field_id"))
    assert keys == {
        (world.procedure.pk, two["land_field"].pk),
        (two["finance"].pk, two["finance_field"].pk),
        (0, 0),
    }
    # Moving a finance rating row to the land procedure is caught, with both keys.
    row = RatingDaily.objects.get(day=dt.date(2026, 3, 11))
    RatingDaily.objects.filter(pk=row.pk).update(procedure_id=world.procedure.pk)
    differences = agg.verify().differences
    assert len(differences) == 2
    assert all("đánh giá" in line for line in differences)
    # The rebuild recomputes it; a refresh after a new rating keeps incremental = rebuild.
    agg.rebuild()
    assert agg.verify().differences == []
    rating_record(level=3, source="portal", dossier=two["f2"], at=at(13, 9))
    sync()
    assert agg.verify().differences == []
    fin = ind.Scope(field_id=two["finance_field"].pk)
    assert ind.rating_sums(MARCH, fin) == {"ratings": 4, "satisfied": 3, "points": 5}
    before = list(RatingDaily.objects.order_by("day", "procedure_id", "officer_id").values())
    agg.rebuild()
    after = list(RatingDaily.objects.order_by("day", "procedure_id", "officer_id").values())
    assert [{k: v for k, v in r.items() if k != "id"} for r in before] == [
        {k: v for k, v in r.items() if k != "id"} for r in after
    ]


def test_the_migration_splits_the_existing_rows(world: World, two: dict[str, Any]) -> None:
    """``0007_rating_procedure_field`` recomputes the old rows (day × agency × officer) per
    procedure and field, so an upgraded database verifies without a rebuild."""
    split_rows = importlib.import_module(
        "motcua.monitoring.migrations.0007_rating_procedure_field"
    ).split_rows
    _rate(two, world)
    sync()
    want = sorted(RatingDaily.objects.values_list(*KEY))
    RatingDaily.objects.all().delete()
    RatingDaily.objects.create(day=dt.date(2026, 3, 11), agency_id=world.center.pk, ratings=9)
    split_rows(django_apps, None)
    assert sorted(RatingDaily.objects.values_list(*KEY)) == want
    assert agg.verify().differences == []
    # Nothing to split on a new database (the first refresh fills the table).
    RatingDaily.objects.all().delete()
    split_rows(django_apps, None)
    assert not RatingDaily.objects.exists()


KEY = ("day", "agency_id", "officer_id", "procedure_id", "field_id", "ratings", "satisfied")
