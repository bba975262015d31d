"""The OAuth2 token endpoint for the client-credentials grant (RFC 6749 §4.4):
``POST /api/v1/oauth/token``.

Why not authlib's Django OAuth2 server: it brings its own client and token models (a token row
written per issue) and the machinery of every grant, for the one grant machines need here.
The endpoint is small, so it is written out against the RFC; the token is a JWT signed with
joserfc (already a dependency, HS256 with a key derived from ``SECRET_KEY``), verified on every
call together with the client row that the API reads anyway — so revoking the client or its
secret refuses its tokens at the next call without a token table (docs/integration.md).

* Client authentication (§2.3.1): HTTP Basic (``client_id:client_secret``, each
  form-urlencoded first) or ``client_id`` + ``client_secret`` in the form body; using both is
  ``invalid_request``. A wrong or revoked client is ``invalid_client`` (401 with
  ``WWW-Authenticate: Basic``).
* ``scope`` (§3.3) must be a subset of the client's scopes (``invalid_scope``); omitted, the
  token gets all of them. A client whose service account is deactivated, or which has no scope
  at all, cannot use the grant (``invalid_grant``).
* The answer (§5.1) has ``access_token``, ``token_type`` ``Bearer``, ``expires_in`` and
  ``scope``, with ``Cache-Control: no-store``; errors have the §5.2 shape
  ``{"error", "error_description"}`` (the description in Vietnamese or English by
  ``Accept-Language``).
* Rate limit: at most ``MOTCUA_OAUTH_TOKEN_PER_MINUTE_IP`` requests a minute from one IP
  address and ``MOTCUA_OAUTH_TOKEN_PER_MINUTE_CLIENT`` for one ``client_id`` (valid or not),
  counted in the project's cache-based limiter (``portal.ratelimit.hit``, shared by every
  server through ``MOTCUA_CACHE_URL``) *before* the secret is checked, so that guessing a
  secret is throttled; beyond it 429 ``rate_limited`` in the §5.2 shape with ``Retry-After``.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema
from pydantic import Field

from motcua.accounts.services import client_ip
from motcua.api.errors import english
from motcua.api.models import ApiClient
from motcua.api.services import (
    OAUTH_TOKEN_SECONDS,
    ScopeNotGranted,
    oauth_client_authenticate,
    oauth_token_issue,
)
from motcua.portal.ratelimit import hit

router = Router(tags=["oauth"])

#: error → (Vietnamese, English) description (RFC 6749 §5.2).
OAUTH_ERRORS: dict[str, tuple[str, str]] = {
    "invalid_request": (
        "Yêu cầu thiếu tham số bắt buộc, lặp tham số hoặc dùng nhiều cách xác thực client.",
        "The request is missing a parameter, repeats one, or uses more than one client "
        "authentication method.",
    ),
    "invalid_client": (
        "Xác thực client thất bại (client_id hoặc client_secret sai, hoặc đã bị thu hồi).",
        "Client authentication failed (unknown client, wrong secret, or revoked).",
    ),
    "invalid_grant": (
        "Hệ thống kết nối không thể nhận mã truy cập (tài khoản thực hiện bị khóa hoặc chưa "
        "được cấp quyền thao tác nào).",
        "This client cannot be granted a token (its service account is deactivated or it holds "
        "no scope).",
    ),
    "unsupported_grant_type": (
        "Chỉ hỗ trợ grant_type=client_credentials.",
        "Only grant_type=client_credentials is supported.",
    ),
    "invalid_scope": (
        "Phạm vi (scope) yêu cầu không hợp lệ hoặc vượt quá quyền đã cấp cho hệ thống.",
        "The requested scope is invalid or exceeds the scopes granted to the client.",
    ),
    "rate_limited": (
        "Quá nhiều yêu cầu cấp mã truy cập trong một phút; hãy thử lại sau số giây ghi ở "
        "Retry-After.",
        "Too many token requests in this minute; try again after the seconds given in Retry-After.",
    ),
}

#: The token endpoint's rate-limit window, in seconds.
TOKEN_WINDOW = 60

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenOut(Schema):
    access_token: str
    token_type: str = Field(description="Luôn là Bearer")
    expires_in: int = Field(description="Số giây còn hiệu lực")
    scope: str = Field(description="Các quyền của mã, cách nhau bởi dấu cách")


class OAuthErrorOut(Schema):
    error: str = Field(description="Mã lỗi theo RFC 6749 §5.2")
    error_description: str


def _error(
    code: str,
    status: int = 400,
    details: str | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    vi, en = OAUTH_ERRORS[code]
    text = en if english() else vi
    if details:
        text = f"{text} ({details})"
    response = JsonResponse(
        {"error": code, "error_description": text},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in _NO_STORE.items():
        response[name] = value
    response["Content-Language"] = "en" if english() else "vi"
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="motcua", error="invalid_client"'
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _throttled(scope: str, key: str, limit: int) -> HttpResponse | None:
    """Count one token request for ``key``; the 429 answer once ``limit`` were made in this
    minute, else ``None``."""
    if hit(scope, key, limit=limit, window=TOKEN_WINDOW):
        return None
    retry = TOKEN_WINDOW - int(time.time()) % TOKEN_WINDOW
    return _error(
        "rate_limited",
        status=429,
        details=f"{limit}/60 s",
        headers={"Retry-After": str(retry)},
    )


class _BadRequest(Exception):
    pass


def _basic(header: str) -> tuple[str, str] | None:
    """``client_id:client_secret`` of an HTTP Basic header (each form-urlencoded, §2.3.1);
    ``None`` when the header is not Basic; :class:`_BadRequest` when it is malformed."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise _BadRequest from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise _BadRequest
    return unquote_plus(client_id), unquote_plus(secret)


