"""Forms of the officer sign-in and the TOTP pages, with Vietnamese messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from motcua.accounts.models import User
from motcua.accounts.services import totp_confirmed_device, totp_verify

MSG_BAD_LOGIN = gettext_noop(
    "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: mật khẩu phân biệt chữ hoa, chữ thường; "
    "sau 5 lần sai liên tiếp, tài khoản sẽ bị tạm khóa."
)
MSG_INACTIVE = gettext_noop("Tài khoản này đã bị vô hiệu hóa. Vui lòng liên hệ quản trị viên.")
MSG_CODE_REQUIRED = gettext_noop(
    "Tài khoản này đã bật xác thực hai lớp. Nhập mã 6 chữ số đang hiện trong ứng dụng xác thực."
)
MSG_CODE_WRONG = gettext_noop(
    "Mã xác thực không đúng hoặc đã hết hạn. Nhập mã 6 chữ số đang hiện trong ứng dụng "
    "xác thực (mã đổi sau mỗi 30 giây)."
)


class TokenField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 8)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "autocomplete": "one-time-code",
                    "pattern": "[0-9 ]*",
                    "size": 8,
                }
            ),
        )
        super().__init__(**kwargs)


class OfficerLoginForm(forms.Form):
    """Username, password and — only for accounts with a confirmed device — the TOTP code.

    The password goes through ``authenticate`` so django-axes counts failures and refuses
    locked accounts. A wrong or missing code after a right password is reported to django-axes
    as a failed sign-in too, so codes cannot be guessed without hitting the lockout.
    """

    username = forms.CharField(
        label=_("Tên đăng nhập"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": _("Nhập tên đăng nhập.")},
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Nhập mật khẩu.")},
    )
    otp_token = TokenField(
        label=_("Mã xác thực hai lớp"),
        required=False,
        help_text=_("Chỉ khi tài khoản đã bật xác thực hai lớp: 6 chữ số trong ứng dụng xác thực."),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username"), data.get("password")
        if not username or not password:
            return data
        user = authenticate(self.request, username=username, password=password)
        if user is None:
            raise forms.ValidationError(gettext(MSG_BAD_LOGIN), code="invalid_login")
        if not user.is_active:
            raise forms.ValidationError(gettext(MSG_INACTIVE), code="inactive")
        if totp_confirmed_device(user) is not None:
            token = (data.get("otp_token") or "").strip()
            device = totp_verify(user, token) if token else None
            if device is None:
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": username, "reason": "totp"},
                    request=self.request,
                )
                message = gettext(MSG_CODE_WRONG if token else MSG_CODE_REQUIRED)
                self.add_error("otp_token", forms.ValidationError(message, code="bad_token"))
                return data
            user.otp_device = device  # type: ignore[attr-defined]  # django-otp persists it
        self.user = user
        return data


class TotpConfirmForm(forms.Form):
    otp_token = TokenField(
        label=_("Mã 6 chữ số trong ứng dụng"),
        error_messages={"required": _("Nhập mã 6 chữ số đang hiện trong ứng dụng xác thực.")},
    )


class TotpRemoveForm(forms.Form):
    otp_token = TokenField(
        label=_("Mã 6 chữ số hiện tại"),
        error_messages={"required": _("Nhập mã 6 chữ số hiện tại để xác nhận gỡ.")},
    )
