from __future__ import annotations

from collections.abc import Iterator

import pytest

# The API clients of the API tests, for the inbound endpoint's tests.
from tests.api.conftest import make_client  # noqa: F401
from tests.integrations.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()
