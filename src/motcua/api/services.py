"""API clients: issuing and revoking keys, authenticating a call, the rate limit, the call log
and idempotent writes. The only code that writes the models of ``motcua.api``."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from motcua.accounts.models import User
from motcua.agencies.models import Agency
from motcua.api.models import ApiCall, ApiClient, IdempotencyRecord, RateWindow, Scope
from motcua.audit.services import AuditRecord, audit_log, audit_log_with
from motcua.common.errors import ValidationFailed
from motcua.common.sql import Select, Table, column

KEY_PREFIX = "mc_"
_PREFIX_LEN = 12


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _check_scopes(scopes: Iterable[str]) -> list[str]:
    known = set(Scope.values)
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise ValidationFailed(f"Quyền thao tác không hợp lệ: {', '.join(unknown)}.")
    return chosen


def api_client_create(
    *,
    actor: User | None,
    name: str,
    scopes: Iterable[str],
    agencies: Iterable[Agency] = (),
    user: User | None = None,
    rate_limit_per_minute: int = 120,
    description: str = "",
) -> tuple[ApiClient, str]:
    """Create a client and return it with its key, which is shown once and never stored."""
    if not name.strip():
        raise ValidationFailed("Phải đặt tên cho hệ thống kết nối.")
    client = ApiClient(
        name=name.strip(),
        description=description,
        user=user,
        scopes=_check_scopes(scopes),
        rate_limit_per_minute=rate_limit_per_minute,
    )
    key = api_client_set_key(client)
    with transaction.atomic():
        client.save()
        client.agencies.set(list(agencies))
        audit_log(
            actor=actor,
            action="api.client_create",
            object_type="api_client",
            object_id=str(client.pk),
            data={"name": client.name, "scopes": client.scopes},
        )
    return client, key


def api_client_set_key(client: ApiClient) -> str:
    """Give ``client`` a fresh key (not saved): ``mc_<12 characters>_<secret>``."""
    prefix = secrets.token_hex(_PREFIX_LEN // 2)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    client.key_prefix = prefix
    client.key_hash = _hash(key)
    return key


def api_client_rotate(*, actor: User | None, client: ApiClient) -> str:
    """Replace the key: the old key stops working at once."""
    key = api_client_set_key(client)
    with transaction.atomic():
        client.save(update_fields=["key_prefix", "key_hash"])
        audit_log(
            actor=actor,
            action="api.client_rotate",
            object_type="api_client",
            object_id=str(client.pk),
        )
    return key


def api_client_revoke(*, actor: User | None, client: ApiClient) -> None:
    """Revoke: the next call with the key is refused (no cache)."""
    with transaction.atomic():
        client.is_active = False
        client.revoked_at = timezone.now()
        client.save(update_fields=["is_active", "revoked_at"])
        audit_log(
            actor=actor,
            action="api.client_revoke",
            object_type="api_client",
            object_id=str(client.pk),
        )


#: ``ApiClient.objects.select_related("user").filter(key_prefix=…).first()``, every field.
_BY_PREFIX = Select(
    Table(ApiClient, "k"),
    [("user", Table(User, "u"))],
    where=lambda qn: f"k.{column(ApiClient, 'key_prefix', qn)} = %s",
)


def api_client_authenticate(key: str) -> ApiClient | None:
    """The active client holding ``key``, else ``None`` (compared in constant time)."""
    key = key.strip()
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    prefix = key[len(KEY_PREFIX) : len(KEY_PREFIX) + _PREFIX_LEN]
    # The service account in the same statement (the caller checks it is active), written once
    # in SQL: the ORM's query building cost more CPU than the indexed look-up (unique prefix).
    client = _BY_PREFIX.first([prefix])
    if client is None or not hmac.compare_digest(client.key_hash, _hash(key)):
        return None
    if not client.is_active or client.revoked_at is not None:
        return None
    return client


# --- rate limit -----------------------------------------------------------------------------

_RATE_SQL = (
    "INSERT INTO api_ratewindow (client_id, minute, count) VALUES (%s, %s, 1) "
    "ON CONFLICT (client_id, minute) DO UPDATE SET count = api_ratewindow.count + 1 "
    "RETURNING count"
)
#: The same upsert with ``synchronous_commit`` off for its own transaction, in one statement
#: (``set_config(…, true)`` is ``SET LOCAL``; the commit reads it at its end).
_RATE_SQL_RELAXED = (
    "INSERT INTO api_ratewindow (client_id, minute, count) "
    "SELECT %s, %s, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed "
    "ON CONFLICT (client_id, minute) DO UPDATE SET count = api_ratewindow.count + 1 "
    "RETURNING count"
)


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


def api_rate_hit(client: ApiClient, *, now: dt.datetime | None = None) -> RateDecision:
    """Count one call in the client's current minute (one upsert, atomic on PostgreSQL and
    SQLite) and say whether it is within the limit."""
    moment = now or timezone.now()
    window = connection.ops.adapt_datetimefield_value(moment.replace(second=0, microsecond=0))
    with connection.cursor() as cursor:
        if _may_relax():
            # Its own transaction (autocommit): one statement, committed without the WAL flush.
            cursor.execute(_RATE_SQL_RELAXED, [client.pk, window])
        else:
            cursor.execute(_RATE_SQL, [client.pk, window])
        count = int(cursor.fetchone()[0])
    limit = client.rate_limit_per_minute
    retry = 60 - moment.second
    return RateDecision(count <= limit, limit, max(limit - count, 0), retry)


# --- call log -------------------------------------------------------------------------------


def _may_relax() -> bool:
    """Counters and the call log need not wait for the WAL flush (PostgreSQL): a crash may lose
    the last few milliseconds of them, never a dossier write or an audit entry (those stay
    synchronous). Only for a statement that is its own transaction: inside a caller's
    transaction ``SET LOCAL`` would relax the caller's commit too."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


