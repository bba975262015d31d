"""QĐ 766 indicator 4.4 — dossiers with a component taken from the citizen's own data store on
the Cổng DVCQG — from the structured origin of reused components, hand-computed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.dossiers.conftest import World, at
from tests.monitoring.helpers import received, sync

from motcua.dossiers.errors import DossierInvalid
from motcua.dossiers.services import DocumentInput
from motcua.integrations.simulation import simulate_store_origin
from motcua.monitoring import aggregate as agg
from motcua.monitoring import indicators as ind

pytestmark = pytest.mark.django_db


def _doc(origin: str, source: str = "Kho dữ liệu") -> list[DocumentInput]:
    return [
        DocumentInput(name="Giấy khai sinh", reused=True, reuse_source=source, reuse_origin=origin)
    ]


def test_store_link_counts_only_the_citizen_store(world: World) -> None:
    d1 = received(world, 1, at(2, 9), documents=_doc("citizen_store"))
    received(world, 2, at(3, 9), documents=_doc("national_db", "CSDL quốc gia về dân cư"))
    received(world, 3, at(4, 9), documents=_doc(""))  # reused, origin unknown
    received(world, 4, at(5, 9))  # nothing reused
    sync()
    march = ind.Period.month(2026, 3)
    card = {i.code: i for g in ind.scorecard(ind.numbers(march, ind.Scope())) for i in g.indicators}
    # 4.3: three dossiers reused something / 4; 4.4: one came from the citizen's store / 4.
    assert (card["4.3"].numerator, card["4.3"].denominator) == (3, 4)
    assert (card["4.4"].numerator, card["4.4"].denominator) == (1, 4)
    assert card["4.4"].score == Decimal("1.00")  # 4 points × 1/4
    assert [f.dossier_id for f in ind.drill("store_linked", march, ind.Scope())] == [d1.pk]
    assert agg.verify().differences == []
    january = {
        i.code: i
        for g in ind.scorecard(ind.numbers(ind.Period.month(2026, 1), ind.Scope()))
        for i in g.indicators
    }
    assert january["4.4"].rate is None  # nothing received: N/A


def test_bad_origin_is_refused(world: World) -> None:
    with pytest.raises(DossierInvalid, match="chỉ dùng cho giấy tờ được tái sử dụng"):
        world.receive(documents=[DocumentInput(name="CCCD", reuse_origin="citizen_store")])
    with pytest.raises(DossierInvalid, match="loại nguồn tái sử dụng"):
        world.receive(documents=_doc("somewhere"))


def test_simulated_origins(world: World) -> None:
    for n in range(1, 31):
        received(world, n, at(2 + n % 20, 9), documents=_doc(""))
    changed = simulate_store_origin()
    assert changed == 30
    assert simulate_store_origin() == 0  # idempotent
    sync()
    s = ind.sums(ind.Period.month(2026, 3), ind.Scope())
    assert 0 < s["store_linked"] < s["reused"] == 30
