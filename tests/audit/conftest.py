"""Fixtures for the audit tests: users, raw-SQL tampering, objects that land in a given chain."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from motcua.accounts.models import User, UserKind
from motcua.audit.chain import chain_for

TRIGGERS = {"audit_entry": "audit_entry_append_only", "audit_chain_head": "audit_chain_head_guard"}


@pytest.fixture
def officer(db: None) -> User:
    return User.objects.create_user(
        username="canbo.an",
        password="mat-khau-du-dai-2026",
        kind=UserKind.OFFICER,
        full_name="Nguyễn Văn An",
    )


@pytest.fixture
def tamper() -> Callable[..., None]:
    """Run raw SQL as an intruder with database access would, around the PostgreSQL guards.

    On PostgreSQL the triggers are disabled for the one statement (inside the test's
    transaction, so the change of schema state is rolled back with it).
    """

    def run(sql: str, params: Any = ()) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table, trigger in TRIGGERS.items():
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            cursor.execute(sql, params)
            if connection.vendor == "postgresql":
                for table, trigger in TRIGGERS.items():
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")

    return run


def ids_in_chain(chain: int, *, chains: int = 16, prefix: str = "HS") -> Iterator[str]:
    """Dossier codes whose entries go to ``chain`` (among ``chains``)."""
    n = 0
    while True:
        code = f"{prefix}-{n:06d}"
        if chain_for("dossier", code, chains) == chain:
            yield code
        n += 1
