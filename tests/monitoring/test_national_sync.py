"""QĐ 766 indicator 1.4 — dossiers synced to the Cổng DVCQG / dossiers received — from the
national deliveries and portal dossiers (``integrations.NationalSync``), hand-computed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from tests.dossiers.conftest import MONDAY, World, at
from tests.monitoring.helpers import received, sync

from motcua.dossiers.models import Dossier
from motcua.integrations.fake_national import FakeNationalPortal
from motcua.integrations.models import NationalSync, Subscription
from motcua.integrations.services import national_sync_record, run_outbox
from motcua.integrations.simulation import simulate_national_sync
from motcua.monitoring import aggregate as agg
from motcua.monitoring import indicators as ind

pytestmark = pytest.mark.django_db
SECRET = "khoa-dong-bo"


def _card(period: ind.Period) -> dict[str, ind.Indicator]:
    n = ind.numbers(period, ind.Scope())
    return {i.code: i for g in ind.scorecard(n) for i in g.indicators}


def test_synced_share_follows_the_sync_records(world: World) -> None:
    d1 = received(world, 1, at(2, 9))
    received(world, 2, at(3, 9))
    received(world, 3, at(4, 9))
    sync()
    march = ind.Period.month(2026, 3)
    assert (_card(march)["1.4"].numerator, _card(march)["1.4"].denominator) == (0, 3)
    # A sync alone (no new event) is picked up by the refresh through its own watermark.
    national_sync_record(dossier_ids=[d1.pk], at=at(2, 10), via="delivery")
    national_sync_record(dossier_ids=[d1.pk], at=at(5, 10), via="delivery")  # first one wins
    sync()
    card = _card(march)["1.4"]
    assert (card.numerator, card.denominator) == (1, 3)
    assert card.score == Decimal("2.00")  # 6 × 1/3
    assert NationalSync.objects.get().synced_at == at(2, 10)
    assert [f.dossier_id for f in ind.drill("synced", march, ind.Scope())] == [d1.pk]
    assert agg.verify().differences == []
    # A month without dossiers received: N/A, no division.
    assert _card(ind.Period.month(2026, 1))["1.4"].rate is None
    # The rebuild gives the same and leaves nothing pending.
    agg.rebuild()
    assert _card(march)["1.4"].numerator == 1
    assert agg.refresh().dossiers == 0


@pytest.fixture
def portal() -> Iterator[FakeNationalPortal]:
    server = FakeNationalPortal(secret=SECRET).start()
    yield server
    server.stop()


def test_a_delivered_national_push_marks_the_dossier(
    world: World, portal: FakeNationalPortal
) -> None:
    Subscription.objects.create(
        name="Cổng DVCQG", kind="national", url=portal.sync_url, secret=SECRET
    )
    Subscription.objects.create(name="Khác", kind="cloudevents", url=portal.sync_url, secret="x")
    ok = world.receive(at=MONDAY, accept=True)
    run_outbox(now=MONDAY + dt.timedelta(hours=1))
    assert set(NationalSync.objects.values_list("dossier_id", "via")) == {(ok.pk, "delivery")}
    # Refused by the portal (wrong signature): not synced.
    Subscription.objects.filter(kind="national").update(secret="sai")
    refused = world.receive(at=MONDAY + dt.timedelta(hours=2), n=2, accept=True)
    run_outbox(now=MONDAY + dt.timedelta(hours=2))
    assert not NationalSync.objects.filter(dossier_id=refused.pk).exists()


def test_simulated_sync_pass_is_partial_and_idempotent(world: World) -> None:
    dossiers = [received(world, n, at(2 + n % 20, 9)) for n in range(1, 41)]
    # The dossier's UUID decides (its first 32 bits / 2³² below the share): random UUIDs left
    # all 40 synced about one run in 18, so one is made certain to be left out, one to be in.
    Dossier.objects.filter(pk=dossiers[0].pk).update(uuid=_uuid(top=0xFFFFFFFF))
    Dossier.objects.filter(pk=dossiers[1].pk).update(uuid=_uuid(top=0))
    first = simulate_national_sync()
    assert 0 < first < 40
    assert simulate_national_sync() == 0
    assert simulate_national_sync(share=1.0) == 40 - first
    row = NationalSync.objects.order_by("pk").first()
    assert row is not None
    assert row.via == "simulated"


def _uuid(*, top: int) -> uuid.UUID:
    return uuid.UUID(int=(top << 96) | (uuid.uuid4().int & ((1 << 96) - 1)))
