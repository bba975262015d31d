"""Fixtures of the catalogue tests: the real 30 procedures, imported into the test database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from motcua.catalogue.importer import ImportReport, catalogue_import_file, default_catalogue_file

START = dt.date(2026, 1, 1)


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return json.loads(default_catalogue_file().read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture
def imported(db: None) -> ImportReport:
    return catalogue_import_file(publish_from=START)


@pytest.fixture
def write_json(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(data: Any, name: str = "procedures.json") -> Path:
        path = tmp_path / name
        path.write_text(
            data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
            encoding="utf-8",
        )
        return path

    return write
