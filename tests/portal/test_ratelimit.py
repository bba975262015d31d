"""``portal.ratelimit.hit`` on Django's cache (``MOTCUA_CACHE_URL``): the default in-process
cache and the real Redis on 127.0.0.1:6379 (several app servers share its counters)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings

from motcua.conf.env import REDIS_CACHE, cache_config
from motcua.portal import ratelimit
from motcua.portal.ratelimit import hit

REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]


def _redis_up() -> bool:
    host_port = REDIS_URL.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    try:
        socket.create_connection((host, int(port or 6379)), timeout=0.5).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(
    not _redis_up(),
    reason=f"no Redis server at {REDIS_URL} (set MOTCUA_TEST_REDIS_URL or start redis-server)",
)


@pytest.fixture
def redis_cache() -> Iterator[str]:
    """The default cache on the real Redis, under a key prefix of this test only."""
    prefix = f"motcua-test-{uuid.uuid4().hex}"
    config = {**cache_config(REDIS_URL), "KEY_PREFIX": prefix}
    with override_settings(CACHES={"default": config}):
        yield prefix
        client = caches["default"]._cache.get_client(write=True)  # type: ignore[attr-defined]
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_cache_url_setting_chooses_the_backend() -> None:
    assert cache_config("locmemcache://")["BACKEND"].endswith("LocMemCache")
    config = cache_config("redis://cache.internal:6379/2")
    assert config == {"BACKEND": REDIS_CACHE, "LOCATION": "redis://cache.internal:6379/2"}
    config = cache_config("dbcache://motcua_cache")
    assert config["BACKEND"].endswith("DatabaseCache")
    assert config["LOCATION"] == "motcua_cache"


def test_the_default_setting_is_the_in_process_cache() -> None:
    from motcua.conf.env import REGISTRY

    assert REGISTRY["MOTCUA_CACHE_URL"].default == "'locmemcache://'"


def test_default_backend_counts_up_to_the_limit_then_refuses() -> None:
    key = uuid.uuid4().hex
    assert [hit("t", key, limit=3, window=60) for _ in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    # Another key and another scope have counters of their own.
    assert hit("t", key + "x", limit=3, window=60)
    assert hit("u", key, limit=3, window=60)


def test_a_limit_of_zero_refuses_at_once() -> None:
    assert not hit("t", uuid.uuid4().hex, limit=0, window=60)


def test_a_new_window_starts_a_new_count(monkeypatch: pytest.MonkeyPatch) -> None:
    key = uuid.uuid4().hex
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert hit("t", key, limit=1, window=60)
    assert not hit("t", key, limit=1, window=60)
    now[0] += 60
    assert hit("t", key, limit=1, window=60)


@needs_redis
def test_redis_counts_up_to_the_limit_and_sets_a_lifetime(redis_cache: str) -> None:
    key = uuid.uuid4().hex
    assert [hit("t", key, limit=2, window=60) for _ in range(4)] == [True, True, False, False]
    client = caches["default"]._cache.get_client(write=True)  # type: ignore[attr-defined]
    keys = list(client.scan_iter(f"{redis_cache}:*"))
    assert len(keys) == 1
    assert client.get(keys[0]) == b"4"
    assert 0 < client.ttl(keys[0]) <= 61


@needs_redis
def test_redis_counters_are_shared_between_processes(redis_cache: str) -> None:
    """Another app server (a separate process with the same ``MOTCUA_CACHE_URL``) sees the
    attempts counted here, and its attempts count here."""
    key = uuid.uuid4().hex
    assert hit("shared", key, limit=3, window=3600)
    assert hit("shared", key, limit=3, window=3600)
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        f"settings.CACHES['default']['KEY_PREFIX'] = {redis_cache!r}\n"
        "from motcua.portal.ratelimit import hit\n"
        f"print(hit('shared', {key!r}, limit=3, window=3600), "
        f"hit('shared', {key!r}, limit=3, window=3600))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motcua.conf.settings.test",
        "MOTCUA_CACHE_URL": REDIS_URL,
        "PYTHONPATH": str(ROOT / "src"),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["True", "False"]  # the 3rd attempt, then the 4th
    assert not hit("shared", key, limit=3, window=3600)
