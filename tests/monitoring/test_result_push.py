"""QĐ 766 indicator 4.4, second half — dossiers whose e-result link was pushed to the citizen's
store on the Cổng DVCQG (``integrations.ResultStorePush``) — counted with the first half (a
component taken from the store), once per dossier, by reception period, in every scope, kept by
the incremental refresh and recomputed by ``verify``. Hand-computed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from tests.api.results import resolved_with_signed_result, use_test_certificate
from tests.dossiers.conftest import World, _version, at
from tests.monitoring.helpers import received, sync, to_appraisal

from motcua.catalogue.models import Field, Procedure
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import DocumentInput
from motcua.integrations.fake_national import FakeNationalPortal
from motcua.integrations.models import ResultStorePush, Subscription
from motcua.integrations.services import result_store_push_record, run_outbox
from motcua.integrations.simulation import simulate_result_push
from motcua.monitoring import aggregate as agg
from motcua.monitoring import indicators as ind
from motcua.workspace.services import HandoverInput, result_return

pytestmark = pytest.mark.django_db
MARCH = ind.Period.month(2026, 3)
APRIL = ind.Period.month(2026, 4)
FROM_STORE = [
    DocumentInput(
        name="Giấy khai sinh",
        reused=True,
        reuse_source="Kho dữ liệu trên Cổng DVCQG",
        reuse_origin="citizen_store",
    )
]


def _card(period: ind.Period, scope: ind.Scope | None = None) -> ind.Indicator:
    n = ind.numbers(period, scope or ind.Scope(), catalogue=False)
    return next(i for g in ind.scorecard(n) for i in g.indicators if i.code == "4.4")


def _rate(period: ind.Period, scope: ind.Scope | None = None) -> tuple[int, int]:
    card = _card(period, scope)
    return int(card.numerator), int(card.denominator)


def _drill(code: str, scope: ind.Scope | None = None) -> set[int]:
    return {f.dossier_id for f in ind.drill(code, MARCH, scope or ind.Scope())}


def _push(d: Dossier, when: dt.datetime) -> None:
    result_store_push_record(dossier_id=d.pk, at=when)


@pytest.fixture
def two(world: World) -> dict[str, Dossier]:
    """Five dossiers received in March 2026 (hand-computed 4.4 in every scope):

    ====  ==========================  =========  ==========  ==========  =============
    name  procedure (field, agency)   officer    component   pushed      4.4
    ====  ==========================  =========  ==========  ==========  =============
    d1    1.004222 (Đất đai, land)    specialist from store  yes         1 (once)
    d2    1.004222 (Đất đai, land)    —          —           yes         1
    d3    1.004222 (Đất đai, land)    —          —           —           0
    d4    1.000099 (Tài chính, Sở)    —          —           yes         1
    d5    1.000099 (Tài chính, Sở)    —          from store  —           1
    ====  ==========================  =========  ==========  ==========  =============
    """
    finance = _version(
        Procedure.objects.create(code="1.000099", name="Cấp phép tài chính"),
        Field.objects.create(name="Tài chính"),
        world.partner,
        world.center,
        review=False,
    )
    d1 = to_appraisal(world, received(world, 1, at(2, 9), documents=FROM_STORE), at(2, 10))
    d2 = received(world, 2, at(3, 9))
    d3 = received(world, 3, at(4, 9))
    other = {"procedure": finance.procedure, "documents": []}
    d4 = received(world, 4, at(5, 9), **other)
    d5 = received(world, 5, at(6, 9), procedure=finance.procedure, documents=FROM_STORE)
    return {"d1": d1, "d2": d2, "d3": d3, "d4": d4, "d5": d5, "field": finance.field}  # type: ignore[dict-item]


def test_a_push_after_the_refresh_is_picked_up_and_counted_once(
    world: World, two: dict[str, Any]
) -> None:
    d1, d2, d4, d5 = two["d1"], two["d2"], two["d4"], two["d5"]
    sync()
    # Before any push: only the components from the store (d1, d5) — 2 / 5.
    assert _rate(MARCH) == (2, 5)
    idle = agg.refresh()  # nothing new: nothing done
    assert idle.dossiers == 0
    # The results are pushed in April, after March was refreshed, without any dossier event.
    _push(d1, at(8, 10, month=4))
    _push(d2, at(9, 10, month=4))
    _push(d4, at(10, 10, month=4))
    # The raw recomputation already sees them; the aggregate not yet: verify says so.
    differences = agg.verify().differences
    assert differences
    assert all("store_linked" in line for line in differences)
    # The refresh picks them up through the push watermark alone (no new event).
    result = agg.refresh()
    assert result.dossiers > 0
    assert result.events_to == idle.events_to
    assert result.pushes_to == max(ResultStorePush.objects.values_list("pk", flat=True))
    # d1 (component and push) once, d2 and d4 pushed, d5 component: 4 / 5 → 4 × 0.8 = 3.20.
    card = _card(MARCH)
    assert (card.numerator, card.denominator) == (4, 5)
    assert card.score == Decimal("3.20")
    assert agg.verify().differences == []
    assert _drill("store_linked") == {d1.pk, d2.pk, d4.pk, d5.pk}
    assert _drill("result_pushed") == {d1.pk, d2.pk, d4.pk}
    # Counted in the reception period, not in the month of the push.
    assert _card(APRIL).rate is None
    # Nothing left to refresh; a second record of the same push changes nothing; the rebuild
    # gives the same numbers.
    assert agg.refresh().dossiers == 0
    _push(d1, at(11, 10, month=4))
    assert ResultStorePush.objects.get(dossier=d1).pushed_at == at(8, 10, month=4)
    assert agg.refresh().dossiers == 0
    agg.rebuild()
    assert _rate(MARCH) == (4, 5)
    assert agg.verify().differences == []


def test_every_scope_of_the_indicator(world: World, two: dict[str, Any]) -> None:
    for name in ("d1", "d2", "d4"):
        _push(two[name], at(20, 10))
    sync()
    land = ind.Scope(agency_ids=(world.land.pk,))
    finance = ind.Scope(agency_ids=(world.partner.pk,))
    assert _rate(MARCH) == (4, 5)
    assert _rate(MARCH, land) == (2, 3)  # d1, d2 of d1–d3
    assert _rate(MARCH, finance) == (2, 2)  # d4 pushed, d5 from the store
    assert _rate(MARCH, ind.Scope(procedure_id=world.procedure.pk)) == (2, 3)
    assert _rate(MARCH, ind.Scope(field_id=two["field"].pk)) == (2, 2)
    assert _rate(MARCH, ind.Scope(officer_id=world.specialist.pk)) == (1, 1)  # d1
    assert _drill("store_linked", finance) == {two["d4"].pk, two["d5"].pk}
    assert _drill("result_pushed", land) == {two["d1"].pk, two["d2"].pk}
    # A custom range that covers only the edge days (DailyFact) agrees with the month.
    assert _rate(ind.Period.range(dt.date(2026, 3, 3), dt.date(2026, 3, 5))) == (2, 3)


def test_drilldown_page_says_which_half_and_keeps_the_scope(
    world: World, two: dict[str, Any]
) -> None:
    _push(two["d2"], at(20, 10))
    _push(two["d4"], at(20, 10))
    sync()
    director = Client()
    director.force_login(world.director)
    html = director.get("/giam-sat/ho-so/?chi_so=store_linked&ky=2026-03").content.decode()
    assert "<strong>4</strong> hồ sơ" in html  # d1, d2, d4, d5
    assert html.count("Kết quả đã đẩy vào kho") == 2
    assert html.count("Giấy tờ lấy từ kho") == 2
    assert "chi_so=result_pushed" in html
    html = director.get("/giam-sat/ho-so/?chi_so=result_pushed&ky=2026-03").content.decode()
    assert "<strong>2</strong> hồ sơ" in html
    # The land office's head sees only the land office's dossiers, and not the other agency.
    head = Client()
    head.force_login(world.head)
    html = head.get(
        f"/giam-sat/ho-so/?chi_so=store_linked&ky=2026-03&co_quan={world.land.pk}"
    ).content.decode()
    assert "<strong>2</strong> hồ sơ" in html  # d1 (component), d2 (pushed)
    assert two["d4"].code not in html
    url = f"/giam-sat/ho-so/?chi_so=result_pushed&ky=2026-03&co_quan={world.partner.pk}"
    assert head.get(url).status_code == 404


@pytest.fixture
def portal() -> Iterator[FakeNationalPortal]:
    server = FakeNationalPortal(secret="khoa").start()
    yield server
    server.stop()


def test_through_the_outbox(
    world: World, portal: FakeNationalPortal, settings: Any, tmp_path: Path
) -> None:
    """End to end: signed, returned, pushed by the outbox to the stand-in portal, counted."""
    use_test_certificate(settings, tmp_path)
    Subscription.objects.create(
        name="Kho", kind="national_store", url=portal.store_url, secret="khoa"
    )
    d, _ = resolved_with_signed_result(world)
    received(world, 2, at(2, 9))  # received, never decided: not linked
    sync()
    assert _rate(MARCH) == (0, 2)
    result_return(
        actor=world.reception,
        code=d.code,
        data=HandoverInput(method="online"),
        expected_version=None,
        at=at(4, 9),
    )
    sync()
    assert _rate(MARCH) == (0, 2)  # returned, not pushed yet
    run_outbox(now=at(4, 9, 5))
    sync()
    assert _rate(MARCH) == (1, 2)
    assert _drill("result_pushed") == {d.pk}
    assert agg.verify().differences == []


def test_simulated_pushes_are_a_share_of_the_eligible_returns(world: World) -> None:
    from tests.monitoring.helpers import resolved

    returned = [resolved(world, n, at(2, 9), at(3, 15), returned=True) for n in range(1, 9)]
    resolved(world, 9, at(2, 9), at(3, 15))  # decided, not returned: not eligible
    received(world, 10, at(2, 9))  # not decided
    # The dossier's UUID decides (bits 0–31 below the share): make two of them certain.
    Dossier.objects.filter(pk=returned[0].pk).update(uuid=_uuid(low=0))
    Dossier.objects.filter(pk=returned[1].pk).update(uuid=_uuid(low=0xFFFFFFFF))
    written = simulate_result_push()
    rows = set(ResultStorePush.objects.values_list("dossier_id", flat=True))
    assert returned[0].pk in rows
    assert returned[1].pk not in rows
    assert rows <= {d.pk for d in returned}
    assert written == len(rows)
    assert simulate_result_push() == 0  # idempotent
    assert simulate_result_push(share=1.0) == 8 - written
    row = ResultStorePush.objects.get(dossier=returned[0])
    returned_at = Dossier.objects.get(pk=returned[0].pk).returned_at
    assert row.via == "simulated"
    assert returned_at is not None
    assert dt.timedelta(minutes=1) <= row.pushed_at - returned_at <= dt.timedelta(minutes=60)
    sync()
    assert _rate(MARCH) == (8, 10)
    assert agg.verify().differences == []


def _uuid(*, low: int) -> Any:
    import uuid

    return uuid.UUID(int=(uuid.uuid4().int & ~0xFFFFFFFF) | low)


@pytest.mark.django_db(False)
def test_the_simulation_draws_are_uniform_and_avoid_the_fixed_uuid_bits() -> None:
    """Each simulated pass draws its share from bits of the dossier's UUID of its own; a
    version-4 UUID fixes six bits (version, variant), which must not be drawn from."""
    import random
    import uuid

    from motcua.integrations.simulation import draw

    rng = random.Random(7)
    uids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(4000)]

    def share(low: int, bits: int) -> float:
        return sum(draw(u, low, bits) < 0.6 for u in uids) / len(uids)

    for low, bits in ((0, 32), (32, 30), (64, 12), (80, 16), (96, 32)):
        assert abs(share(low, bits) - 0.6) < 0.03, (low, bits)
    # Reading the variant bits (62–63, always binary 10) draws from [0.5, 0.75) only: a wanted
    # 60 % became 40 % (the bug the store-origin pass had).
    assert abs(share(32, 32) - 0.4) < 0.03
