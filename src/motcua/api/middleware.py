"""Logs every call of ``/api/`` (:class:`motcua.api.models.ApiCall`): the client or web user,
method, path, status and duration — and, in the same transaction, the audit entries of the
personal data the call read (``api.services.api_read_record``), before the response leaves."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from motcua.accounts.services import client_ip
from motcua.api.services import api_call_log

PREFIX = "/api/"


class ApiCallLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        started = time.perf_counter()
        at = timezone.now()
        request.api_reads = []  # type: ignore[attr-defined]  # api_read_record fills it
        response = self.get_response(request)
        api_call_log(
            at=at,
            client=getattr(request, "api_client", None),
            user=getattr(request, "api_user", None)
            if not getattr(request, "api_client", None)
            else None,
            method=request.method or "",
            path=request.path,
            status=response.status_code,
            duration_ms=int((time.perf_counter() - started) * 1000),
            ip=client_ip(request),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            reads=request.api_reads,  # type: ignore[attr-defined]
        )
        return response
