"""Pure rules of the chain: assignment, canonical form, hash. No database."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.audit.chain import (
    GENESIS_HASH,
    canonical_json,
    chain_for,
    entry_hash,
    jump_hash,
    normalise_data,
    object_key,
)

FIELDS = {
    "chain": 3,
    "seq": 7,
    "at": datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=UTC),
    "actor_id": 42,
    "actor_repr": "Nguyễn Văn An (canbo.an)",
    "action": "dossier.transition",
    "object_type": "dossier",
    "object_id": "000.00.01.H29-260302-0001",
    "agency_id": 5,
    "data": {"from": "received", "to": "in_progress"},
    "prev_hash": GENESIS_HASH,
}


def test_chain_assignment_is_stable_across_processes_and_versions() -> None:
    # Fixed expectations: if these change, existing objects would silently change chain.
    assert object_key("dossier", "HS-1") == 0xA091C7BC80DEDD5D
    assert [chain_for("dossier", f"HS-{i}", 16) for i in range(8)] == [15, 3, 2, 4, 8, 2, 2, 9]
    assert jump_hash(0, 1) == 0
    keys = (1, 2, 3, 1 << 40, (1 << 64) - 1)
    assert [jump_hash(k, 16) for k in keys] == [6, 15, 8, 9, 10]
    assert [jump_hash(k, 1000) for k in keys] == [549, 338, 961, 145, 313]


def test_chain_depends_on_type_and_id() -> None:
    assert object_key("dossier", "1") != object_key("user", "1")
    assert object_key("a", "b\x1fc") != object_key("a\x1fb", "c")


def test_chains_are_used_evenly() -> None:
    counts = Counter(chain_for("dossier", f"HS-{i}", 16) for i in range(16_000))
    assert set(counts) == set(range(16))
    assert min(counts.values()) > 800  # 1000 expected each


@pytest.mark.parametrize("chains", [1, 2, 7, 16, 100])
def test_growing_the_chain_count_moves_few_objects(chains: int) -> None:
    keys = [object_key("dossier", f"HS-{i}") for i in range(5000)]
    moved = 0
    for key in keys:
        before, after = jump_hash(key, chains), jump_hash(key, chains + 1)
        assert after in (before, chains)  # an object either stays or moves to the new chain
        moved += before != after
    assert moved < 5000 * 2 / (chains + 1) + 50  # ≈ 1/(K+1) of them


def test_hash_covers_every_field() -> None:
    base = entry_hash(**FIELDS)  # type: ignore[arg-type]
    assert len(base) == 64
    changed = {
        "chain": 4,
        "seq": 8,
        "at": FIELDS["at"] + timedelta(microseconds=1),  # type: ignore[operator]
        "actor_id": None,
        "actor_repr": "Nguyen Van An (canbo.an)",
        "action": "read",
        "object_type": "user",
        "object_id": "000.00.01.H29-260302-0002",
        "agency_id": None,
        "data": {"from": "received", "to": "done"},
        "prev_hash": "1" * 64,
    }
    assert set(changed) == set(FIELDS)
    for name, value in changed.items():
        assert entry_hash(**{**FIELDS, name: value}) != base, name  # type: ignore[arg-type]


def test_hash_does_not_depend_on_time_zone_or_key_order() -> None:
    at = FIELDS["at"].astimezone(timezone(timedelta(hours=7)))  # type: ignore[attr-defined]
    data = {"to": "in_progress", "from": "received"}
    assert entry_hash(**{**FIELDS, "at": at, "data": data}) == entry_hash(**FIELDS)  # type: ignore[arg-type]


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        entry_hash(**{**FIELDS, "at": datetime(2026, 3, 2, 8, 15)})  # type: ignore[arg-type]


def test_data_is_normalised_to_plain_json() -> None:
    data = {
        1: (1.5, 1e16, Decimal("12.50"), True, None),
        "set": {"b", "a"},
        "id": UUID(int=1),
        "nul": "a\x00b",
        "when": datetime(2026, 1, 1, tzinfo=UTC),
        "nested": {"tên": ["Nguyễn Thị Bình"]},
    }
    assert normalise_data(data) == {
        "1": ["1.5", "1e+16", "12.50", True, None],
        "set": ["a", "b"],
        "id": "00000000-0000-0000-0000-000000000001",
        "nul": "a\ufffdb",
        "when": "2026-01-01T00:00:00+00:00",
        "nested": {"tên": ["Nguyễn Thị Bình"]},
    }
    assert canonical_json({"b": 1, "a": "ồ"}) == '{"a":"ồ","b":1}'


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@given(
    data=st.dictionaries(st.text(max_size=8), _JSON, max_size=4),
    actor_repr=st.text(max_size=20),
    object_id=st.text(min_size=1, max_size=20),
    agency_id=st.none() | st.integers(min_value=1) | st.just(True),
    actor_id=st.none() | st.integers(min_value=1),
    action=st.text(max_size=12),
    object_type=st.text(max_size=12),
    chain=st.integers(min_value=0, max_value=10_000),
    seq=st.integers(min_value=1),
    prev_hash=st.text(max_size=64),
)
def test_spliced_hash_is_the_hash_of_the_whole_canonical_payload(
    data: dict,
    actor_repr: str,
    object_id: str,
    agency_id: int | None,
    actor_id: int | None,
    action: str,
    object_type: str,
    chain: int,
    seq: int,
    prev_hash: str,
) -> None:
    """``entry_hash_with_data_json`` (bulk writers; the written-out text for the common exact
    types, the encoder otherwise — ``True`` here) gives what hashing the whole payload gives:
    quotes, backslashes, control characters and Vietnamese text included."""

    from motcua.audit.chain import canonical_at, canonical_json, entry_hash

    at = datetime(2026, 3, 2, 2, 0, 0, 123, tzinfo=UTC)
    payload = {
        "v": 1,
        "chain": chain,
        "seq": seq,
        "at": canonical_at(at),
        "actor_id": actor_id,
        "actor_repr": actor_repr,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "agency_id": agency_id,
        "data": data,
        "prev_hash": prev_hash,
    }
    whole = hashlib.sha256(canonical_json(payload).encode()).hexdigest()
    assert whole == entry_hash(
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
        prev_hash=prev_hash,
    )


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_json_values)
def test_canonical_json_is_the_format_1_text(value: object) -> None:
    """The shared encoder writes exactly what format 1 was defined with (``json.dumps`` with
    sorted keys, no spaces, UTF-8 kept): stored hashes stay valid."""
    import json

    assert canonical_json(value) == json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
