"""The feedback pass of ``motcua simulate`` (QĐ 766 5.1–5.4): split in parts by audit chain, it
writes exactly the rows and audit entries of one process."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from motcua.audit.chain import chain_for
from motcua.audit.models import AuditChainHead, AuditEntry
from motcua.audit.services import audit_chain_count
from motcua.audit.verify import audit_verify
from motcua.demo.services import demo_prepare
from motcua.dossiers.models import Dossier
from motcua.dossiers.simulation import simulate, uniforms
from motcua.feedback.models import Feedback
from motcua.feedback.simulation import SALT, FeedbackRates, simulate_feedback

END = dt.datetime(2026, 3, 20, 17, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
#: Many items, every branch of their life, in batches of 7 (several per part).
RATES = FeedbackRates(share=0.5, refused=0.15, supplement=0.3, reraised=0.5)
SKIP = {"recorded_at", "created_at", "updated_at"}


class Rollback(Exception):
    pass


def _dump() -> dict[str, Any]:
    return {
        "feedback": [
            {k: v for k, v in row.items() if k not in SKIP}
            for row in Feedback.objects.order_by("pk").values()
        ],
        "audit": list(
            AuditEntry.objects.filter(object_type="feedback")
            .order_by("chain", "seq")
            .values_list("chain", "seq", "at", "action", "object_id", "data", "prev_hash", "hash")
        ),
        "heads": sorted(AuditChainHead.objects.values_list("chain", "seq", "last_hash")),
    }


def _run(job: Any, **options: Any) -> dict[str, Any]:
    dump: dict[str, Any] = {}
    try:
        with transaction.atomic():
            dump = {"written": simulate_feedback(job, RATES, batch=7, **options), **_dump()}
            assert audit_verify().ok
            raise Rollback
    except Rollback:
        pass
    return dump


def _province() -> SimpleNamespace:
    demo_prepare()
    simulate(dossiers=120, years=0.25, seed=7, end=END)
    # Another seed than the simulation's: other item UUIDs than the items it wrote.
    return SimpleNamespace(id_base=1, seed=99, moment=END)


def _check(single: dict[str, Any], job: Any) -> None:
    # The dossiers chosen, recomputed here: the first of the dossier's 13 numbers below the
    # share, submitted (hours after reception, from the second) by the simulation's end.
    expected = sorted(
        pk
        for pk, uid, received in Dossier.objects.filter(received_at__isnull=False).values_list(
            "pk", "uuid", "received_at"
        )
        if (u := uniforms(uid.int ^ job.seed ^ SALT, 13))[0] < RATES.share
        and received + dt.timedelta(hours=2 + u[1] * 24 * 20) <= END
    )
    stored = Feedback.objects.count()  # the simulation's own items (its seed, 4 %)
    items = single["feedback"][stored:]  # the new ones, keys after the stored ones
    assert single["written"] == len(items) == len(expected)
    assert [f["dossier_id"] for f in items] == expected  # keys in dossier order
    assert len(expected) > 30  # several batches of 7
    # Several ends of an item's life (which ones also depends on the working calendar, which a
    # transactional test flushed before this one may have emptied).
    statuses = {f["status"] for f in items}
    assert statuses >= {"refused", "published"}, statuses
    assert len(statuses) >= 3, statuses
    chains = audit_chain_count()
    parts = {chain_for("feedback", str(f["uuid"]), chains) % 3 for f in items}
    assert parts == {0, 1, 2}  # every part writes some


@pytest.mark.django_db
def test_parts_one_after_the_other_write_the_rows_of_one_process() -> None:
    job = _province()
    single = _run(job)
    _check(single, job)
    assert _run(job, workers=3, processes=False) == single


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="forked processes need PostgreSQL (they cannot see the test's in-memory SQLite)",
)
def test_parts_in_forked_processes_write_the_rows_of_one_process() -> None:
    job = _province()
    single = _run(job)
    _check(single, job)
    written = simulate_feedback(job, RATES, batch=7, workers=2)
    assert {"written": written, **_dump()} == single
    assert audit_verify().ok
