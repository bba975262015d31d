"""Writes to the audit log. The only code that creates :class:`AuditEntry` rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from motcua.audit.chain import (
    GENESIS_HASH,
    MAX_CHAINS,
    canonical_json,
    chain_for,
    entry_hash,
    entry_hash_with_data_json,
    entry_text_parts,
    normalise_data,
)
from motcua.audit.models import AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from motcua.accounts.models import User

#: ``action`` of an entry written by :func:`audit_read`.
READ_ACTION = "read"
SYSTEM_ACTOR = "hệ thống"


def audit_chain_count() -> int:
    """K, the number of chains new entries are spread over (``MOTCUA_AUDIT_CHAINS``)."""
    chains = int(getattr(settings, "MOTCUA_AUDIT_CHAINS", 16))
    if not 1 <= chains <= MAX_CHAINS:
        raise ValueError(f"MOTCUA_AUDIT_CHAINS must be between 1 and {MAX_CHAINS}, not {chains}")
    return chains


def _describe_actor(actor: User | None) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, SYSTEM_ACTOR
    username = actor.get_username()
    full_name = getattr(actor, "full_name", "")
    return actor.pk, f"{full_name} ({username})" if full_name else username


def _check_length(name: str, value: str, limit: int) -> None:
    # SQLite would store an over-long value silently and PostgreSQL would refuse it: fail the
    # same way everywhere, before anything is locked.
    if not value:
        raise ValueError(f"audit {name} must not be empty")
    if len(value) > limit:
        raise ValueError(f"audit {name} longer than {limit} characters: {value[:40]!r}…")


def _lock_head(chain: int) -> AuditChainHead:
    """Lock the head row of ``chain`` until the caller's transaction ends, creating it if needed.

    Heads 0–15 come from a data migration; a larger ``MOTCUA_AUDIT_CHAINS`` (or a test database
    flushed with TRUNCATE) gets its heads here. ``ignore_conflicts`` makes two transactions that
    both find the head missing agree on one row instead of one failing.
    """
    found = _select_head_for_update(chain)
    if found is None:
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(chain=chain, seq=0, last_hash=GENESIS_HASH)], ignore_conflicts=True
        )
        found = _select_head_for_update(chain)
    if found is None:  # pragma: no cover - the row was just inserted or already there
        raise AuditChainHead.DoesNotExist(f"audit chain head {chain}")
    return found


def _select_head_for_update(chain: int) -> AuditChainHead | None:
    # ``AuditChainHead.objects.select_for_update().get(chain=chain)`` as plain SQL (it runs on
    # every append; building the ORM query cost more than running it).
    sql = "SELECT chain, seq, last_hash FROM audit_chain_head WHERE chain = %s"
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [chain])
        row = cursor.fetchone()
    if row is None:
        return None
    return AuditChainHead.from_db(connection.alias, ["chain", "seq", "last_hash"], list(row))


def _move_head(chain: int, seq: int, digest: str) -> None:
    # ``AuditChainHead.objects.filter(chain=chain).update(seq=seq, last_hash=digest)``.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_chain_head SET seq = %s, last_hash = %s WHERE chain = %s",
            [seq, digest, chain],
        )


def audit_log(
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: str,
    agency_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (call inside ``transaction.atomic``).

    The entry joins the chain of its object (``chain_for``) behind that chain's head, whose
    row stays locked until the caller commits: a rolled-back business write leaves neither an
    entry nor a gap, and other chains are not held up. Call it as late as possible in the
    transaction — the lock is held from here to the commit. Outside a transaction the entry is
    written in a transaction of its own.

    ``actor`` None (or anonymous) means the system itself. ``data`` is normalised to plain JSON
    (``chain.normalise_data``): record what changed, not whole documents, and no more personal
    data than the purpose needs (rules.md §7). ``at`` defaults to the moment the chain lock is
    obtained, so entries of one chain are in time order.
    """
    object_id = str(object_id)
    _check_length("action", action, 64)
    _check_length("object_type", object_type, 64)
    _check_length("object_id", object_id, 128)
    if at is not None and timezone.is_naive(at):
        raise ValueError("audit moments must be timezone-aware")
    actor_id, actor_repr = _describe_actor(actor)
    actor_repr = actor_repr[:300]
    payload = normalise_data(dict(data or {}))
    chain = chain_for(object_type, object_id, audit_chain_count())

    with transaction.atomic(savepoint=False):
        head = _lock_head(chain)
        moment = timezone.now() if at is None else at
        seq = head.seq + 1
        digest = entry_hash(
            chain=chain,
            seq=seq,
            at=moment,
            actor_id=actor_id,
            actor_repr=actor_repr,
            action=action,
            object_type=object_type,
            object_id=object_id,
            agency_id=agency_id,
            data=payload,
            prev_hash=head.last_hash,
        )
        entry = AuditEntry(
            chain=chain,
            seq=seq,
            at=moment,
            actor_id=actor_id,
            actor_repr=actor_repr,
            action=action,
            object_type=object_type,
            object_id=object_id,
            agency_id=agency_id,
            data=payload,
            prev_hash=head.last_hash,
            hash=digest,
        )
        entry.save(force_insert=True)
        _move_head(chain, seq, digest)
    return entry


