"""Forms of the feedback pages, with Vietnamese labels and messages (English via the app's
catalogue). They only check shapes; the rules are in ``services``."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.agencies.models import Agency
from motcua.feedback.models import Kind


def current_agencies() -> forms.ModelChoiceField:
    today = timezone.localdate()
    return forms.ModelChoiceField(
        label=_("Cơ quan bị phản ánh, kiến nghị"),
        queryset=Agency.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)).order_by(
            "name"
        ),
        empty_label=_("— Chọn cơ quan —"),
        error_messages={
            "required": _("Chọn cơ quan bị phản ánh, kiến nghị."),
            "invalid_choice": _("Cơ quan đã chọn không có trong danh sách."),
        },
    )


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Nội dung phản ánh, kiến nghị về"),
        choices=[
            (Kind.REGULATION.value, _("Quy định hành chính, chính sách")),
            (Kind.CONDUCT.value, _("Hành vi hành chính, thái độ của cán bộ")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Chọn nội dung phản ánh, kiến nghị về quy định hay về cán bộ.")
        },
    )
    title = forms.CharField(
        label=_("Tiêu đề"),
        max_length=200,
        error_messages={
            "required": _("Nhập tiêu đề."),
            "max_length": _("Tiêu đề tối đa 200 ký tự."),
        },
    )
    content = forms.CharField(
        label=_("Nội dung"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Nhập nội dung phản ánh, kiến nghị."),
            "max_length": _("Nội dung tối đa 5000 ký tự."),
        },
    )
    dossier_code = forms.CharField(
        label=_("Mã hồ sơ (nếu có)"),
        help_text=_("In trên giấy tiếp nhận và hẹn trả kết quả."),
        max_length=40,
        required=False,
    )
    procedure_code = forms.CharField(
        label=_("Mã thủ tục hành chính (nếu có)"),
        max_length=8,
        required=False,
    )
    contact_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    contact_email = forms.CharField(
        label=_("Thư điện tử"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args: object, anonymous: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields = {"agency": current_agencies(), **self.fields}
        if not anonymous:
            for name in ("contact_name", "contact_phone", "contact_email"):
                del self.fields[name]
        else:
            self.fields["contact_name"].required = True
            self.fields["contact_name"].error_messages["required"] = _("Nhập họ và tên.")
            self.fields["contact_phone"].help_text = _(
                "Nhập số điện thoại hoặc thư điện tử để cơ quan liên hệ, trả lời."
            )


class TextForm(forms.Form):
    """One text box (reason, note, answer, supplement)."""

    text = forms.CharField(
        label=_("Nội dung"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Nhập nội dung."),
            "max_length": _("Nội dung tối đa 5000 ký tự."),
        },
    )


class TransferForm(forms.Form):
    """Transfer an item to another agency: the receiving agency (any agency in force) and the
    reason. The item's own agency is left out of the list; posting it anyway is refused by the
    service with its own message."""

    reason = forms.CharField(
        label=_("Lý do chuyển"),
        help_text=_("Người gửi phản ánh nhận được thông báo có lý do này."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Nhập lý do chuyển phản ánh, kiến nghị."),
            "max_length": _("Lý do chuyển tối đa 5000 ký tự."),
        },
    )

    def __init__(self, *args: object, current: Agency, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        agency = current_agencies()
        agency.label = _("Cơ quan nhận phản ánh, kiến nghị")
        agency.error_messages["required"] = _("Chọn cơ quan nhận phản ánh, kiến nghị.")
        others = agency.queryset.exclude(pk=current.pk)  # type: ignore[union-attr]
        agency.widget.choices = [("", agency.empty_label)] + [
            (a.pk, agency.label_from_instance(a)) for a in others
        ]
        self.fields = {"agency": agency, **self.fields}
