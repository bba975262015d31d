"""The page shown when django-axes refuses a locked account (``AXES_LOCKOUT_CALLABLE``)."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_noop

LOCKED_OUT_MESSAGE = gettext_noop(
    "Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau {minutes} phút "
    "hoặc liên hệ quản trị viên."
)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """A clear Vietnamese page (HTTP 429) saying when to try again and whom to call."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else 15
    return render(
        request,
        "accounts/locked_out.html",
        {
            "cooloff_minutes": minutes,
            "message": gettext(LOCKED_OUT_MESSAGE).format(minutes=minutes),
        },
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )
