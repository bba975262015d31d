"""Re-check the audit chains: recompute every hash, follow every link, compare with the heads.

Streams each chain in ``seq`` order through a server-side cursor (``iterator``), so memory
stays flat on tens of millions of entries. On PostgreSQL each chain is read in one
``REPEATABLE READ`` snapshot, so appends running meanwhile are neither seen half-done nor
reported as damage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from motcua.audit.chain import GENESIS_HASH, entry_hash
from motcua.audit.models import AuditChainHead, AuditEntry
from motcua.audit.services import audit_chain_count

CHUNK_SIZE = 5000

_FIELDS = (
    "id",
    "seq",
    "at",
    "actor_id",
    "actor_repr",
    "action",
    "object_type",
    "object_id",
    "agency_id",
    "data",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class BrokenEntry:
    """The first entry of a chain that fails a check. ``id`` is None when the entry is missing."""

    chain: int
    seq: int
    id: int | None
    reason: str

    def describe(self) -> str:
        where = f"chuỗi {self.chain}, số thứ tự {self.seq}"
        if self.id is not None:
            where += f", mã bản ghi {self.id}"
        return f"{where}: {self.reason}"


@dataclass
class VerifyResult:
    checked: int = 0
    chains: int = 0
    broken: list[BrokenEntry] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken

    @property
    def first_broken(self) -> BrokenEntry | None:
        """The first broken entry of the lowest-numbered broken chain."""
        return self.broken[0] if self.broken else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "chains": self.chains,
            "first_broken": None if self.first_broken is None else vars(self.first_broken),
            "broken": [vars(b) for b in self.broken],
        }


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent, read-only view of a chain and its head while it is walked."""
    if connection.in_atomic_block:
        yield  # the caller's transaction (e.g. a test) already fixes what we see
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _verify_chain(chain: int, result: VerifyResult, on_entry: Callable[[], object] | None) -> None:
    with _snapshot():
        head = AuditChainHead.objects.filter(chain=chain).values_list("seq", "last_hash").first()
        rows = (
            AuditEntry.objects.filter(chain=chain)
            .order_by("seq")
            .values_list(*_FIELDS)
            .iterator(chunk_size=CHUNK_SIZE)
        )
        expected, prev_hash, last_id = 1, GENESIS_HASH, None
        for row in rows:
            (id_, seq, at, actor_id, actor_repr, action, object_type, object_id, agency_id, data,
             stored_prev, stored_hash) = row  # fmt: skip
            result.checked += 1
            if on_entry is not None:
                on_entry()
            problem = None
            if head is None:
                problem = "chuỗi có bản ghi nhưng không có đầu chuỗi (bản ghi được chèn trái phép?)"
            elif seq > head[0]:
                problem = (
                    f"bản ghi nằm sau đầu chuỗi (đầu chuỗi dừng ở số {head[0]}): "
                    "được chèn ngoài hàm ghi nhật ký?"
                )
            elif seq != expected:
                missing = (
                    f"số {expected}" if seq == expected + 1 else f"các số {expected}–{seq - 1}"
                )
                problem = f"thiếu bản ghi {missing} ngay trước bản ghi này (đã bị xóa?)"
            elif (
                entry_hash(
                    chain=chain,
                    seq=seq,
                    at=at,
                    actor_id=actor_id,
                    actor_repr=actor_repr,
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                    agency_id=agency_id,
                    data=data,
                    prev_hash=stored_prev,
                )
                != stored_hash
            ):
                problem = "nội dung bản ghi đã bị sửa hoặc bị đổi chỗ (mã băm tính lại không khớp)"
            elif stored_prev != prev_hash:
                problem = (
                    "liên kết với bản ghi trước bị đứt (mã băm bản ghi trước không khớp): "
                    "bản ghi trước đã bị thay, hoặc các bản ghi bị đổi chỗ"
                )
            if problem is not None:
                result.broken.append(BrokenEntry(chain, seq, id_, problem))
                return
            expected, prev_hash, last_id = seq + 1, stored_hash, id_
        last_seq = expected - 1
        if head is None:
            return
        if head[0] > last_seq:
            missing = (
                f"bản ghi số {head[0]}"
                if head[0] == last_seq + 1
                else f"các bản ghi số {last_seq + 1}–{head[0]}"
            )
            result.broken.append(
                BrokenEntry(chain, last_seq + 1, None, f"thiếu {missing} ở cuối chuỗi (đã bị xóa?)")
            )
        elif head[1] != prev_hash:
            result.broken.append(
                BrokenEntry(
                    chain,
                    last_seq,
                    last_id,
                    "mã băm ở đầu chuỗi không khớp bản ghi cuối (bản ghi cuối đã bị thay?)",
                )
            )


def _chains_to_check() -> list[int]:
    """Chains 0…M−1 (the configured ones and every chain with a head), plus any chain above
    that holds entries without a head. Found by index lookups, never by a full scan."""
    heads = list(AuditChainHead.objects.values_list("chain", flat=True))
    top = max([audit_chain_count(), *(h + 1 for h in heads)])
    found = list(range(top))
    while True:
        stray = (
            AuditEntry.objects.filter(chain__gte=top)
            .order_by("chain", "seq")
            .values_list("chain", flat=True)
            .first()
        )
        if stray is None:
            return found
        found.append(stray)
        top = stray + 1


def audit_verify(
    *, chains: Iterable[int] | None = None, on_entry: Callable[[], object] | None = None
) -> VerifyResult:
    """Walk the chains (all of them by default) and report the first broken entry of each.

    Checks, per entry in ``seq`` order: no gap in ``seq``; the hash recomputed over the entry's
    fields equals the stored one; ``prev_hash`` equals the previous entry's hash. Then the head
    must point at the last entry. ``on_entry`` is called once per entry (progress bars).
    """
    result = VerifyResult()
    for chain in sorted(set(chains)) if chains is not None else _chains_to_check():
        result.chains += 1
        _verify_chain(chain, result, on_entry)
    return result
