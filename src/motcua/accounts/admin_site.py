"""The admin site (``/quan-tri/``) with the same protections as ``/dang-nhap/``.

* Its login page redirects to ``/dang-nhap/``: one form, one lockout (django-axes), one
  TOTP check — there is no second door with weaker locks.
* Only officers with a role valid today (or superusers) get in; a citizen account never does.
* An officer with a confirmed TOTP device must have verified it in this session
  (``request.user.is_verified()``), whichever way the session was opened.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_otp import user_has_device

from motcua.accounts.access import is_officer
from motcua.accounts.permissions import sync_user_groups

_CHECKED = "_motcua_admin_permission"


def otp_satisfied(user: Any) -> bool:
    """True unless the user has a confirmed TOTP device not verified in this session."""
    if not user_has_device(user, confirmed=True):
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


class MotcuaAdminSite(AdminSite):
    site_header = "motcua — Hệ thống thông tin giải quyết thủ tục hành chính"
    site_title = "motcua"
    index_title = "Quản trị hệ thống"

    def has_permission(self, request: HttpRequest) -> bool:
        cached = getattr(request, _CHECKED, None)
        if cached is not None:
            return bool(cached)
        user = request.user
        allowed = bool(user.is_active and is_officer(user) and otp_satisfied(user))
        if allowed:
            # Roles expire by date; keep the permission groups current before any check.
            sync_user_groups(user)
            allowed = bool(user.is_staff)
        setattr(request, _CHECKED, allowed)
        return allowed

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Send every admin sign-in through ``/dang-nhap/`` (lockout + TOTP)."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
            "admin:index", current_app=self.name
        )
        return redirect_to_login(next_url, reverse("accounts:login"))
