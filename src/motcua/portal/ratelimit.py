"""A small fixed-window rate limiter on Django's cache (shared between processes when the
cache is: configure a shared cache such as Redis or the database cache in production)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one attempt; ``False`` once ``limit`` attempts were made in this window."""
    bucket = int(time.time() // window)
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]
    name = f"motcua:rl:{scope}:{digest}:{bucket}"
    if cache.add(name, 1, timeout=window + 1):
        return limit >= 1
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window + 1)
        count = 1
    return count <= limit
