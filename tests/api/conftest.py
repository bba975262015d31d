"""Fixtures of the API tests: clients with keys, and a JSON caller on Django's test client."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from tests.dossiers.conftest import World

from motcua.accounts.models import User
from motcua.agencies.models import Agency
from motcua.api.models import ApiClient
from motcua.api.services import api_client_create

ALL = (
    "dossiers:read",
    "dossiers:submit",
    "dossiers:act",
    "ratings:write",
    "indicators:read",
    "national:inbound",
)


@dataclass
class Answer:
    status: int
    body: Any
    headers: Any


class Caller:
    def __init__(self, key: str | None = None, client: Client | None = None) -> None:
        self.key = key
        self.http = client or Client()

    def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: str | None = None,
    ) -> Answer:
        extra = dict(headers or {})
        if self.key:
            extra["Authorization"] = f"Bearer {self.key}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.http, method.lower())(
            "/api/v1" + path,
            data=data,
            content_type="application/json",
            headers=extra,
        )
        try:
            parsed = json.loads(response.content) if response.content else None
        except ValueError:
            parsed = response.content
        return Answer(response.status_code, parsed, response.headers)


MakeClient = Callable[..., tuple[ApiClient, Caller]]


@pytest.fixture
def make_client(world: World) -> MakeClient:
    def make(
        *,
        name: str = "Bưu điện tỉnh",
        scopes: Iterable[str] = ALL,
        agencies: Iterable[Agency] | None = None,
        user: User | None = None,
        rate: int = 1000,
    ) -> tuple[ApiClient, Caller]:
        client, key = api_client_create(
            actor=world.admin,
            name=name,
            scopes=scopes,
            agencies=[world.center, world.land] if agencies is None else agencies,
            user=user,
            rate_limit_per_minute=rate,
        )
        return client, Caller(key)

    return make


@pytest.fixture
def anonymous() -> Caller:
    return Caller()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """The per-IP limits (``portal.ratelimit.hit``) live in the cache: start each test with
    none counted, so look-ups of an earlier test never count against this one."""
    cache.clear()
