"""Pure functions of the hash chain: chain assignment, canonical form, entry hash. No ORM.

Everything that decides whether an entry is intact lives here, so ``services`` (which writes
entries) and ``verify`` (which re-checks them) cannot drift apart.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

#: ``prev_hash`` of the first entry of every chain.
GENESIS_HASH: Final = "0" * 64

#: Chain numbers are stored in a PostgreSQL ``smallint``.
MAX_CHAINS: Final = 32767

_JUMP_MULTIPLIER: Final = 2862933555777941757
_MASK64: Final = (1 << 64) - 1


def object_key(object_type: str, object_id: str) -> int:
    """A stable 64-bit key of an object: the same in every process, Python version and host.

    (Python's ``hash()`` is salted per process, so it cannot be used.)
    """
    raw = canonical_json([object_type, object_id]).encode()  # unambiguous, unlike "a:b"
    return int.from_bytes(hashlib.sha256(raw).digest()[:8], "big")


def jump_hash(key: int, buckets: int) -> int:
    """Jump consistent hash (Lamping & Veach, 2014): a bucket in ``range(buckets)``.

    Unlike ``key % buckets``, growing from K to K+1 buckets moves only 1/(K+1) of the keys
    (``%`` moves almost all of them), so raising ``MOTCUA_AUDIT_CHAINS`` keeps most objects'
    entries in the chain they already use.
    """
    if buckets < 1:
        raise ValueError("buckets must be at least 1")
    key &= _MASK64
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _JUMP_MULTIPLIER + 1) & _MASK64
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b


def chain_for(object_type: str, object_id: str, chains: int) -> int:
    """The chain that holds the entries of one object, so they are totally ordered there."""
    return jump_hash(object_key(object_type, object_id), chains)


def normalise_data(value: Any) -> Any:
    """Turn ``data`` into plain JSON that survives a round trip through every database unchanged.

    The hash is computed over what is stored, so the stored value must read back identically
    from SQLite's text JSON and PostgreSQL's ``jsonb``: keys become strings; tuples and sets
    become lists (sets sorted); floats, ``Decimal``, dates, UUIDs and other objects become
    their string form (``jsonb`` rewrites ``1e16`` as ``10000000000000000``, which would read
    back as an int); NUL characters, which ``jsonb`` refuses, become U+FFFD.
    """
    kind = type(value)
    if kind is str:  # the common cases first, by exact type (no Enum or subclass here)
        return value if "\x00" not in value else value.replace("\x00", "\ufffd")
    if kind is int or value is None or kind is bool:
        return value
    if kind is dict:
        return {
            (k if type(k) is str and "\x00" not in k else normalise_data(str(k))): (
                v
                if type(v) is int or v is None or (type(v) is str and "\x00" not in v)
                else normalise_data(v)
            )
            for k, v in value.items()
        }
    if kind is list:
        return [x if type(x) is str and "\x00" not in x else normalise_data(x) for x in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)  # an IntEnum member becomes its plain value
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {normalise_data(str(k)): normalise_data(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((normalise_data(v) for v in value), key=canonical_json)
    if isinstance(value, list | tuple):
        return [normalise_data(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return normalise_data(str(value))


#: ``json.dumps(…, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` builds this very
#: encoder on every call; one shared instance gives the same text without that cost.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


#: The encoder's own string escaping (``ensure_ascii=False``), as ``canonical_json`` applies it.
json_string = json.encoder.encode_basestring


def json_number(value: int | None) -> str:
    return "null" if value is None else int.__repr__(value)


def entry_text_parts(
    *,
    chain: int,
    actor_id: int | None,
    actor_repr: str,
    action: str,
    object_type: str,
    object_id: str,
    agency_id: int | None,
    data_json: str,
) -> tuple[str, str]:
    """The canonical text of an entry (format 1) around the values a writer may only know late:
    ``before_at + canonical_at(at) + after_at + prev_hash + '","seq":<seq>,"v":1}'`` is exactly
    ``canonical_json`` of the whole payload when ``prev_hash`` needs no escaping (hex). Used by
    the bulk writers and by the one-statement append, which splices the moment, ``prev_hash``
    and ``seq`` in SQL (``audit.services.audit_log_with``)."""
    before_at = (
        f'{{"action":{json_string(action)},"actor_id":{json_number(actor_id)},'
        f'"actor_repr":{json_string(actor_repr)},"agency_id":{json_number(agency_id)},"at":"'
    )
    after_at = (
        f'","chain":{int(chain)},"data":{data_json},"object_id":{json_string(object_id)},'
        f'"object_type":{json_string(object_type)},"prev_hash":"'
    )
    return before_at, after_at


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept as is: one text per value."""
    return _CANONICAL.encode(value)


def canonical_at(at: datetime) -> str:
    """The moment in UTC with microseconds (both databases keep microseconds)."""
    if at.tzinfo is None:
        raise ValueError("audit moments must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    chain: int,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_repr: str,
    action: str,
    object_type: str,
    object_id: str,
    agency_id: int | None,
    data: Any,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) over the canonical JSON of every field of the entry, ``prev_hash`` included.

    Version 1 of the format. Changing the field list or the encoding would invalidate every
    stored hash: a new format needs a new version marker stored per entry.
    """
    return entry_hash_with_data_json(
        chain=chain,
        seq=seq,
        at=at,
        actor_id=actor_id,
        actor_repr=actor_repr,
        action=action,
        object_type=object_type,
        object_id=object_id,
        agency_id=agency_id,
        data_json=canonical_json(data),
        prev_hash=prev_hash,
    )


def entry_hash_with_data_json(
    *,
    chain: int,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_repr: str,
    action: str,
    object_type: str,
    object_id: str,
    agency_id: int | None,
    data_json: str,
    prev_hash: str,
) -> str:
    """:func:`entry_hash` given ``canonical_json(data)`` (bulk writers store that same text).

    The canonical JSON of the whole entry is that of its fields in key order, so it is spliced
    together around ``data_json``: the keys before ``"data"``, then ``data``, then the rest —
    exactly the text ``canonical_json`` of the whole payload gives (tested)."""
    if (
        type(chain) is int
        and type(seq) is int
        and (actor_id is None or type(actor_id) is int)
        and (agency_id is None or type(agency_id) is int)
        and type(prev_hash) is str
        and (not prev_hash or prev_hash.isalnum())  # nothing to escape (hex in practice)
    ):
        # A bulk writer hashes millions of entries: the fixed-key text written out
        # (``entry_text_parts``), not encoded as two small objects. Tested by hypothesis.
        before_at, after_at = entry_text_parts(
            chain=chain,
            actor_id=actor_id,
            actor_repr=actor_repr,
            action=action,
            object_type=object_type,
            object_id=object_id,
            agency_id=agency_id,
            data_json=data_json,
        )
        text = f'{before_at}{canonical_at(at)}{after_at}{prev_hash}","seq":{seq},"v":1}}'
        return hashlib.sha256(text.encode()).hexdigest()
    head = canonical_json(
        {
            "action": action,
            "actor_id": actor_id,
            "actor_repr": actor_repr,
            "agency_id": agency_id,
            "at": canonical_at(at),
            "chain": chain,
        }
    )
    tail = canonical_json(
        {
            "object_id": object_id,
            "object_type": object_type,
            "prev_hash": prev_hash,
            "seq": seq,
            "v": 1,
        }
    )
    text = f'{head[:-1]},"data":{data_json},{tail[1:]}'
    return hashlib.sha256(text.encode()).hexdigest()
