"""Who is calling: an API client (``Authorization: Bearer mc_…``, or ``Authorization: Bearer
<access token>`` obtained with OAuth2 client credentials at ``/api/v1/oauth/token``) or a
signed-in web user (the session cookie, with Django's CSRF check on writes). ``request.auth`` is
a :class:`Principal`. A key and a token authorise exactly alike: the client's agencies, its
rate limit and the call log; a token is further limited to the scopes it was issued for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import ManyToManyField, Model, Q, QuerySet
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.security.base import AuthBase

from motcua.accounts.models import User, UserKind
from motcua.api.errors import ApiError
from motcua.api.models import ApiClient, Scope
from motcua.api.services import (
    api_client_authenticate,
    api_rate_hit,
    oauth_token_authenticate,
)
from motcua.common.sql import Quote, Select, Table, column, table_name
from motcua.dossiers.access import (
    SCOPE_AGENCIES,
    dossiers_visible_to,
    officer_scope_params,
    officer_scope_sql,
    scope_filter,
)
from motcua.dossiers.errors import DossierNotFound
from motcua.dossiers.models import Dossier


@dataclass
class Principal:
    """The caller. ``user`` is who acts in the engine: the session user, or the client's
    service account (``None``: the client acts as the system, for online submissions)."""

    client: ApiClient | None
    user: User | None
    _agency_ids: list[int] | None = None
    #: The scopes of the OAuth2 access token (``None``: an API key, all the client's scopes).
    token_scopes: frozenset[str] | None = None

    @property
    def key(self) -> str:
        if self.client is not None:
            return f"client:{self.client.pk}"
        return f"user:{self.user.pk if self.user else 0}"

    @property
    def is_citizen(self) -> bool:
        return (
            self.client is None
            and self.user is not None
            and self.user.kind in (UserKind.CITIZEN, UserKind.ORGANISATION)
        )

    def require(self, scope: Scope) -> None:
        """A client needs the scope; a web user's role decides in the engine."""
        if self.client is not None and not self.has_scope(scope):
            raise ApiError(403, "scope_missing", details={"scope": scope.value})

    def has_scope(self, scope: Scope | str) -> bool:
        if self.client is None or not self.client.has_scope(scope):
            return False
        return self.token_scopes is None or str(scope) in self.token_scopes

    def scopes(self) -> list[str]:
        """The scopes in force: the client's, narrowed to the token's."""
        if self.client is None:
            return []
        return [s for s in sorted(self.client.scopes or []) if self.has_scope(s)]

    def agency_ids(self) -> list[int]:
        if self.client is None:
            return []
        if self._agency_ids is None:
            self._agency_ids = list(self.client.agencies.values_list("pk", flat=True))
        return self._agency_ids

    def dossiers(self) -> QuerySet[Dossier]:
        """The dossiers the caller may see. A client: those whose receiving, current or
        competent agency is one of its agencies (and, when it acts as an officer, in that
        officer's scope too). A web user: ``dossiers.access`` as on the web pages."""
        if self.client is None:
            return dossiers_visible_to(self.user)
        # The client's agencies and the officer's scope are subqueries: one statement in all.
        ids: Any = self._agency_ids
        if ids is None:
            ids = ApiClient.agencies.through.objects.filter(apiclient_id=self.client.pk).values(
                "agency_id"
            )
        elif not ids:
            return Dossier.objects.none()
        qs = Dossier.objects.filter(
            Q(receiving_agency_id__in=ids)
            | Q(current_agency_id__in=ids)
            | Q(competent_agency_id__in=ids)
        )
        if self.user is not None:
            scope = scope_filter(self.user, subquery=True)
            if scope is None:
                return Dossier.objects.none()
            qs = qs.filter(scope)
        return qs

    def dossier(
        self, code: str, *, related: Sequence[str] = (), lookup: DossierLookup | None = None
    ) -> Dossier:
        """The dossier by code if the caller may see it, else ``DossierNotFound`` (404).
        ``related``: relations loaded with it (``select_related``) in the same statement.
        ``lookup``: the same look-up written once in SQL, loading what the caller reads
        (a client's call; without it and without ``related``, the whole dossier row) — the
        ORM's query building was most of the dossier GET's CPU (docs/benchmarks.md)."""
        code = code.strip()
        fast = lookup if lookup is not None else (None if related else _WHOLE_DOSSIER)
        if fast is not None and fast.applies(self):
            found = fast.find(self, code)
        else:
            qs = self.dossiers().filter(code=code).order_by()
            found = next(iter(qs.select_related(*related)[:1]), None) if related else qs.first()
        if found is None:
            raise DossierNotFound()
        return found


def client_scope_sql(qn: Quote, dossier: str) -> str:
    """The client's part of :meth:`Principal.dossiers` in SQL (``motcua.common.sql``): the
    dossier (alias ``dossier``) was received, is held or is decided in one of the client's
    agencies. Parameters: :func:`client_scope_params`. Written as the ORM writes it (one
    ``IN (subquery)`` per column): PostgreSQL plans it in less time than an ``EXISTS``, which
    it pulls up into the joins. Tested against the ORM (tests/api/test_scoped_sql.py)."""
    field = cast(ManyToManyField[Any, Any], ApiClient._meta.get_field("agencies"))
    through = cast(type[Model], field.remote_field.through)
    agencies = (
        f"SELECT scope_ca.{qn(field.m2m_reverse_name())} FROM {table_name(through, qn)} scope_ca"  # noqa: S608 - metadata names only
        f" WHERE scope_ca.{qn(field.m2m_column_name())} = %s"
    )
    columns = (f"{dossier}.{column(Dossier, name, qn)}" for name in SCOPE_AGENCIES)
    return "(" + " OR ".join(f"{col} IN ({agencies})" for col in columns) + ")"


