"""Forms of the citizen portal, with Vietnamese labels and messages."""

from __future__ import annotations

from typing import Any

from django import forms

from motcua.accounts.models import personal_id_validator
from motcua.dossiers.models import ReturnMethod
from motcua.portal.files import ACCEPT_ATTR


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label="Thư điện tử hoặc số điện thoại",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": "Nhập thư điện tử hoặc số điện thoại."},
    )
    password = forms.CharField(
        label="Mật khẩu",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Nhập mật khẩu."},
    )


class RegisterForm(forms.Form):
    full_name = forms.CharField(
        label="Họ và tên",
        max_length=200,
        error_messages={"required": "Nhập họ và tên."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    identifier = forms.CharField(
        label="Thư điện tử hoặc số điện thoại",
        help_text="Dùng để đăng nhập và nhận mã xác minh, thông báo về hồ sơ.",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": "Nhập thư điện tử hoặc số điện thoại."},
    )
    password = forms.CharField(
        label="Mật khẩu",
        help_text="Ít nhất 10 ký tự, không quá đơn giản.",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Nhập mật khẩu."},
    )
    password2 = forms.CharField(
        label="Nhập lại mật khẩu",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Nhập lại mật khẩu."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "Hai mật khẩu không giống nhau.")
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Mã xác minh (6 chữ số)",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"required": "Nhập mã xác minh.", "min_length": "Mã gồm 6 chữ số."},
    )


class ResetStartForm(forms.Form):
    identifier = LoginForm.base_fields["identifier"]


class ResetFinishForm(forms.Form):
    identifier = LoginForm.base_fields["identifier"]
    code = CodeForm.base_fields["code"]
    password = RegisterForm.base_fields["password"]


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Họ và tên",
        max_length=200,
        required=True,
        error_messages={"required": "Nhập họ và tên."},
    )
    personal_id = forms.CharField(
        label="Số định danh cá nhân",
        help_text="12 chữ số, in trên thẻ căn cước.",
        max_length=12,
        required=False,
        validators=[personal_id_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    date_of_birth = forms.DateField(
        label="Ngày sinh",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Ngày sinh không hợp lệ."},
    )
    address = forms.CharField(label="Địa chỉ", max_length=300, required=False)
    phone = forms.CharField(label="Số điện thoại", max_length=20, required=False)
    email = forms.EmailField(
        label="Thư điện tử", required=False, error_messages={"invalid": "Thư điện tử không hợp lệ."}
    )


class ApplicantForm(ProfileForm):
    personal_id = forms.CharField(
        label="Số định danh cá nhân",
        help_text="12 chữ số, in trên thẻ căn cước.",
        max_length=12,
        validators=[personal_id_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": "Nhập số định danh cá nhân."},
    )


class SchemaForm(forms.Form):
    def __init__(self, fields: dict[str, forms.Field], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields)


class FileInput(forms.ClearableFileInput):
    def __init__(self) -> None:
        super().__init__(attrs={"accept": ACCEPT_ATTR})


class SubmitForm(forms.Form):
    receiving_agency = forms.ChoiceField(label="Nơi tiếp nhận hồ sơ")
    return_method = forms.ChoiceField(
        label="Cách nhận kết quả", choices=ReturnMethod.choices, initial=ReturnMethod.ONLINE
    )
    confirm = forms.BooleanField(
        label="Tôi cam đoan thông tin khai là đúng sự thật.",
        error_messages={"required": "Hãy đánh dấu ô cam đoan trước khi nộp."},
    )


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label="Mức độ hài lòng chung",
        coerce=int,
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": "Chọn một mức đánh giá."},
    )
    comment = forms.CharField(
        label="Ý kiến khác (không bắt buộc)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    #: ND 118/2025 Đ33.1 criteria the citizen answers (optional each).
    CRITERIA = {
        "a": "Thời gian trả kết quả so với quy định, ngày hẹn",
        "b": "Số cơ quan, tổ chức phải liên hệ để hoàn thiện hồ sơ",
        "c": "Số lần phải liên hệ với nơi tiếp nhận để hoàn thiện hồ sơ",
        "d": "Thông tin công khai về thủ tục: chính xác, đầy đủ, kịp thời",
        "đ": "Thái độ, cách ứng xử của cán bộ hướng dẫn, tiếp nhận, giải quyết",
        "e": "Kết quả đúng quy định; chi phí đúng quy định (không phát sinh ngoài quy định)",
        "h": "Tiến độ, chất lượng dịch vụ trực tuyến",
    }

    def __init__(self, choices: list[tuple[int, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = choices  # type: ignore[attr-defined]
        for key, label in self.CRITERIA.items():
            self.fields[f"c_{'dd' if key == 'đ' else key}"] = forms.TypedChoiceField(
                label=label,
                coerce=int,
                required=False,
                empty_value=None,
                choices=[("", "— Không trả lời —"), *choices],
            )
