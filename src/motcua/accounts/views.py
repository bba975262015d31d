"""Officer sign-in, sign-out, "my account" and the optional TOTP pages (Vietnamese UI)."""

from __future__ import annotations

from base64 import b32encode
from io import BytesIO
from typing import cast

import segno
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from motcua.accounts.access import agencies_of, is_officer, memberships_of
from motcua.accounts.admin_site import otp_satisfied
from motcua.accounts.forms import MSG_CODE_WRONG, OfficerLoginForm, TotpConfirmForm, TotpRemoveForm
from motcua.accounts.models import User
from motcua.accounts.services import (
    totp_confirmed_device,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_remove,
)
from motcua.common.errors import PermissionDenied


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("accounts:profile")


@sensitive_post_parameters("password", "otp_token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """``/dang-nhap/``: password (django-axes lockout) then, if enrolled, the TOTP code."""
    form = OfficerLoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        login(request, form.user)  # django-otp marks the session verified (user.otp_device)
        return HttpResponseRedirect(_safe_next(request))
    signed_in = request.user if request.user.is_authenticated else None
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "next": _safe_next(request) if REDIRECT_FIELD_NAME in request.GET else "",
            "signed_in": signed_in,
            "needs_otp": signed_in is not None and not otp_satisfied(signed_in),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """``/dang-xuat/``: GET asks for confirmation, POST signs out (CSRF-protected)."""
    if request.method == "POST":
        logout(request)
        messages.success(request, _("Bạn đã đăng xuất."))
        return redirect("accounts:login")
    return render(request, "accounts/logout.html")


@login_required
def profile_view(request: HttpRequest) -> HttpResponse:
    """``/tai-khoan/``: who I am, my roles and agencies today."""
    user = cast(User, request.user)
    return render(
        request,
        "accounts/profile.html",
        {
            "memberships": memberships_of(user).select_related("agency").order_by("agency__name"),
            "officer": is_officer(user),
            "agencies": agencies_of(user),
            "has_totp": totp_confirmed_device(user) is not None,
        },
    )


def _grouped(secret: str) -> str:
    """``JBSWY3DPEHPK3PXP`` → ``JBSW Y3DP EHPK 3PXP`` (easier to type by hand)."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _qr_svg(uri: str) -> str:
    out = BytesIO()
    segno.make(uri, error="m").save(
        out, kind="svg", scale=5, border=4, xmldecl=False, svgns=True, title=_("Mã QR cấu hình")
    )
    return out.getvalue().decode("utf-8")


@sensitive_post_parameters("otp_token")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def totp_view(request: HttpRequest) -> HttpResponse:
    """``/tai-khoan/xac-thuc-hai-lop/``: enrol (QR + confirm with a code) or remove TOTP."""
    user = cast(User, request.user)
    if not is_officer(user):
        return render(request, "accounts/forbidden.html", status=403)
    if not otp_satisfied(user):
        # A session opened without the code must not manage the second factor.
        return redirect_to_login_again(request)
    confirmed = totp_confirmed_device(user)
    confirm_form = TotpConfirmForm(data=request.POST if "confirm" in request.POST else None)
    remove_form = TotpRemoveForm(data=request.POST if "remove" in request.POST else None)

    if request.method == "POST" and confirmed is None and confirm_form.is_valid():
        device = totp_enrol_confirm(
            user=user, token=confirm_form.cleaned_data["otp_token"], request=request
        )
        if device is not None:
            otp_login(request, device)  # this session is now verified
            messages.success(
                request,
                _("Đã bật xác thực hai lớp. Từ lần sau, khi đăng nhập hãy nhập cả mã 6 chữ số."),
            )
            return redirect("accounts:totp")
        confirm_form.add_error("otp_token", _(MSG_CODE_WRONG))
    if request.method == "POST" and confirmed is not None and remove_form.is_valid():
        try:
            totp_remove(
                actor=user, user=user, token=remove_form.cleaned_data["otp_token"], request=request
            )
        except PermissionDenied as exc:
            remove_form.add_error("otp_token", str(exc))
        else:
            messages.success(request, _("Đã gỡ xác thực hai lớp. Khi đăng nhập chỉ cần mật khẩu."))
            return redirect("accounts:totp")

    context: dict[str, object] = {"confirmed": confirmed}
    if confirmed is None:
        pending = totp_enrol_start(user)
        uri = pending.config_url
        context.update(
            {
                "form": confirm_form,
                "otpauth_uri": uri,
                "secret": _grouped(b32encode(pending.bin_key).decode("ascii").rstrip("=")),
                # segno escapes every text it writes into the SVG; the URI is ours.
                "qr_svg": mark_safe(_qr_svg(uri)),  # noqa: S308
            }
        )
    else:
        context["form"] = remove_form
    return render(request, "accounts/totp.html", context)


def redirect_to_login_again(request: HttpRequest) -> HttpResponse:
    messages.warning(request, _("Vui lòng đăng nhập lại kèm mã xác thực hai lớp."))
    return redirect(f"{reverse('accounts:login')}?{REDIRECT_FIELD_NAME}={request.path}")
