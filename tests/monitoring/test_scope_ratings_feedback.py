"""Satisfaction (ratings) and PAKN (QĐ 766 5.1–5.3, TT01 c8) in the procedure, field and
officer scopes (docs/monitoring.md "Scopes of ratings and feedback"). Hand-computed.

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
from motcua.feedback import services as fsv
from motcua.feedback.models import Feedback, Kind
from motcua.monitoring import aggregate as agg
from motcua.monitoring import dashboard as db
from motcua.monitoring import indicators as ind
from motcua.monitoring.feedback import drill
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


# --- feedback ---------------------------------------------------------------------------------


def _submit(world: World, when: dt.datetime, **kw: Any) -> Feedback:
    kw.setdefault("agency", world.land)
    kw.setdefault("kind", Kind.REGULATION)
    return fsv.feedback_submit(
        title="Thời gian giải quyết",
        content="Chờ lâu.",
        citizen=world.citizen,
        at=when,
        **kw,
    )


def _answer(world: World, item: Feedback, when: dt.datetime, actor: Any = None) -> None:
    fsv.feedback_answer(
        feedback_id=item.uuid, actor=actor or world.specialist, answer="Đã xử lý.", at=when
    )


def _card(period: ind.Period, scope: ind.Scope) -> dict[str, ind.Indicator]:
    groups = ind.scorecard(ind.numbers(period, scope, catalogue=False))
    return {i.code: i for g in groups for i in g.indicators}


def _pakn(scope: ind.Scope) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    k = _card(MARCH, scope)
    return tuple((int(k[c].numerator), int(k[c].denominator)) for c in ("5.1", "5.2", "5.3"))  # type: ignore[return-value]


def test_feedback_per_field_and_officer(world: World, two: dict[str, Any]) -> None:
    """Five items received in March (deadline to handle: 15 working days):

    ====  ===========  =========  ==========================  ===========
    item  procedure    kind       answered                    in 5.2 / 5.3
    ====  ===========  =========  ==========================  ===========
    A     land         regulation by specialist, on time      on time, ok
    B     land         conduct    by the head, late (April)   late
    C     finance      regulation by specialist, on time      on time, ok
    D     finance      regulation not answered (open, late)   late
    E     —            regulation by specialist, on time      on time, ok
    ====  ===========  =========  ==========================  ===========

    All sent to the land office. Land field: 5.1 1/2, 5.2 1/2, 5.3 1/2. Finance field: 2/2,
    1/2, 1/2. Specialist: A, C, E → 3/3 each. Head: B → 5.1 0/1, 5.2 0/1. The province: 4/5,
    3/5, 3/5 (E in no field)."""
    a = _submit(world, at(2), procedure=world.procedure)
    b = _submit(world, at(2, 10), procedure=world.procedure, kind=Kind.CONDUCT)
    c = _submit(world, at(3), procedure=two["finance"])
    _submit(world, at(3, 10), procedure=two["finance"])
    e = _submit(world, at(4))
    _answer(world, a, at(10))
    _answer(world, b, at(10, month=4), actor=world.head)
    _answer(world, c, at(10), actor=world.specialist)
    _answer(world, e, at(11))
    land = ind.Scope(field_id=two["land_field"].pk)
    finance = ind.Scope(field_id=two["finance_field"].pk)
    assert _pakn(land) == ((1, 2), (1, 2), (1, 2))
    assert _pakn(finance) == ((2, 2), (1, 2), (1, 2))
    assert _pakn(ind.Scope(officer_id=world.specialist.pk)) == ((3, 3), (3, 3), (3, 3))
    assert _pakn(ind.Scope(officer_id=world.head.pk)) == ((0, 1), (0, 1), (0, 1))
    assert _pakn(ind.Scope()) == ((4, 5), (3, 5), (3, 5))
    # Field and agency together: every item went to the land office, none to the Sở.
    sở = ind.Scope(agency_ids=(world.partner.pk,), field_id=two["finance_field"].pk)
    assert _card(MARCH, sở)["5.2"].rate is None
    # The drill-down lists exactly the items behind each number.
    assert {f.pk for f in drill("pakn_all", MARCH, land)} == {a.pk, b.pk}
    assert {f.pk for f in drill("pakn_late", MARCH, land)} == {b.pk}
    assert {f.pk for f in drill("pakn_on_time", MARCH, finance)} == {c.pk}
    specialist = ind.Scope(officer_id=world.specialist.pk)
    assert {f.pk for f in drill("pakn_satisfied", MARCH, specialist)} == {a.pk, c.pk, e.pk}
    # TT01 criterion 8 in a field: 1 on time / 2 = 50 % < 90 % → 0; the specialist: 100 % → 2.
    assert ind.tt01(ind.numbers(MARCH, finance, catalogue=False)).criteria["c8"] == 0
    assert ind.tt01(ind.numbers(MARCH, specialist, catalogue=False)).criteria["c8"] == 2
    # Zero denominator: no item in April → N/A (not 0 %), and not "not kept".
    april = _card(APRIL, land)["5.2"]
    assert april.rate is None
    assert not april.unavailable
    # The channel scope is still not kept for feedback.
    assert _card(MARCH, ind.Scope(channel="online"))["5.3"].unavailable
    sync()
    assert agg.verify().differences == []


def test_field_of_a_procedure_is_its_version_in_force(world: World, two: dict[str, Any]) -> None:
    """A draft version in another field does not move the procedure's items; only a published
    (or retired) one does."""
    from motcua.catalogue.models import ProcedureVersion

    item = _submit(world, at(2), procedure=two["finance"], agency=world.partner)
    other = Field.objects.create(name="Xây dựng")
    latest = ProcedureVersion.objects.filter(procedure=two["finance"]).get()
    ProcedureVersion.objects.create(
        procedure=two["finance"], name="Bản nháp", field=other, number=latest.number + 1
    )
    finance = ind.Scope(field_id=two["finance_field"].pk)
    assert {f.pk for f in drill("pakn_all", MARCH, finance)} == {item.pk}
    assert drill("pakn_all", MARCH, ind.Scope(field_id=other.pk)).count() == 0  # type: ignore[union-attr]
