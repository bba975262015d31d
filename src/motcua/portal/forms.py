"""Forms of the citizen portal, with Vietnamese labels and messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.accounts.models import personal_id_validator
from motcua.dossiers.models import ReturnMethod
from motcua.portal.files import ACCEPT_ATTR


class LoginForm(forms.Form):
    identifier = forms.CharField(
        label=_("Thư điện tử hoặc số điện thoại"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": _("Nhập thư điện tử hoặc số điện thoại.")},
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Nhập mật khẩu.")},
    )


class RegisterForm(forms.Form):
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=200,
        error_messages={"required": _("Nhập họ và tên.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    identifier = forms.CharField(
        label=_("Thư điện tử hoặc số điện thoại"),
        help_text=_("Dùng để đăng nhập và nhận mã xác minh, thông báo về hồ sơ."),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
        error_messages={"required": _("Nhập thư điện tử hoặc số điện thoại.")},
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        help_text=_("Ít nhất 10 ký tự, không quá đơn giản."),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Nhập mật khẩu.")},
    )
    password2 = forms.CharField(
        label=_("Nhập lại mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Nhập lại mật khẩu.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", gettext("Hai mật khẩu không giống nhau."))
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác minh (6 chữ số)"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"required": _("Nhập mã xác minh."), "min_length": _("Mã gồm 6 chữ số.")},
    )


class ResetStartForm(forms.Form):
    identifier = LoginForm.base_fields["identifier"]


class ResetFinishForm(forms.Form):
    identifier = LoginForm.base_fields["identifier"]
    code = CodeForm.base_fields["code"]
    password = RegisterForm.base_fields["password"]


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=200,
        required=True,
        error_messages={"required": _("Nhập họ và tên.")},
    )
    personal_id = forms.CharField(
        label=_("Số định danh cá nhân"),
        help_text=_("12 chữ số, in trên thẻ căn cước."),
        max_length=12,
        required=False,
        validators=[personal_id_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    date_of_birth = forms.DateField(
        label=_("Ngày sinh"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Ngày sinh không hợp lệ.")},
    )
    address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    email = forms.EmailField(
        label=_("Thư điện tử"),
        required=False,
        error_messages={"invalid": _("Thư điện tử không hợp lệ.")},
    )


class ApplicantForm(ProfileForm):
    personal_id = forms.CharField(
        label=_("Số định danh cá nhân"),
        help_text=_("12 chữ số, in trên thẻ căn cước."),
        max_length=12,
        validators=[personal_id_validator],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Nhập số định danh cá nhân.")},
    )


class SchemaForm(forms.Form):
    def __init__(self, fields: dict[str, forms.Field], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields)


class FileInput(forms.ClearableFileInput):
    def __init__(self) -> None:
        super().__init__(attrs={"accept": ACCEPT_ATTR})


class SubmitForm(forms.Form):
    receiving_agency = forms.ChoiceField(label=_("Nơi tiếp nhận hồ sơ"))
    return_method = forms.ChoiceField(
        label=_("Cách nhận kết quả"), choices=ReturnMethod.choices, initial=ReturnMethod.ONLINE
    )
    confirm = forms.BooleanField(
        label=_("Tôi cam đoan thông tin khai là đúng sự thật."),
        error_messages={"required": _("Hãy đánh dấu ô cam đoan trước khi nộp.")},
    )


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Mức độ hài lòng chung"),
        coerce=int,
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": _("Chọn một mức đánh giá.")},
    )
    comment = forms.CharField(
        label=_("Ý kiến khác (không bắt buộc)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    #: ND 118/2025 Đ33.1 criteria the citizen answers (optional each).
    CRITERIA = {
        "a": _("Thời gian trả kết quả so với quy định, ngày hẹn"),
        "b": _("Số cơ quan, tổ chức phải liên hệ để hoàn thiện hồ sơ"),
        "c": _("Số lần phải liên hệ với nơi tiếp nhận để hoàn thiện hồ sơ"),
        "d": _("Thông tin công khai về thủ tục: chính xác, đầy đủ, kịp thời"),
        "đ": _("Thái độ, cách ứng xử của cán bộ hướng dẫn, tiếp nhận, giải quyết"),
        "e": _("Kết quả đúng quy định; chi phí đúng quy định (không phát sinh ngoài quy định)"),
        "h": _("Tiến độ, chất lượng dịch vụ trực tuyến"),
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
                choices=[("", _("— Không trả lời —")), *choices],
            )


class OrganisationFields(forms.Form):
    """An organisation's details (*tổ chức, doanh nghiệp*); the code is checked by
    ``services.enterprise_code_normalise`` (10 or 13 digits, check digit)."""

    name = forms.CharField(
        label=_("Tên tổ chức, doanh nghiệp"),
        max_length=300,
        error_messages={"required": _("Nhập tên tổ chức, doanh nghiệp.")},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    address = forms.CharField(
        label=_("Địa chỉ trụ sở"),
        max_length=300,
        error_messages={"required": _("Nhập địa chỉ trụ sở.")},
    )
    representative = forms.CharField(
        label=_("Người đại diện theo pháp luật"),
        max_length=200,
        error_messages={"required": _("Nhập họ tên người đại diện theo pháp luật.")},
    )


def _clean_code(value: str) -> str:
    from motcua.common.errors import ValidationFailed
    from motcua.portal.services import enterprise_code_normalise

    try:
        return enterprise_code_normalise(value)
    except ValidationFailed as exc:
        raise forms.ValidationError(str(exc), code="invalid_enterprise_code") from None


class OrganisationRegisterForm(OrganisationFields):
    enterprise_code = forms.CharField(
        label=_("Mã số doanh nghiệp (mã số thuế)"),
        help_text=_("10 chữ số, hoặc 13 chữ số cho đơn vị phụ thuộc (0312345678-001)."),
        max_length=20,
        error_messages={"required": _("Nhập mã số doanh nghiệp (mã số thuế).")},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    identifier = RegisterForm.base_fields["identifier"]
    password = RegisterForm.base_fields["password"]
    password2 = RegisterForm.base_fields["password2"]
    field_order = ["name", "enterprise_code", "address", "representative", "identifier"]

    def clean_enterprise_code(self) -> str:
        return _clean_code(self.cleaned_data["enterprise_code"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", gettext("Hai mật khẩu không giống nhau."))
        return data


class OrganisationApplicantForm(OrganisationFields):
    """The applicant step for an organisation account: prefilled from its profile; the code is
    the account's own and is not typed in here."""

    full_name = forms.CharField(
        label=_("Người đại diện nộp hồ sơ"),
        max_length=200,
        error_messages={"required": _("Nhập họ tên người đại diện.")},
    )
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    email = forms.EmailField(
        label=_("Thư điện tử"),
        required=False,
        error_messages={"invalid": _("Thư điện tử không hợp lệ.")},
    )
    field_order = ["name", "address", "full_name", "phone", "email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["representative"]
