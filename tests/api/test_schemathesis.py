"""The whole OpenAPI schema, property-tested in-process by schemathesis on the test database:
no server errors, no undeclared status codes, no response that breaks its schema, bad input
refused (``negative_data_rejection``).

One check is left out: ``positive_data_acceptance`` (“a schema-valid request must succeed”).
Some schema-valid requests are rightly refused by meaning, not by shape: a forged page cursor,
a document number the procedure does not have, a dossier the engine's rules refuse — those
answer 404/409/422 in the declared error shape, which the other checks verify.

Bounded (``MOTCUA_SCHEMATHESIS_EXAMPLES``, default 12 per operation) so the suite stays fast;
CI (``.ci/run``: the whole suite on SQLite and PostgreSQL) runs it on every change."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from tests.dossiers.conftest import World

from motcua.api.services import api_client_create

EXAMPLES = int(os.environ.get("MOTCUA_SCHEMATHESIS_EXAMPLES", "12"))


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """The WSGI application, without closing the database connection at the end of each
    request (as Django's test client does): the test's transaction must survive."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(world: World) -> str:
    _, key = api_client_create(
        actor=world.admin,
        name="schemathesis",
        scopes=[
            "dossiers:read",
            "dossiers:submit",
            "dossiers:act",
            "ratings:write",
            "indicators:read",
            "national:inbound",
        ],
        agencies=[world.center, world.land],
        user=world.reception,
        rate_limit_per_minute=1_000_000,
    )
    world.receive()  # one dossier to find
    return key


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation, from the schema ninja generates (no request)."""
    from motcua.api.api import api

    paths = api.get_openapi_schema()["paths"]
    return [(method.upper(), path) for path, ops in sorted(paths.items()) for method in ops]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), _operations())
def test_api_conforms_to_its_schema(api_key: str, wsgi_app: Any, method: str, path: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {api_key}"}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    check()
