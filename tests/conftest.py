"""Shared fixtures. Tests run against a real database (SQLite by default, PostgreSQL by
``DATABASE_URL``); the ORM is never mocked."""

from __future__ import annotations

import os

from hypothesis import settings

# Developers explore new random examples on every run; CI replays a fixed, derandomised
# sequence so that a green main stays green (a failure found locally becomes a fixed case).
settings.register_profile("dev", print_blob=True)
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# The small province of the dossier tests, shared by every app's tests (fixture ``world``).
from tests.dossiers.conftest import world  # noqa: E402, F401