def client_scope_params(client: ApiClient) -> list[Any]:
    """The parameters of :func:`client_scope_sql`: the client's id, once per column."""
    return [client.pk] * len(SCOPE_AGENCIES)


class DossierLookup:
    """:meth:`Principal.dossier` for an API client, written once in SQL (``Select``): the
    dossier by code within the client's agencies and, when the client acts as an officer,
    within that officer's scope today — the rows of ``Principal.dossiers()``, loading ``base``
    and ``joins`` (what the caller reads, as ``only()`` and ``select_related``). A web user or
    a client acting as a citizen account goes through the ORM."""

    def __init__(self, base: Table, joins: Sequence[tuple[str, Table]] = ()) -> None:
        alias = base.alias

        def by_code(qn: Quote) -> str:
            return f"{alias}.{column(Dossier, 'code', qn)} = %s"

        self.client_only = Select(
            base,
            joins,
            where=lambda qn: f"{by_code(qn)} AND {client_scope_sql(qn, alias)}",
            limit=1,
        )
        self.as_officer = Select(
            base,
            joins,
            where=lambda qn: (
                f"{by_code(qn)} AND {client_scope_sql(qn, alias)}"
                f" AND {officer_scope_sql(qn, alias)}"
            ),
            limit=1,
        )

    def applies(self, principal: Principal) -> bool:
        if principal.client is None:
            return False
        user = principal.user
        return user is None or (
            user.is_active and user.kind not in (UserKind.CITIZEN, UserKind.ORGANISATION)
        )

    def find(self, principal: Principal, code: str) -> Dossier | None:
        """The dossier, else ``None``; only when :meth:`applies`."""
        scope = client_scope_params(cast(ApiClient, principal.client))
        if principal.user is None:
            return cast(Dossier | None, self.client_only.first([code, *scope]))
        params = [code, *scope, *officer_scope_params(principal.user, connection)]
        return cast(Dossier | None, self.as_officer.first(params))


#: ``Principal.dossier(code)``: the whole dossier row, as ``.first()`` loads it.
_WHOLE_DOSSIER = DossierLookup(Table(Dossier, "d"))


def _mark(request: HttpRequest, client: ApiClient | None, user: User | None) -> None:
    request.api_client = client  # type: ignore[attr-defined]
    request.api_user = user  # type: ignore[attr-defined]


def _client_principal(
    request: HttpRequest, client: ApiClient, token_scopes: frozenset[str] | None = None
) -> Principal | None:
    """The principal of an authenticated client: its service account must be active; the call
    counts against the client's per-minute limit (429 beyond it) and is logged as the client's."""
    user = client.user if client.user_id else None
    if user is not None and not user.is_active:
        return None
    _mark(request, client, user)
    decision = api_rate_hit(client)
    if not decision.allowed:
        raise ApiError(
            429,
            "rate_limited",
            details={"limit_per_minute": decision.limit},
            headers={"Retry-After": str(decision.retry_after)},
        )
    return Principal(client=client, user=user, token_scopes=token_scopes)


class ApiKeyAuth(HttpBearer):
    """``Authorization: Bearer mc_<prefix>_<secret>``. A revoked or unknown key is refused at
    once; each call counts against the client's per-minute limit (429 beyond it)."""

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        client = api_client_authenticate(token)
        if client is None:
            return None
        return _client_principal(request, client)


def _oauth_flows() -> dict[str, Any]:
    return {
        "clientCredentials": {
            "tokenUrl": "/api/v1/oauth/token",
            "scopes": {value: str(label) for value, label in Scope.choices},
        }
    }


class OAuth2ClientCredentials(AuthBase):
    """``Authorization: Bearer <access token>`` from ``POST /api/v1/oauth/token`` (RFC 6749
    §4.4, RFC 6750). Declared in the schema as an ``oauth2`` scheme with the client-credentials
    flow. An expired token, or one of a revoked client or secret, is refused at once."""

    openapi_type: str = "oauth2"
    openapi_flows: dict[str, Any] = _oauth_flows()
    openapi_description: str = (
        "OAuth2 client credentials (RFC 6749 §4.4): POST /api/v1/oauth/token với client_id "
        "và client_secret, rồi gửi Authorization: Bearer <access_token>."
    )

    def __call__(self, request: HttpRequest) -> Principal | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        found = oauth_token_authenticate(token.strip())
        if found is None:
            return None
        client, scopes = found
        return _client_principal(request, client, scopes)


class WebSession(APIKeyCookie):
    """The signed-in officer or citizen of the web pages (CSRF checked on writes)."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user: Any = request.user
        if user.is_authenticated and user.is_active:
            _mark(request, None, user)
            return Principal(client=None, user=user)
        return None


class Public:
    """Marker for public operations (catalogue, tracking): no authentication needed."""


AUTH = [ApiKeyAuth(), OAuth2ClientCredentials(), WebSession()]