@dataclass(frozen=True)
class AuditRecord:
    """One entry for :func:`audit_append_many` (the arguments of :func:`audit_log`)."""

    actor: User | None
    action: str
    object_type: str
    object_id: str
    agency_id: int | None = None
    data: Mapping[str, Any] | None = None
    at: datetime | None = None
    #: ``canonical_json(normalise_data(data))`` when the writer built it already (a bulk writer
    #: whose ``data`` has a fixed shape of plain values); :func:`audit_append_many` checks the
    #: first one of each shape (its keys) per call against the generic encoding and refuses a
    #: batch where they differ.
    data_json: str | None = None


_ENTRY_COLUMNS = (
    "chain",
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


def audit_append_many(records: Sequence[AuditRecord]) -> int:
    """Append ``records`` in order, as that many :func:`audit_log` calls would, in one go.

    Every entry gets the chain, seq, prev_hash and hash ``audit_log`` would give it (same
    ``chain_for``, same ``entry_hash``, entries of one chain in the order given); the heads of
    the chains touched are locked (in chain order, so two batches cannot deadlock) until the
    caller's transaction ends and each moves once, to its chain's last new entry — on
    PostgreSQL the head guard checks the whole run is present and linked (``audit`` migration
    0004). The entries are written with ``COPY`` on PostgreSQL. For bulk writers (the
    simulator); returns the number of entries written.
    """
    if not records:
        return 0
    chains_count = audit_chain_count()
    prepared = []
    chain_of: dict[tuple[str, str], int] = {}  # one object, many entries: hash its key once
    checked: set[tuple[str, ...]] = set()  # the shapes of ``data`` whose encoding was checked
    actors: dict[int, tuple[int | None, str]] = {}
    for r in records:
        object_id = str(r.object_id)
        _check_length("action", r.action, 64)
        _check_length("object_type", r.object_type, 64)
        _check_length("object_id", object_id, 128)
        if r.at is not None and timezone.is_naive(r.at):
            raise ValueError("audit moments must be timezone-aware")
        described = actors.get(id(r.actor))  # the records hold their actors: ids stay unique
        if described is None:
            described = actors[id(r.actor)] = _describe_actor(r.actor)
        actor_id, actor_repr = described
        if r.data_json is None:
            payload = normalise_data(dict(r.data or {}))
        else:
            payload = r.data
            shape = tuple(r.data or ())
            if shape not in checked:  # the writer's encoding, checked once per shape and call
                checked.add(shape)
                if canonical_json(normalise_data(dict(r.data or {}))) != r.data_json:
                    raise ValueError(f"audit data_json is not the canonical JSON of {r.data!r}")
        prepared.append(
            (
                chain_of.get((r.object_type, object_id))
                or chain_of.setdefault(
                    (r.object_type, object_id), chain_for(r.object_type, object_id, chains_count)
                ),
                actor_id,
                actor_repr[:300],
                r,
                object_id,
                payload,
            )
        )
    with transaction.atomic(savepoint=False):
        heads = {c: _lock_head(c) for c in sorted({p[0] for p in prepared})}
        state = {c: (h.seq, h.last_hash) for c, h in heads.items()}
        now = timezone.now()
        rows: list[tuple[Any, ...]] = []
        for chain, actor_id, actor_repr, r, object_id, payload in prepared:
            seq, prev = state[chain]
            seq += 1
            moment = now if r.at is None else r.at
            # Hashed, and stored as is on PostgreSQL.
            data_json = canonical_json(payload) if r.data_json is None else r.data_json
            digest = entry_hash_with_data_json(
                chain=chain,
                seq=seq,
                at=moment,
                actor_id=actor_id,
                actor_repr=actor_repr,
                action=r.action,
                object_type=r.object_type,
                object_id=object_id,
                agency_id=r.agency_id,
                data_json=data_json,
                prev_hash=prev,
            )
            state[chain] = (seq, digest)
            rows.append(
                (
                    chain,
                    seq,
                    moment,
                    actor_id,
                    actor_repr,
                    r.action,
                    r.object_type,
                    object_id,
                    r.agency_id,
                    payload,
                    prev,
                    digest,
                    data_json,
                )
            )
        _insert_entries(rows)
        for chain, (seq, digest) in state.items():
            _move_head(chain, seq, digest)
    return len(rows)


def _as_is(text: str) -> str:
    """The ``dumps`` of a JSON value already serialised."""
    return text


def _insert_entries(rows: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        from motcua.common.copy import copy_tuples

        copy_tuples(
            AuditEntry,
            _ENTRY_COLUMNS,
            (
                # The canonical JSON text when the caller has it (sent as is: jsonb parses it),
                # else the data for psycopg to serialise.
                (
                    *row[:9],
                    Jsonb(row[12], dumps=_as_is) if len(row) > 12 else Jsonb(row[9]),
                    *row[10:12],
                )
                for row in rows
            ),
        )
        return
    # ``AuditEntry.objects`` refuses bulk inserts so that no caller places entries in a chain
    # by hand; this function computed each entry's place exactly as ``audit_log`` does.
    entries = [AuditEntry(**dict(zip(_ENTRY_COLUMNS, row[:12], strict=True))) for row in rows]
    models.QuerySet(AuditEntry).bulk_create(entries, batch_size=2000)  # type: ignore[arg-type]


# --- one statement per entry (PostgreSQL) ------------------------------------------------------

#: The entry's canonical text (``chain.entry_hash_with_data_json``) is spliced together in SQL
#: around the three values only known once the head is locked: the moment, ``prev_hash`` and
#: ``seq``; ``sha256`` is PostgreSQL's own (11+). ``t`` is MATERIALIZED so the moment is read
#: once, after the lock (entries of a chain stay in time order, as with :func:`audit_log`).
_APPEND_ONE_SQL = """
WITH h AS (
    SELECT seq, last_hash FROM audit_chain_head WHERE chain = %s::smallint FOR UPDATE
), t AS MATERIALIZED (
    SELECT h.seq + 1 AS seq, h.last_hash AS prev, clock_timestamp() AS at FROM h
), e AS (
    INSERT INTO audit_entry (chain, seq, at, actor_id, actor_repr, action, object_type,
                             object_id, agency_id, data, prev_hash, hash)
    SELECT %s::smallint, t.seq, t.at, %s::bigint, %s::text, %s::text, %s::text, %s::text,
           %s::bigint, %s::jsonb, t.prev,
           encode(sha256(convert_to(
               %s::text || to_char(t.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
               || %s::text || t.prev || '","seq":' || t.seq::text || ',"v":1}', 'UTF8')), 'hex')
    FROM t
    RETURNING seq, hash
), m AS (
    UPDATE audit_chain_head SET seq = e.seq, last_hash = e.hash FROM e
    WHERE audit_chain_head.chain = %s::smallint
    RETURNING audit_chain_head.seq
)"""


def audit_log_with(record: AuditRecord, also: Sequence[tuple[str, Sequence[Any]]] = ()) -> bool:
    """:func:`audit_log` of ``record`` in one statement on PostgreSQL, together with ``also``:
    further data-modifying ``name AS (INSERT …)`` clauses run in that same statement (the API's
    call log). Locks the chain's head, inserts the entry (its hash computed by PostgreSQL over
    the same canonical text, so ``motcua audit verify`` checks it like any other) and moves the
    head, in the caller's transaction — one round trip instead of three.

    Returns ``False`` when the chain has no head yet (a larger ``MOTCUA_AUDIT_CHAINS``, a
    flushed test database): ``also`` ran but the entry was not written — the caller writes it
    with :func:`audit_log` in the same transaction. PostgreSQL only, and ``record.at`` must be
    ``None`` (the moment is the database's, taken once the lock is held)."""
    if connection.vendor != "postgresql":
        raise ValueError("audit_log_with needs PostgreSQL")
    if record.at is not None:
        raise ValueError("audit_log_with takes its moment from the database")
    object_id = str(record.object_id)
    _check_length("action", record.action, 64)
    _check_length("object_type", record.object_type, 64)
    _check_length("object_id", object_id, 128)
    actor_id, actor_repr = _describe_actor(record.actor)
    actor_repr = actor_repr[:300]
    data_json = canonical_json(normalise_data(dict(record.data or {})))
    chain = chain_for(record.object_type, object_id, audit_chain_count())
    before_at, after_at = entry_text_parts(
        chain=chain,
        actor_id=actor_id,
        actor_repr=actor_repr,
        action=record.action,
        object_type=record.object_type,
        object_id=object_id,
        agency_id=record.agency_id,
        data_json=data_json,
    )
    # The SQL writes the moment without its offset: the "+00:00" goes in front of the rest.
    after_at = "+00:00" + after_at
    sql = _APPEND_ONE_SQL
    params: list[Any] = [
        chain,
        chain,
        actor_id,
        actor_repr,
        record.action,
        record.object_type,
        object_id,
        record.agency_id,
        data_json,
        before_at,
        after_at,
        chain,
    ]
    for clause, clause_params in also:
        sql += f", {clause}"
        params.extend(clause_params)
    sql += " SELECT count(*) FROM m"
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(sql, params)
        moved = int(cursor.fetchone()[0])
    return moved == 1


def audit_read(
    *,
    actor: User,
    object_type: str,
    object_id: str,
    fields: Sequence[str],
    agency_id: int | None = None,
    purpose: str = "",
) -> AuditEntry:
    """Record a read of personal data (action ``"read"``): who saw which fields of what, and why.

    Every view, export and print of dossier data by an official is logged (rules.md §7;
    TT 22/2019 Đ6o; ND118 Điều 5 forbids disclosure). ``fields`` names the personal-data
    fields shown (not their values: the log must not become a second copy of the data).
    """
    if isinstance(fields, str):
        raise TypeError("fields is a sequence of field names, not one string")
    if not fields:
        raise ValueError("audit_read needs the names of the fields that were read")
    return audit_log(
        actor=actor,
        action=READ_ACTION,
        object_type=object_type,
        object_id=object_id,
        agency_id=agency_id,
        data={"fields": sorted(set(fields)), "purpose": purpose},
    )
