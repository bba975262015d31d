"""A small fixed-window rate limiter on Django's cache (``CACHES["default"]``, set by
``MOTCUA_CACHE_URL``). The counters are shared by every process and server that share the
cache: Redis in production (docs/deployment.md); the default in-process cache counts per
process, which is right only for a single process."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def _key(scope: str, key: str, window: int) -> str:
    bucket = int(time.time() // window)
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]
    return f"motcua:rl:{scope}:{digest}:{bucket}"


def _redis_count(backend: RedisCache, name: str, window: int) -> int:
    """INCR and EXPIRE in one round trip (Django's Redis backend needs three for add + incr,
    and a key that expired between its EXISTS and INCR would be left without a lifetime)."""
    key = backend.make_and_validate_key(name)
    client: Any = backend._cache.get_client(key, write=True)  # type: ignore[attr-defined]
    pipe = client.pipeline(transaction=True)
    pipe.incr(key)
    pipe.expire(key, window + 1, nx=True)
    count, _ = pipe.execute()
    return int(count)


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one attempt; ``False`` once ``limit`` attempts were made in this window of
    ``window`` seconds (for this ``scope`` and ``key``, on every server sharing the cache)."""
    name = _key(scope, key, window)
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return _redis_count(backend, name, window) <= limit
    if backend.add(name, 1, timeout=window + 1):
        return limit >= 1
    try:
        count = backend.incr(name)
    except ValueError:  # expired between add and incr
        backend.add(name, 1, timeout=window + 1)
        count = 1
    return count <= limit
