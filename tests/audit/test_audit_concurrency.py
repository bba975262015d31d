"""Concurrent writers on PostgreSQL: gap-free chains, and chains that do not wait on each other.

Real threads, each with its own database connection, against committed data
(``transaction=True``). SQLite serialises all writers anyway, so these run on PostgreSQL only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from django.db import OperationalError, close_old_connections, connection, connections, transaction

from motcua.audit.models import AuditChainHead, AuditEntry
from motcua.audit.services import audit_log
from motcua.audit.verify import audit_verify

from .conftest import ids_in_chain

T = TypeVar("T")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def in_thread(fn: Callable[..., T]) -> Callable[..., T]:
    """``fn`` closing the thread's own database connection when it returns."""

    def run(*args: object) -> T:
        try:
            return fn(*args)
        finally:
            connections.close_all()

    return run


def test_concurrent_appends_produce_gap_free_valid_chains() -> None:
    writers, per_writer = 12, 40
    # Few objects, so several writers hit the same chain and the same object at once.
    objects = [f"HS-{i}" for i in range(20)]

    def write(w: int) -> int:
        for i in range(per_writer):
            with transaction.atomic():
                audit_log(
                    actor=None,
                    action="dossier.update",
                    object_type="dossier",
                    object_id=objects[(w * 7 + i) % len(objects)],
                    data={"w": w, "i": i},
                )
        return per_writer

    with ThreadPoolExecutor(writers) as pool:
        done = sum(pool.map(in_thread(write), range(writers)))
    assert done == writers * per_writer
    assert AuditEntry.objects.count() == writers * per_writer
    result = audit_verify()
    assert result.ok, result.broken
    assert result.checked == writers * per_writer
    for head in AuditChainHead.objects.all():
        seqs = list(
            AuditEntry.objects.filter(chain=head.chain)
            .order_by("seq")
            .values_list("seq", flat=True)
        )
        assert seqs == list(range(1, head.seq + 1))


def test_a_held_chain_lock_does_not_block_other_chains() -> None:
    code_a = next(ids_in_chain(0))
    code_a2 = next(ids_in_chain(0, prefix="X"))
    code_b = next(ids_in_chain(1))
    holding, release = threading.Event(), threading.Event()

    def hold_chain_0() -> None:
        with transaction.atomic():
            audit_log(actor=None, action="dossier.slow", object_type="dossier", object_id=code_a)
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=in_thread(hold_chain_0))
    holder.start()
    try:
        assert holding.wait(5)
        # Another chain: commits at once although chain 0 is locked.
        started = time.perf_counter()
        with transaction.atomic():
            entry = audit_log(
                actor=None, action="dossier.fast", object_type="dossier", object_id=code_b
            )
        other_chain_seconds = time.perf_counter() - started
        assert entry.chain == 1
        assert other_chain_seconds < 0.5

        # The same chain (another object in it) must wait: the lock is real.
        def same_chain() -> str:
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '300ms'")
                    audit_log(
                        actor=None,
                        action="dossier.blocked",
                        object_type="dossier",
                        object_id=code_a2,
                    )
            except OperationalError as exc:
                return type(exc.__cause__).__name__
            finally:
                close_old_connections()
            return "committed"

        with ThreadPoolExecutor(1) as pool:
            outcome = pool.submit(in_thread(same_chain)).result(timeout=10)
        assert outcome == "LockNotAvailable"
    finally:
        release.set()
        holder.join(10)
    assert audit_verify().ok
    assert AuditEntry.objects.filter(chain=0).count() == 1
