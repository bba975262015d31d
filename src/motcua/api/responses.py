"""The error responses every operation declares in the schema (all in the one error shape)."""

from __future__ import annotations

from typing import Any

from motcua.api.errors import COMMON_ERRORS
from motcua.api.schemas import ErrorOut


def errors(*extra: int) -> dict[int, Any]:
    return dict.fromkeys(sorted({*COMMON_ERRORS, *extra}), ErrorOut)