#: ``last_used_at`` is written at most this often (not on every call).
LAST_USED_EVERY = dt.timedelta(minutes=1)


_CALL_INSERT = (
    "INSERT INTO api_apicall "
    "(at, client_id, user_id, method, path, status, duration_ms, ip, idempotency_key) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s::inet, %s)"
)
#: The same, committed without the WAL flush, in one statement (autocommit only).
_CALL_INSERT_RELAXED = (
    "INSERT INTO api_apicall "
    "(at, client_id, user_id, method, path, status, duration_ms, ip, idempotency_key) "
    "SELECT %s, %s, %s, %s, %s, %s, %s, %s::inet, %s "
    "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed"
)


def api_read_record(request: HttpRequest, record: AuditRecord) -> None:
    """Audit a read of personal data made while answering ``request`` (rules.md §7).

    Under the call-log middleware the entry is written with the call's log row, in the same
    transaction and — on PostgreSQL — the same statement, committed synchronously before the
    response leaves (a failed write turns the answer into a 500: nothing is shown unaudited).
    Without the middleware (a view called directly) it is written at once."""
    pending = getattr(request, "api_reads", None)
    if isinstance(pending, list):
        pending.append(record)
        return
    _audit_now(record)


def _audit_now(record: AuditRecord) -> None:
    audit_log(
        actor=record.actor,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        agency_id=record.agency_id,
        data=record.data,
        at=record.at,
    )


def api_call_log(
    *,
    at: dt.datetime,
    client: ApiClient | None,
    user: User | None,
    method: str,
    path: str,
    status: int,
    duration_ms: int,
    ip: str | None,
    idempotency_key: str = "",
    reads: Sequence[AuditRecord] = (),
) -> None:
    """Log one call, and write the audit entries of the personal data it read (``reads``,
    :func:`api_read_record`) in the same transaction. A call that read nothing is logged
    without waiting for the WAL flush; one that read is committed synchronously (audit)."""
    values: list[Any] = [
        at,
        client.pk if client is not None else None,
        user.pk if user is not None else None,
        method[:8],
        path[:300],
        status,
        max(duration_ms, 0),
        ip,
        idempotency_key[:200],
    ]
    touch = client is not None and (
        client.last_used_at is None or at - client.last_used_at >= LAST_USED_EVERY
    )
    if connection.vendor != "postgresql":
        with transaction.atomic():
            for record in reads:
                _audit_now(record)
            ApiCall.objects.create(
                at=at,
                client=client,
                user=user,
                method=values[3],
                path=values[4],
                status=status,
                duration_ms=values[6],
                ip=ip,
                idempotency_key=values[8],
            )
            if touch:
                ApiClient.objects.filter(pk=client.pk).update(last_used_at=at)  # type: ignore[union-attr]
        return
    if not reads:
        relax = _may_relax()
        with connection.cursor() as cursor:
            if relax and not touch:
                # One statement, its own transaction, committed without the WAL flush.
                cursor.execute(_CALL_INSERT_RELAXED, values)
                return
        with transaction.atomic(), connection.cursor() as cursor:
            if relax:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(_CALL_INSERT, values)
            if touch:
                ApiClient.objects.filter(pk=client.pk).update(last_used_at=at)  # type: ignore[union-attr]
        return
    with transaction.atomic():
        # The first read and the call's log row: one statement (audit_log_with).
        first, *rest = reads
        call = (f"call AS ({_CALL_INSERT})", values)
        if not audit_log_with(first, also=[call]):
            _audit_now(first)  # the call row is written; the entry by the usual path
        for record in rest:
            _audit_now(record)
        if touch:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=at)  # type: ignore[union-attr]


