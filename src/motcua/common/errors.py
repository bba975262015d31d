"""Base errors. Each carries a Vietnamese message meant for the person who caused it."""

from __future__ import annotations


class MotcuaError(Exception):
    """A domain error with a clear Vietnamese message (``str(err)``) and a stable code."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ValidationFailed(MotcuaError):
    code = "invalid"


class NotFound(MotcuaError):
    code = "not_found"


class PermissionDenied(MotcuaError):
    code = "forbidden"


class AppendOnly(MotcuaError, TypeError):
    """A write that would edit or delete an append-only record (a log, the control sheet).

    Also a ``TypeError``: the operation is not supported by this kind of record at all.
    """

    code = "append_only"
