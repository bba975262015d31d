"""The passes ``motcua simulate`` runs after the dossiers (QĐ 766 1.4 national sync, 4.4 store
origin and result push): on PostgreSQL one SQL statement each, which must write exactly the rows
of the Python loop (the reference, still run on SQLite)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from motcua.demo.services import demo_prepare
from motcua.dossiers.models import DossierDocument
from motcua.dossiers.simulation import simulate
from motcua.integrations.models import NationalSync, ResultStorePush
from motcua.integrations.simulation import (
    draw,
    draw_sql,
    simulate_national_sync,
    simulate_result_push,
    simulate_store_origin,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the set-based passes are PostgreSQL's"
    ),
]

END = dt.datetime(2026, 3, 20, 17, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
#: The (low, bits) the passes draw from, and the spans of their delays.
DRAWS = ((0, 32), (32, 30), (64, 12), (80, 16), (96, 32))


class Rollback(Exception):
    pass


def test_draw_in_sql_is_the_python_draw_over_thousands_of_uuids() -> None:
    """Every bit range the passes use, and the minutes of the delays, over 5000 UUIDs (random
    128-bit and version-4 ones): one bit off would change most of them."""
    rng = random.Random(766)
    uids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(2500)]
    uids += [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(2500)]
    uids += [uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1)]
    columns = [draw_sql("u", low, bits) for low, bits in DRAWS]
    minutes = [
        f"1 + trunc({draw_sql('u', 64, 12)} * 30::float8)::int",
        f"1 + trunc({draw_sql('u', 80, 16)} * 60::float8)::int",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns + minutes)} FROM unnest(%s::uuid[]) WITH ORDINALITY "  # noqa: S608 - test's own SQL
            "AS t (u, n) ORDER BY n",
            [uids],
        )
        got = cursor.fetchall()
    expected = [
        (
            *(draw(u, low, bits) for low, bits in DRAWS),
            1 + int(draw(u, 64, 12) * 30),
            1 + int(draw(u, 80, 16) * 60),
        )
        for u in uids
    ]
    assert got == expected
    assert len({row[0] for row in got}) > 4900  # the draws vary (no constant bit read)
    with pytest.raises(ValueError, match="within the UUID"):
        draw_sql("u", 100, 32)  # past the UUID's 128 bits


# The new rows in the order of their keys (the keys themselves differ: a rolled-back run used
# some of the sequence).
def _synced() -> list[tuple[Any, ...]]:
    return list(NationalSync.objects.order_by("pk").values_list("dossier_id", "synced_at", "via"))


def _pushed() -> list[tuple[Any, ...]]:
    return list(
        ResultStorePush.objects.order_by("pk").values_list(
            "dossier_id", "pushed_at", "via", "delivery_id", "result_code", "store_ref"
        )
    )


def _origins() -> list[tuple[Any, ...]]:
    return list(
        DossierDocument.objects.filter(reused=True)
        .order_by("pk")
        .values_list("pk", "reuse_origin", "reuse_source")
    )


def _by_python(run: Any, read: Any) -> tuple[int, list[tuple[Any, ...]]]:
    """What the Python loop writes (``sql=False``), rolled back."""
    found: tuple[int, list[tuple[Any, ...]]] = (0, [])
    try:
        with transaction.atomic():
            found = (run(sql=False), read())
            raise Rollback
    except Rollback:
        pass
    return found


def test_each_pass_in_sql_writes_the_rows_of_the_python_loop() -> None:
    demo_prepare()
    simulate(dossiers=400, years=0.5, seed=3, end=END)
    for run, read, least in (
        (simulate_national_sync, _synced, 300),
        (simulate_store_origin, _origins, 10),
        (simulate_result_push, _pushed, 50),
    ):
        before = read()
        expected = _by_python(run, read)
        assert read() == before  # rolled back
        assert expected[0] >= least, run.__name__  # enough rows for a wrong draw to show
        assert (run(sql=True), read()) == expected, run.__name__
        assert run(sql=True) == 0  # idempotent
    # Both halves of each draw occur (a share of 1 or 0 would pass the equality too).
    origins = {o for _, o, _ in _origins()}
    assert origins == {"citizen_store", "agency_store"}
