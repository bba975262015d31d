"""Verifying the chains: every kind of tampering is named, down to the entry."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command

from motcua.accounts.models import User
from motcua.audit.models import AuditEntry
from motcua.audit.services import audit_log
from motcua.audit.verify import audit_verify

from .conftest import ids_in_chain

pytestmark = pytest.mark.django_db

Tamper = Callable[..., None]


@pytest.fixture
def chain3(officer: User) -> list[AuditEntry]:
    """Six entries in chain 3 (two dossiers) and two in chain 5."""
    codes = ids_in_chain(3)
    a, b = next(codes), next(codes)
    entries = [
        audit_log(
            actor=officer,
            action=f"dossier.step{i}",
            object_type="dossier",
            object_id=a if i % 2 else b,
            data={"i": i},
        )
        for i in range(6)
    ]
    for code in list(zip(range(2), ids_in_chain(5), strict=False)):
        audit_log(actor=officer, action="read", object_type="dossier", object_id=code[1])
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5, 6]
    return entries


def only_broken(chain: int = 3) -> tuple[int, int, int | None, str]:
    result = audit_verify()
    assert not result.ok
    assert len(result.broken) == 1  # other chains are independent and intact
    broken = result.broken[0]
    assert broken.chain == chain
    return broken.chain, broken.seq, broken.id, broken.reason


def test_intact_chains_verify(chain3: list[AuditEntry]) -> None:
    result = audit_verify()
    assert result.ok
    assert (result.checked, result.chains) == (8, 16)
    assert audit_verify(chains=[3]).checked == 6


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "'dossier.forged'"),
        ("data", "'{\"i\": 99}'"),
        ("actor_id", "NULL"),
        ("at", "'2020-01-01 00:00:00+00:00'"),
        ("object_id", "'HS-other'"),
    ],
)
def test_changed_content_names_the_entry(
    chain3: list[AuditEntry], tamper: Tamper, column: str, value: str
) -> None:
    victim = chain3[2]
    tamper(f"UPDATE audit_entry SET {column} = {value} WHERE id = %s", [victim.pk])  # noqa: S608
    _, seq, id_, reason = only_broken()
    assert (seq, id_) == (3, victim.pk)
    assert "đã bị sửa" in reason


def test_rehashed_forgery_breaks_the_link_to_the_next_entry(
    chain3: list[AuditEntry], tamper: Tamper
) -> None:
    # An intruder who also recomputes the changed entry's own hash is caught one entry later.
    from motcua.audit.chain import entry_hash

    victim = chain3[2]
    fields = {
        f: getattr(victim, f)
        for f in (
            "chain",
            "seq",
            "at",
            "actor_id",
            "actor_repr",
            "object_type",
            "object_id",
            "agency_id",
            "data",
            "prev_hash",
        )
    }
    forged = entry_hash(**fields, action="dossier.forged")
    tamper(
        "UPDATE audit_entry SET action = 'dossier.forged', hash = %s WHERE id = %s",
        [forged, victim.pk],
    )
    _, seq, id_, reason = only_broken()
    assert (seq, id_) == (4, chain3[3].pk)
    assert "liên kết" in reason


def test_deleted_entry_in_the_middle_is_named(chain3: list[AuditEntry], tamper: Tamper) -> None:
    tamper("DELETE FROM audit_entry WHERE id = %s", [chain3[2].pk])
    _, seq, id_, reason = only_broken()
    assert (seq, id_) == (4, chain3[3].pk)
    assert "thiếu bản ghi số 3" in reason


def test_several_deleted_entries_are_reported_as_a_range(
    chain3: list[AuditEntry], tamper: Tamper
) -> None:
    tamper("DELETE FROM audit_entry WHERE id IN (%s, %s)", [chain3[1].pk, chain3[2].pk])
    assert "các số 2–3" in only_broken()[3]


def test_deleted_last_entry_is_caught_by_the_head(chain3: list[AuditEntry], tamper: Tamper) -> None:
    tamper("DELETE FROM audit_entry WHERE id = %s", [chain3[-1].pk])
    _, seq, id_, reason = only_broken()
    assert (seq, id_) == (6, None)
    assert "cuối chuỗi" in reason


def test_reordered_entries_are_detected(chain3: list[AuditEntry], tamper: Tamper) -> None:
    second, third = chain3[1], chain3[2]
    tamper("UPDATE audit_entry SET seq = 1000 WHERE id = %s", [second.pk])
    tamper("UPDATE audit_entry SET seq = 2 WHERE id = %s", [third.pk])
    tamper("UPDATE audit_entry SET seq = 3 WHERE id = %s", [second.pk])
    _, seq, id_, reason = only_broken()
    assert (seq, id_) == (2, third.pk)
    assert "đổi chỗ" in reason


def test_entry_moved_to_another_chain_is_detected(chain3: list[AuditEntry], tamper: Tamper) -> None:
    tamper("UPDATE audit_entry SET chain = 9, seq = 1 WHERE id = %s", [chain3[0].pk])
    result = audit_verify()
    assert [(b.chain, b.seq) for b in result.broken] == [(3, 2), (9, 1)]


def test_entry_appended_behind_the_heads_back_is_detected(
    chain3: list[AuditEntry], tamper: Tamper
) -> None:
    last = chain3[-1]
    tamper(
        "INSERT INTO audit_entry (chain, seq, at, actor_id, actor_repr, action, object_type, "
        "object_id, agency_id, data, prev_hash, hash) "
        "VALUES (3, 7, %s, NULL, '', 'forged', 'dossier', 'x', NULL, '{}', %s, %s)",
        [last.at, last.hash, "f" * 64],
    )
    _, seq, _, reason = only_broken()
    assert seq == 7
    assert "sau đầu chuỗi" in reason


def test_rewritten_head_is_detected(chain3: list[AuditEntry], tamper: Tamper) -> None:
    tamper("UPDATE audit_chain_head SET last_hash = %s WHERE chain = 3", ["a" * 64])
    _, seq, id_, reason = only_broken()
    assert (seq, id_) == (6, chain3[-1].pk)
    assert "đầu chuỗi" in reason


def test_entries_in_a_chain_without_head_are_detected(officer: User, tamper: Tamper) -> None:
    entry = audit_log(actor=officer, action="x", object_type="dossier", object_id="HS-1")
    tamper("UPDATE audit_entry SET chain = 500 WHERE id = %s", [entry.pk])
    result = audit_verify()
    assert [(b.chain, b.seq) for b in result.broken] == [(entry.chain, 1), (500, 1)]
    assert "không có đầu chuỗi" in result.broken[1].reason


def test_command_reports_intact_chains(
    chain3: list[AuditEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == "Chuỗi nhật ký toàn vẹn: 8 bản ghi, 16 chuỗi."
    call_command("audit", "verify", "--chain", "3", "--chain", "5", "--progress")
    assert capsys.readouterr().out.strip() == "Chuỗi nhật ký toàn vẹn: 8 bản ghi, 2 chuỗi."


def test_command_names_the_first_broken_entry_and_fails(
    chain3: list[AuditEntry], tamper: Tamper, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper("DELETE FROM audit_entry WHERE id = %s", [chain3[2].pk])
    with pytest.raises(CommandError) as err:
        call_command("audit", "verify")
    assert err.value.returncode == 1
    assert str(err.value) == (
        f"Bản ghi hỏng đầu tiên: chuỗi 3, số thứ tự 4, mã bản ghi {chain3[3].pk}: "
        "thiếu bản ghi số 3 ngay trước bản ghi này (đã bị xóa?)"
    )
    assert "bị phá vỡ ở 1 trong 16 chuỗi" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["first_broken"] == {
        "chain": 3,
        "seq": 4,
        "id": chain3[3].pk,
        "reason": report["broken"][0]["reason"],
    }
    call_command("audit", "verify", "--chain", "5")  # the other chain is fine


def test_command_refuses_a_negative_chain() -> None:
    with pytest.raises(CommandError, match="không âm"):
        call_command("audit", "verify", "--chain", "-1")
