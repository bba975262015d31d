"""Writes to the audit log. The only code that creates :class:`AuditEntry` rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from motcua.audit.chain import GENESIS_HASH, MAX_CHAINS, chain_for, entry_hash, normalise_data
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
    heads = AuditChainHead.objects.select_for_update()
    try:
        return heads.get(chain=chain)
    except AuditChainHead.DoesNotExist:
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(chain=chain, seq=0, last_hash=GENESIS_HASH)], ignore_conflicts=True
        )
        return heads.get(chain=chain)


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
        AuditChainHead.objects.filter(chain=chain).update(seq=seq, last_hash=digest)
    return entry


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
