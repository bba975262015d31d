"""Shared fixtures. Tests run against a real database (SQLite by default, PostgreSQL by
``DATABASE_URL``); the ORM is never mocked."""

from __future__ import annotations

import os

from hypothesis import settings

# Developers explore new random examples on every run; CI replays a fixed, derandomised
# sequence so that a green main stays green (a failure found locally becomes a fixed case).
# No per-example deadline: on a loaded 2-core machine an example's time says nothing (a spliced
# hash example once ran past the default 200 ms there); the suite's own time is watched instead.
settings.register_profile("dev", print_blob=True, deadline=None)
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# The small province of the dossier tests, shared by every app's tests (fixture ``world``).
from tests.dossiers.conftest import world  # noqa: E402, F401
