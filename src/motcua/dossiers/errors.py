"""Errors of the dossier engine, each with a Vietnamese message for the person who caused it."""

from __future__ import annotations

from motcua.common.errors import MotcuaError, NotFound


class DossierNotFound(NotFound):
    """The dossier does not exist *or* lies outside the actor's scope: both read the same, so a
    scope is never revealed by a different answer (docs/dossiers.md, "Access")."""

    code = "dossier_not_found"

    def __init__(self, message: str = "Không tìm thấy hồ sơ.") -> None:
        super().__init__(message)


class DossierConflict(MotcuaError):
    """Optimistic concurrency: the dossier changed since the actor loaded it."""

    code = "dossier_conflict"

    def __init__(self, *, expected: int, actual: int) -> None:
        super().__init__(
            "Hồ sơ vừa được người khác cập nhật (phiên bản hiện tại "
            f"{actual}, bạn đang xem phiên bản {expected}). Vui lòng tải lại hồ sơ và thực hiện "
            "lại thao tác."
        )
        self.expected = expected
        self.actual = actual


class DossierInvalid(MotcuaError):
    """Input a service cannot accept (a missing due moment, an unknown document…)."""

    code = "dossier_invalid"
