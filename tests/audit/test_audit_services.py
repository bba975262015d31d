"""Writing the audit log: chains, transactions, append-only guards, selectors."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings

from motcua.accounts.models import User
from motcua.audit.chain import GENESIS_HASH, chain_for
from motcua.audit.models import AuditChainHead, AuditEntry, AuditLogImmutable
from motcua.audit.selectors import (
    audit_entries_by_actor,
    audit_entries_for,
    audit_reads_of_subject,
)
from motcua.audit.services import AuditRecord, audit_append_many, audit_log, audit_read
from motcua.audit.verify import audit_verify

from .conftest import ids_in_chain

pytestmark = pytest.mark.django_db


class BusinessError(Exception):
    pass


def log(
    actor: User | None, object_id: str, action: str = "dossier.update", **kw: object
) -> AuditEntry:
    return audit_log(actor=actor, action=action, object_type="dossier", object_id=object_id, **kw)  # type: ignore[arg-type]


def test_entries_of_one_object_form_one_ordered_chain(officer: User) -> None:
    entries = [log(officer, "HS-1", data={"step": i}) for i in range(5)]
    chain = chain_for("dossier", "HS-1", 16)
    assert {e.chain for e in entries} == {chain}
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    head = AuditChainHead.objects.get(chain=chain)
    assert (head.seq, head.last_hash) == (5, entries[-1].hash)
    assert list(audit_entries_for("dossier", "HS-1")) == entries
    result = audit_verify()
    assert result.ok, result.broken
    assert result.checked == 5


def test_different_objects_use_their_own_chains(officer: User) -> None:
    a, b = next(ids_in_chain(1)), next(ids_in_chain(2))
    ea, eb = log(officer, a), log(officer, b)
    assert (ea.chain, ea.seq, eb.chain, eb.seq) == (1, 1, 2, 1)


def test_entry_records_who_what_where(officer: User) -> None:
    at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    entry = log(officer, "HS-2", "dossier.transition", agency_id=7, data={"to": "done"}, at=at)
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor_id == officer.pk
    assert entry.actor_repr == "Nguyễn Văn An (canbo.an)"
    assert (entry.action, entry.object_type, entry.object_id) == (
        "dossier.transition",
        "dossier",
        "HS-2",
    )
    assert (entry.agency_id, entry.data, entry.at) == (7, {"to": "done"}, at)


def test_system_actions_have_no_actor() -> None:
    entry = log(None, "HS-3", "dossier.overdue")
    assert entry.actor_id is None
    assert entry.actor_repr == "hệ thống"


def test_read_of_personal_data_names_fields_and_purpose(officer: User) -> None:
    entry = audit_read(
        actor=officer,
        object_type="dossier",
        object_id="HS-4",
        fields=["personal_id", "applicant_name", "personal_id"],
        agency_id=3,
        purpose="thẩm định hồ sơ",
    )
    assert entry.action == "read"
    assert entry.data == {"fields": ["applicant_name", "personal_id"], "purpose": "thẩm định hồ sơ"}
    with pytest.raises(ValueError, match="fields"):
        audit_read(actor=officer, object_type="dossier", object_id="HS-4", fields=[])
    with pytest.raises(TypeError):
        audit_read(actor=officer, object_type="dossier", object_id="HS-4", fields="personal_id")


def test_rolled_back_business_write_leaves_no_entry_and_no_gap(officer: User) -> None:
    first = log(officer, "HS-5")

    def business_write() -> None:
        with transaction.atomic():
            log(officer, "HS-5", "dossier.transition")
            raise BusinessError

    with pytest.raises(BusinessError):
        business_write()
    assert AuditEntry.objects.count() == 1
    assert AuditChainHead.objects.get(chain=first.chain).seq == 1
    second = log(officer, "HS-5")
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_entry_commits_on_its_own() -> None:
    assert connection.get_autocommit()
    first, second = log(None, "HS-6"), log(None, "HS-6")
    assert (first.seq, second.seq) == (1, 2)
    assert audit_verify().ok


def test_user_deletion_keeps_history(officer: User) -> None:
    entry = log(officer, "HS-7")
    officer.delete()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor_id is not None
    assert entry.actor_repr == "Nguyễn Văn An (canbo.an)"
    assert audit_verify().ok


def test_data_survives_the_database_round_trip_so_verify_passes(officer: User) -> None:
    log(
        officer,
        "HS-8",
        data={
            "phí": 1.5,
            "big": 1e16,
            "n": 2**62,
            "tên": "Lê Thị Hồng",
            "nul": "a\x00b",
            "list": [{"z": 1, "a": [True, None]}],
        },
    )
    assert audit_verify().ok


def test_bad_arguments_are_refused_before_writing(officer: User) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        log(officer, "HS-9", at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="object_id"):
        log(officer, "x" * 129)
    with pytest.raises(ValueError, match="action"):
        log(officer, "HS-9", action="")
    assert not AuditEntry.objects.exists()


def test_orm_refuses_to_change_or_delete_entries(officer: User) -> None:
    entry = log(officer, "HS-10")
    entry.action = "forged"
    with pytest.raises(AuditLogImmutable, match="không được sửa"):
        entry.save()
    with pytest.raises(AuditLogImmutable, match="không được xóa"):
        entry.delete()
    entries = AuditEntry.objects.filter(pk=entry.pk)
    with pytest.raises(AuditLogImmutable):
        entries.update(action="forged")
    with pytest.raises(AuditLogImmutable):
        entries.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.bulk_update([entry], ["action"])
    with pytest.raises(AuditLogImmutable, match="audit_log"):
        AuditEntry.objects.bulk_create([AuditEntry()])
    assert AuditEntry.objects.get(pk=entry.pk).action == "dossier.update"


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only"
)
def test_postgres_refuses_raw_sql_changes(officer: User) -> None:
    from django.db import IntegrityError

    entry = log(officer, "HS-11")
    statements = [
        ("UPDATE audit_entry SET action = 'forged' WHERE id = %s", [entry.pk], "không được sửa"),
        ("DELETE FROM audit_entry WHERE id = %s", [entry.pk], "không được xóa"),
        ("DELETE FROM audit_chain_head WHERE chain = %s", [entry.chain], "Không được xóa"),
        ("UPDATE audit_chain_head SET seq = 0 WHERE chain = %s", [entry.chain], "chỉ được tiến"),
        (
            "UPDATE audit_chain_head SET seq = seq + 1 WHERE chain = %s",
            [entry.chain],
            "chỉ được tiến",
        ),
        ("INSERT INTO audit_chain_head VALUES (999, 5, %s)", ["1" * 64], "bắt đầu từ số 0"),
    ]
    for sql, params, message in statements:
        with (
            pytest.raises(IntegrityError, match=message),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql, params)
    assert audit_verify().ok


def test_more_chains_get_their_heads_on_first_use(officer: User) -> None:
    with override_settings(MOTCUA_AUDIT_CHAINS=40):
        code = next(ids_in_chain(37, chains=40))
        entry = log(officer, code)
        assert (entry.chain, entry.seq) == (37, 1)
        assert AuditChainHead.objects.get(chain=37).seq == 1
        result = audit_verify()
    assert result.ok
    assert result.chains == 40
    # Back to 16 chains: chain 37 has a head, so it is still checked.
    assert audit_verify().chains == 38


def test_selectors(officer: User, django_user_model: type[User]) -> None:
    other = django_user_model.objects.create_user(username="canbo.binh", password="x" * 12)
    t0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    audit_read(actor=officer, object_type="dossier", object_id="HS-20", fields=["personal_id"])
    audit_read(actor=other, object_type="user", object_id="77", fields=["phone"])
    log(officer, "HS-20", at=t0)
    audit_read(actor=other, object_type="dossier", object_id="HS-21", fields=["address"])
    audit_read(actor=other, object_type="dossier", object_id="HS-99", fields=["address"])
    reads = audit_reads_of_subject([("dossier", "HS-20"), ("dossier", "HS-21"), ("user", "77")])
    assert [(e.object_id, e.actor_id) for e in reads] == [
        ("HS-21", other.pk),
        ("77", other.pk),
        ("HS-20", officer.pk),
    ]
    assert not audit_reads_of_subject([]).exists()
    later = audit_reads_of_subject([("dossier", "HS-20")], since=t0 + timedelta(days=3650))
    assert not later.exists()
    assert [e.action for e in audit_entries_for("dossier", "HS-20")] == ["dossier.update", "read"]
    assert audit_entries_by_actor(other.pk).count() == 3


def test_append_many_writes_what_audit_log_would(officer: User) -> None:
    at = datetime.now(UTC)
    records = [
        AuditRecord(
            actor=officer if n % 2 else None,
            action="dossier.update",
            object_type="dossier",
            object_id=f"HS-M{n % 5}",
            agency_id=n,
            data={"n": n},
            at=at,
        )
        for n in range(12)
    ]
    with transaction.atomic():
        audit_append_many(records)
        many = list(AuditEntry.objects.order_by("chain", "seq").values())
        heads = sorted(AuditChainHead.objects.values_list("chain", "seq", "last_hash"))
        transaction.set_rollback(True)
    with transaction.atomic():
        for r in records:
            audit_log(
                actor=r.actor,
                action=r.action,
                object_type=r.object_type,
                object_id=r.object_id,
                agency_id=r.agency_id,
                data=r.data,
                at=r.at,
            )
        one_by_one = list(AuditEntry.objects.order_by("chain", "seq").values())
        assert heads == sorted(AuditChainHead.objects.values_list("chain", "seq", "last_hash"))
        transaction.set_rollback(True)
    skip = {"id"}
    assert [{k: v for k, v in e.items() if k not in skip} for e in many] == [
        {k: v for k, v in e.items() if k not in skip} for e in one_by_one
    ]
    assert len(many) == 12


def test_append_many_takes_the_writers_canonical_json_and_refuses_one_that_differs(
    officer: User,
) -> None:
    """A bulk writer may give ``data``'s canonical JSON (``data_json``): the entries are those
    of the generic encoding; a text that is not that encoding (keys unsorted, spaces) is
    refused before anything is written, whichever record of its shape comes first."""
    at = datetime.now(UTC)
    data = {"code": "HS-Đ1", "fields": ["status"], "version": 2}

    def record(n: int, text: str) -> AuditRecord:
        return AuditRecord(
            actor=officer,
            action="dossier.update",
            object_type="dossier",
            object_id=f"HS-J{n}",
            data=data,
            at=at,
            data_json=text,
        )

    good = '{"code":"HS-Đ1","fields":["status"],"version":2}'
    with transaction.atomic():
        audit_append_many([record(n, good) for n in range(3)])
        given = list(AuditEntry.objects.order_by("object_id").values_list("data", "hash"))
        transaction.set_rollback(True)
    with transaction.atomic():
        audit_append_many(
            [AuditRecord(**{**vars(record(n, good)), "data_json": None}) for n in range(3)]
        )
        generic = list(AuditEntry.objects.order_by("object_id").values_list("data", "hash"))
        transaction.set_rollback(True)
    assert given == generic
    assert given[0][0] == data
    for bad in ('{"version":2,"code":"HS-Đ1","fields":["status"]}', good.replace(",", ", ")):
        with pytest.raises(ValueError, match="canonical JSON"):
            audit_append_many([record(0, bad)])
    # Another shape in the same call is checked too.
    other = AuditRecord(**{**vars(record(9, '{"n":1}')), "data": {"n": 2}})
    with pytest.raises(ValueError, match="canonical JSON"):
        audit_append_many([record(0, good), other])
    assert not AuditEntry.objects.filter(object_id__startswith="HS-J").exists()


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only"
)
def test_postgres_head_moves_only_over_a_linked_run(officer: User) -> None:
    from django.db import IntegrityError

    entry = log(officer, "HS-12")
    for seq, last_hash in [(entry.seq + 2, entry.hash), (entry.seq + 1, entry.hash)]:
        # Past the last written entry, or onto no entry at all: refused.
        with (
            pytest.raises(IntegrityError, match="chỉ được tiến"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(
                "UPDATE audit_chain_head SET seq = %s, last_hash = %s WHERE chain = %s",
                [seq, last_hash, entry.chain],
            )
    assert audit_verify().ok