# --- idempotency ----------------------------------------------------------------------------


class IdempotencyMismatch(ValidationFailed):
    code = "idempotency_key_reused"


def request_hash(payload: Any) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def idempotent(
    *,
    principal: str,
    key: str | None,
    method: str,
    path: str,
    payload: Any,
    run: Callable[[], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """Run the write ``run`` (returning ``(status, JSON body)``) at most once per
    ``(principal, key)``. Returns ``(status, body, replayed)``.

    The record is inserted first, in the write's own transaction: a concurrent retry with the
    same key waits on the unique index until the first commits, then reads its answer. A failed
    write rolls back its record too, so a retry after an error runs again.
    """
    if not key:
        status, body = run()
        return status, body, False
    key = key.strip()
    if not key or len(key) > 200:
        raise ValidationFailed("Idempotency-Key phải có từ 1 đến 200 ký tự.")
    digest = request_hash({"method": method, "path": path, "payload": payload})
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                principal=principal,
                key=key,
                method=method,
                path=path[:300],
                request_hash=digest,
                status_code=0,
            )
            status, body = run()
            record.status_code = status
            record.response = body
            record.save(update_fields=["status_code", "response"])
    except IntegrityError:
        found = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if found is None:  # pragma: no cover - the other write rolled back meanwhile
            raise
        if found.request_hash != digest:
            raise IdempotencyMismatch(
                "Idempotency-Key này đã được dùng cho một yêu cầu khác; hãy dùng khóa mới."
            ) from None
        return found.status_code, found.response, True
    return status, body, False


#: How long the first answer to an ``Idempotency-Key`` is kept for replays.
IDEMPOTENCY_KEEP = dt.timedelta(days=7)


def api_housekeeping(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Drop rate windows older than 10 minutes and idempotency records older than 7 days (the
    call log is kept: it is the record of who called what)."""
    moment = now or timezone.now()
    windows, _ = RateWindow.objects.filter(minute__lt=moment - dt.timedelta(minutes=10)).delete()
    records, _ = IdempotencyRecord.objects.filter(created_at__lt=moment - IDEMPOTENCY_KEEP).delete()
    return {"rate_windows": windows, "idempotency_records": records}


# --- OAuth2 client credentials (RFC 6749 §4.4) ----------------------------------------------

OAUTH_CLIENT_PREFIX = "mcc_"
OAUTH_SECRET_PREFIX = "mcs_"  # noqa: S105 - a prefix, not a secret
#: Lifetime of an access token (seconds): short, since it cannot be refreshed (§4.4.3).
OAUTH_TOKEN_SECONDS = 900
OAUTH_ISSUER = "urn:motcua"
OAUTH_AUDIENCE = "motcua-api"
_OAUTH_ALGORITHM = "HS256"


def api_client_issue_secret(*, actor: User | None, client: ApiClient) -> tuple[str, str]:
    """Give ``client`` a new OAuth2 client secret and return ``(client_id, secret)``; the
    secret is shown once and stored as its SHA-256 hash (it is random, 32 bytes). The
    ``client_id`` stays the same across new secrets; tokens of the previous secret stop
    working at once (they carry the secret's id)."""
    secret = f"{OAUTH_SECRET_PREFIX}{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        if not client.oauth_client_id:
            client.oauth_client_id = f"{OAUTH_CLIENT_PREFIX}{secrets.token_hex(12)}"
        client.oauth_secret_hash = _hash(secret)
        client.oauth_secret_id = secrets.token_hex(8)
        client.oauth_secret_issued_at = timezone.now()
        client.save(
            update_fields=[
                "oauth_client_id",
                "oauth_secret_hash",
                "oauth_secret_id",
                "oauth_secret_issued_at",
            ]
        )
        audit_log(
            actor=actor,
            action="api.client_secret_issue",
            object_type="api_client",
            object_id=str(client.pk),
            data={"client_id": client.oauth_client_id},
        )
    return client.oauth_client_id, secret


def api_client_revoke_secret(*, actor: User | None, client: ApiClient) -> None:
    """Remove the client secret: no new token, and the tokens issued with it are refused at
    the next call."""
    with transaction.atomic():
        client.oauth_secret_hash = ""
        client.oauth_secret_id = ""
        client.save(update_fields=["oauth_secret_hash", "oauth_secret_id"])
        audit_log(
            actor=actor,
            action="api.client_secret_revoke",
            object_type="api_client",
            object_id=str(client.pk),
        )


def _usable(client: ApiClient) -> bool:
    return client.is_active and client.revoked_at is None and bool(client.oauth_secret_hash)


def oauth_client_authenticate(client_id: str, secret: str) -> ApiClient | None:
    """The active client with this ``client_id`` and secret, else ``None`` (constant-time
    comparison of the hashes; an unknown id costs the same hash)."""
    if not client_id or len(client_id) > 40 or len(secret) > 200:
        return None
    client = ApiClient.objects.filter(oauth_client_id=client_id).first()
    digest = _hash(secret)
    if client is None or not client.oauth_secret_hash:
        hmac.compare_digest(digest, digest)
        return None
    if not hmac.compare_digest(client.oauth_secret_hash, digest) or not _usable(client):
        return None
    return client


def _oauth_key() -> Any:
    raw = salted_hmac("motcua.api.oauth.token", "signing-key", secret=settings.SECRET_KEY)
    return OctKey.import_key(raw.digest())


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scopes: tuple[str, ...]


class ScopeNotGranted(ValueError):
    """A requested scope is unknown or not granted to the client (``invalid_scope``)."""


def oauth_token_issue(
    client: ApiClient, requested: str | None, *, now: dt.datetime | None = None
) -> IssuedToken:
    """A bearer access token for ``client`` (RFC 6749 §4.4.3): a JWT signed with a key derived
    from ``SECRET_KEY`` (joserfc, HS256) carrying the client, the secret's id, the scopes and
    the expiry. ``requested`` is the space-separated ``scope`` parameter (§3.3): it must be a
    subset of the client's scopes; omitted, the token gets all of them."""
    granted = set(client.scopes or [])
    if requested is None or not requested.strip():
        scopes = sorted(granted)
    else:
        wanted = set(requested.split())
        if not wanted <= granted:
            raise ScopeNotGranted(" ".join(sorted(wanted - granted)))
        scopes = sorted(wanted)
    moment = now or timezone.now()
    issued = int(moment.timestamp())
    claims = {
        "iss": OAUTH_ISSUER,
        "aud": OAUTH_AUDIENCE,
        "sub": str(client.pk),
        "client_id": client.oauth_client_id,
        "sid": client.oauth_secret_id,
        "scope": " ".join(scopes),
        "iat": issued,
        "exp": issued + OAUTH_TOKEN_SECONDS,
        "jti": secrets.token_hex(12),
    }
    token = jwt.encode({"alg": _OAUTH_ALGORITHM, "typ": "at+jwt"}, claims, _oauth_key())
    return IssuedToken(token, OAUTH_TOKEN_SECONDS, tuple(scopes))


def oauth_token_authenticate(
    token: str, *, now: dt.datetime | None = None
) -> tuple[ApiClient, frozenset[str]] | None:
    """The client and the token's scopes, else ``None``: bad signature, other issuer or
    audience, expired, the client revoked or inactive, or the secret revoked or replaced."""
    if len(token) > 2000 or token.count(".") != 2:
        return None
    try:
        decoded = jwt.decode(token, _oauth_key(), algorithms=[_OAUTH_ALGORITHM])
    except (JoseError, ValueError, TypeError):
        return None
    claims = decoded.claims
    moment = (now or timezone.now()).timestamp()
    if (
        decoded.header.get("typ") != "at+jwt"
        or claims.get("iss") != OAUTH_ISSUER
        or claims.get("aud") != OAUTH_AUDIENCE
        or not isinstance(claims.get("exp"), int)
        or claims["exp"] <= moment
        or not isinstance(claims.get("sub"), str)
        or not claims["sub"].isdigit()
        or not isinstance(claims.get("scope"), str)
    ):
        return None
    client = ApiClient.objects.filter(pk=int(claims["sub"])).first()
    if client is None or not _usable(client):
        return None
    if not client.oauth_secret_id or not hmac.compare_digest(
        client.oauth_secret_id, str(claims.get("sid", ""))
    ):
        return None
    return client, frozenset(claims["scope"].split())
