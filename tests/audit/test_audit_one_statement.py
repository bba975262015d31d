"""``audit_log_with``: the entry written in one PostgreSQL statement (its hash computed by the
database) is the entry ``audit_log`` would write — same canonical text, same chain, same head
guard — so ``motcua audit verify`` checks it like any other; concurrent writers keep gap-free
chains; a chain without a head is left to ``audit_log``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from motcua.accounts.models import User
from motcua.audit.chain import chain_for, entry_hash
from motcua.audit.models import AuditChainHead, AuditEntry
from motcua.audit.services import AuditRecord, audit_log, audit_log_with
from motcua.audit.verify import audit_verify

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement: PostgreSQL"),
]


def _record(officer: User | None, object_id: str, **data: object) -> AuditRecord:
    return AuditRecord(
        actor=officer,
        action="read",
        object_type="dossier",
        object_id=object_id,
        agency_id=7 if officer else None,
        data={"fields": ["applicant.full_name"], "purpose": "API: xem hồ sơ", **data},
    )


@pytest.mark.django_db
def test_the_entry_is_the_one_audit_log_would_write(officer: User) -> None:
    with transaction.atomic():
        audit_log(actor=officer, action="dossier.receive", object_type="dossier", object_id="HS-1")
        assert audit_log_with(_record(officer, "HS-1", client='Cổng dữ liệu "tỉnh" ✓'))
        assert audit_log_with(_record(None, "HS-1"))
    first, read, system = AuditEntry.objects.filter(object_id="HS-1").order_by("seq")
    assert read.chain == chain_for("dossier", "HS-1", 16)
    assert (read.seq, system.seq) == (first.seq + 1, first.seq + 2)
    assert read.prev_hash == first.hash
    assert system.prev_hash == read.hash
    assert read.actor_id == officer.pk
    assert read.actor_repr == "Nguyễn Văn An (canbo.an)"
    assert read.agency_id == 7
    assert system.agency_id is None
    assert system.actor_id is None
    assert read.data == {
        "client": 'Cổng dữ liệu "tỉnh" ✓',
        "fields": ["applicant.full_name"],
        "purpose": "API: xem hồ sơ",
    }
    for entry in (read, system):  # the hash Python computes over the stored fields
        assert entry.hash == entry_hash(
            chain=entry.chain,
            seq=entry.seq,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_repr=entry.actor_repr,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            agency_id=entry.agency_id,
            data=entry.data,
            prev_hash=entry.prev_hash,
        )
    assert first.at <= read.at <= system.at
    head = AuditChainHead.objects.get(chain=read.chain)
    assert (head.seq, head.last_hash) == (system.seq, system.hash)
    result = audit_verify()
    assert result.ok, result.broken


@pytest.mark.django_db
def test_the_other_clauses_run_in_the_same_statement(officer: User) -> None:
    clause = "noted AS (INSERT INTO audit_chain_head (chain, seq, last_hash) VALUES (%s, 0, %s))"
    with transaction.atomic():
        assert audit_log_with(_record(officer, "HS-2"), also=[(clause, [900, "0" * 64])])
    assert AuditChainHead.objects.filter(chain=900, seq=0).exists()
    assert AuditEntry.objects.filter(object_id="HS-2").count() == 1


@pytest.mark.django_db
def test_a_chain_without_a_head_is_left_to_audit_log(officer: User, settings: object) -> None:
    settings.MOTCUA_AUDIT_CHAINS = 40  # type: ignore[attr-defined]
    object_id = next(f"HS-{n}" for n in range(10_000) if chain_for("dossier", f"HS-{n}", 40) >= 16)
    with transaction.atomic():
        assert not audit_log_with(_record(officer, object_id))
        assert not AuditEntry.objects.filter(object_id=object_id).exists()
        audit_log(actor=officer, action="read", object_type="dossier", object_id=object_id)
        assert audit_log_with(_record(officer, object_id))
    assert AuditEntry.objects.filter(object_id=object_id).count() == 2
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_one_statement_appends_keep_the_chains_whole() -> None:
    writers, per_writer = 8, 30
    objects = [f"HS-{i}" for i in range(10)]  # few objects: writers meet on the same chains

    def write(w: int) -> int:
        try:
            for i in range(per_writer):
                object_id = objects[(w * 3 + i) % len(objects)]
                with transaction.atomic():
                    if i % 3:
                        record = _record(None, object_id, i=i)
                        if not audit_log_with(record):  # a head not created yet (flushed)
                            audit_log(
                                actor=None,
                                action="read",
                                object_type="dossier",
                                object_id=object_id,
                                data=record.data,
                            )
                    else:
                        audit_log(
                            actor=None, action="x", object_type="dossier", object_id=object_id
                        )
            return per_writer
        finally:
            connections.close_all()

    with ThreadPoolExecutor(writers) as pool:
        assert sum(pool.map(write, range(writers))) == writers * per_writer
    result = audit_verify()
    assert result.ok, result.broken
    assert result.checked == writers * per_writer
