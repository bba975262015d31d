"""The language of a request: Vietnamese first, English when the user chose it.

Pages are Vietnamese unless the visitor picked English with the switch in the page header (a
cookie set by Django's ``set_language`` view); the browser's ``Accept-Language`` is **not**
followed for pages, because a government office PC with an English browser must still show the
Vietnamese service (Decree 118/2025 serves citizens in Vietnamese). The API (``/api/``) follows
``Accept-Language``, as its clients are systems that say which language they want.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

_SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_for(request: HttpRequest) -> str:
    """The language code for this request (see the module docstring)."""
    if request.path_info.startswith("/api/"):
        return translation.get_language_from_request(request)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in _SUPPORTED else settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Replaces Django's LocaleMiddleware (same place in the chain)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if request.path_info.startswith("/api/"):
            patch_vary_headers(response, ("Accept-Language",))
        else:
            patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
