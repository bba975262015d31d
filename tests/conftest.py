"""Shared fixtures. Tests run against a real database (SQLite by default, PostgreSQL by
``DATABASE_URL``); the ORM is never mocked."""

from __future__ import annotations