def _single(request: HttpRequest, name: str) -> str | None:
    values = request.POST.getlist(name)
    if len(values) > 1:
        raise _BadRequest
    return values[0] if values else None


_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "scope": {
            "type": "string",
            "description": "Các quyền cần, cách nhau bởi dấu cách (tập con của quyền đã cấp)",
        },
        "client_id": {"type": "string", "description": "Nếu không dùng HTTP Basic"},
        "client_secret": {"type": "string", "description": "Nếu không dùng HTTP Basic"},
    },
}


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 400: OAuthErrorOut, 401: OAuthErrorOut, 429: OAuthErrorOut},
    summary="Cấp mã truy cập OAuth2 (client credentials)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": _FORM_SCHEMA}},
        }
    },
)
def token(request: HttpRequest) -> HttpResponse:
    """RFC 6749 §4.4.2–§4.4.3: the client authenticates and receives a short-lived bearer
    access token that authorises API calls like its key does. Rate-limited per IP address and
    per ``client_id`` before the secret is checked (429 with ``Retry-After``)."""
    refused = _throttled(
        "oauth-token-ip", client_ip(request) or "unknown", settings.MOTCUA_OAUTH_TOKEN_PER_MINUTE_IP
    )
    if refused is not None:
        return refused
    if request.content_type != "application/x-www-form-urlencoded":
        return _error("invalid_request", details="application/x-www-form-urlencoded")
    try:
        grant_type = _single(request, "grant_type")
        scope = _single(request, "scope")
        body_id = _single(request, "client_id")
        body_secret = _single(request, "client_secret")
        basic = _basic(request.headers.get("Authorization", ""))
    except (_BadRequest, RequestDataTooBig):
        return _error("invalid_request")
    if not grant_type:
        return _error("invalid_request", details="grant_type")
    if grant_type != "client_credentials":
        return _error("unsupported_grant_type")
    if basic is not None and (body_id is not None or body_secret is not None):
        return _error("invalid_request", details="HTTP Basic + client_secret")
    client_id, secret = basic if basic is not None else (body_id or "", body_secret or "")
    if client_id:
        refused = _throttled(
            "oauth-token-client", client_id, settings.MOTCUA_OAUTH_TOKEN_PER_MINUTE_CLIENT
        )
        if refused is not None:
            return refused
    client = oauth_client_authenticate(client_id, secret)
    if client is None:
        return _error("invalid_client", status=401)
    request.api_client = client  # type: ignore[attr-defined]  # the call log
    if not _grantable(client):
        return _error("invalid_grant")
    try:
        issued = oauth_token_issue(client, scope)
    except ScopeNotGranted as exc:
        return _error("invalid_scope", details=str(exc))
    response = JsonResponse(
        {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": OAUTH_TOKEN_SECONDS,
            "scope": " ".join(issued.scopes),
        }
    )
    for name, value in _NO_STORE.items():
        response[name] = value
    return response


def _grantable(client: ApiClient) -> bool:
    if client.user_id and not client.user.is_active:  # type: ignore[union-attr]
        return False
    return bool(client.scopes)
