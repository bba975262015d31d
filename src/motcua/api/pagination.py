"""Opaque keyset cursors and conditional GETs (ETag)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse

from motcua.api.errors import ApiError

_SALT = "motcua.api.cursor"


def cursor_dump(kind: str, value: Any) -> str:
    return signing.dumps([kind, value], salt=_SALT, compress=True)


def cursor_load(kind: str, cursor: str | None) -> Any:
    """The position in a cursor made by :func:`cursor_dump` for ``kind``; a forged or foreign
    cursor is a 422 ``validation_error``."""
    if not cursor:
        return None
    try:
        found, value = signing.loads(cursor, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        found, value = None, None
    if found != kind:
        raise ApiError(
            422,
            "validation_error",
            details={"errors": [{"loc": ["query", "after"], "msg": "invalid cursor"}]},
        )
    return value


def etag_of(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """A 304 when the client already holds ``etag`` (If-None-Match)."""
    given = request.headers.get("If-None-Match", "")
    tags = {t.strip().removeprefix("W/") for t in given.split(",") if t.strip()}
    if etag in tags or "*" in tags:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    return None


def cacheable(response: HttpResponse, etag: str, *, seconds: int = 300) -> None:
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={seconds}"
    response["Vary"] = "Accept-Language"
