"""Every error of the API in one shape, ``{"code", "message", "details"}``, with the message in
Vietnamese or English by ``Accept-Language`` (Django's LocaleMiddleware picks the language).

Domain errors carry a precise Vietnamese message (the engine's refusal reasons); in English the
message is the generic sentence of the error's code and the Vietnamese reason is kept in
``details.reason_vi`` so nothing is lost.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from motcua.common.errors import MotcuaError, NotFound, PermissionDenied, ValidationFailed
from motcua.dossiers.errors import DossierConflict, DossierInvalid
from motcua.dossiers.workflow import TransitionNotAllowed

#: code → (Vietnamese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "unauthorized": (
        "Chưa xác thực: hãy gửi khóa API (Authorization: Bearer …) hoặc đăng nhập.",
        "Not authenticated: send an API key (Authorization: Bearer …) or sign in.",
    ),
    "forbidden": (
        "Bạn không có quyền thực hiện thao tác này.",
        "You are not allowed to perform this operation.",
    ),
    "scope_missing": (
        "Hệ thống kết nối chưa được cấp quyền cho thao tác này.",
        "This API client has not been granted this operation.",
    ),
    "not_found": ("Không tìm thấy.", "Not found."),
    "dossier_not_found": ("Không tìm thấy hồ sơ.", "Dossier not found."),
    "procedure_not_found": ("Không tìm thấy thủ tục.", "Procedure not found."),
    "result_not_found": (
        "Hồ sơ chưa có tệp kết quả giải quyết.",
        "The dossier has no result document yet.",
    ),
    "dossier_conflict": (
        "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại hồ sơ và thực hiện lại thao tác.",
        "The dossier changed since you read it. Reload it and try again.",
    ),
    "transition_not_allowed": (
        "Thao tác không được phép với hồ sơ ở trạng thái hiện tại hoặc với vai trò của bạn.",
        "This action is not allowed in the dossier's current status or for your role.",
    ),
    "dossier_invalid": ("Dữ liệu hồ sơ không hợp lệ.", "The dossier data is not valid."),
    "invalid": ("Dữ liệu không hợp lệ.", "The data is not valid."),
    "validation_error": (
        "Dữ liệu gửi lên không đúng định dạng; xem chi tiết từng trường.",
        "The request does not match the schema; see the details per field.",
    ),
    "idempotency_key_reused": (
        "Idempotency-Key này đã được dùng cho một yêu cầu khác; hãy dùng khóa mới.",
        "This Idempotency-Key was used for a different request; use a new key.",
    ),
    "rate_limited": (
        "Vượt quá số lượt gọi cho phép trong một phút; hãy thử lại sau.",
        "Too many calls in this minute; try again later.",
    ),
    "payload_too_large": ("Dữ liệu gửi lên quá lớn.", "The request is too large."),
    "bad_request": ("Yêu cầu không hợp lệ.", "Bad request."),
    "precondition_failed": (
        "Phiên bản hồ sơ không khớp.",
        "The dossier version does not match.",
    ),
    "server_error": (
        "Lỗi hệ thống; đã ghi nhận. Vui lòng thử lại sau.",
        "Internal error; it has been logged. Please try again later.",
    ),
}

#: Statuses every operation may answer with an error (declared in the schema).
COMMON_ERRORS = (400, 401, 403, 404, 409, 413, 422, 429)


def english() -> bool:
    return (translation.get_language() or "vi").startswith("en")


def message_for(code: str, specific: str | None = None) -> str:
    vi, en = MESSAGES.get(code, MESSAGES["bad_request"])
    if english():
        return en
    return specific or vi


class ApiError(Exception):
    """An error raised by the API layer itself (not the domain)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


def body(code: str, specific: str | None = None, details: Any = None) -> dict[str, Any]:
    details = dict(details or {})
    if specific and english():
        details.setdefault("reason_vi", specific)
    return {"code": code, "message": message_for(code, specific), "details": details}


def _domain_status(exc: MotcuaError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, DossierConflict):
        return 409
    if isinstance(exc, TransitionNotAllowed):
        return 409
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, ValidationFailed | DossierInvalid):
        return 422
    return 422


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn every exception into the one error shape."""

    def respond(
        request: HttpRequest, status: int, payload: dict[str, Any], headers: dict[str, str]
    ) -> HttpResponse:
        response = api.create_response(request, payload, status=status)
        for name, value in headers.items():
            response[name] = value
        response["Content-Language"] = "en" if english() else "vi"
        return response

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status, body(exc.code, exc.message, exc.details), exc.headers)

    @api.exception_handler(MotcuaError)
    def domain_error(request: HttpRequest, exc: MotcuaError) -> HttpResponse:
        details: dict[str, Any] = {}
        if isinstance(exc, DossierConflict):
            details = {"expected_version": exc.expected, "current_version": exc.actual}
        if isinstance(exc, TransitionNotAllowed):
            details = {"action": exc.action.value, "status": exc.status.value}
        code = exc.code if exc.code in MESSAGES else "invalid"
        return respond(request, _domain_status(exc), body(code, str(exc), details), {})

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {
                "loc": [str(part) for part in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
            for err in exc.errors
        ]
        return respond(request, 422, body("validation_error", None, {"errors": errors}), {})

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, body("unauthorized"), {"WWW-Authenticate": "Bearer"})

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return respond(request, 413, body("payload_too_large", None, {"max_bytes": limit}), {})

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, body("not_found"), {})

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        code = {
            400: "bad_request",
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            413: "payload_too_large",
            429: "rate_limited",
        }.get(status, "bad_request")
        if status not in COMMON_ERRORS:
            status, code = 400, "bad_request"
        return respond(request, status, body(code), {})
