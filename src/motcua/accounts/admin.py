"""Admin for users, memberships and the account log.

Least privilege in the admin itself: only superusers can touch ``is_superuser``, groups and
individual permissions (groups follow roles automatically); memberships are written through the
services so every change is audited; the account log is read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from motcua.accounts.models import AccountEvent, AgencyMembership, User, UserKind
from motcua.accounts.roles import Role
from motcua.accounts.services import membership_grant, membership_revoke, totp_remove
from motcua.common.errors import MotcuaError

SUPERUSER_ONLY_FIELDS = ("is_superuser", "groups", "user_permissions", "is_staff")


class MembershipInline(admin.TabularInline):
    model = AgencyMembership
    extra = 0
    fields = ("agency", "role", "valid_from", "valid_to")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # through "Vai trò tại cơ quan", so the change is audited


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "kind", "email", "is_active", "last_login")
    list_filter = ("kind", "is_active", "is_staff", "groups")
    search_fields = ("username", "full_name", "email", "phone", "personal_id")
    ordering = ("username",)
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "Thông tin cá nhân",
            {"fields": ("kind", "full_name", "personal_id", "phone", "email")},
        ),
        (
            "Trạng thái và quyền",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Thời điểm", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "kind", "full_name", "email", "password1", "password2"),
            },
        ),
    )
    actions = ["remove_totp"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly: tuple[str, ...] = ("last_login", "date_joined")
        if not request.user.is_superuser:
            # An administrator must not be able to promote anyone, least of all themself.
            readonly += SUPERUSER_ONLY_FIELDS
        return readonly

    @admin.action(description="Gỡ xác thực hai lớp (khi cán bộ mất điện thoại)")
    def remove_totp(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset:
            try:
                totp_remove(actor=request.user, user=user, request=request)  # type: ignore[arg-type]
            except MotcuaError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            done += 1
        self.message_user(request, f"Đã gỡ xác thực hai lớp của {done} tài khoản.")


class AgencyMembershipForm(forms.ModelForm):
    class Meta:
        model = AgencyMembership
        fields = ("user", "agency", "role", "valid_from", "valid_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = data.get("user") or getattr(self.instance, "user", None)
        if data.get("role") == Role.CITIZEN:
            self.add_error("role", "Chỉ giao được vai trò của cán bộ.")
        if user is not None and user.kind != UserKind.OFFICER:
            self.add_error(
                "user" if "user" in self.fields else None,
                "Tài khoản công dân, tổ chức không thể giữ vai trò cán bộ.",
            )
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", "Ngày hết hiệu lực phải sau hoặc bằng ngày bắt đầu.")
        return data


@admin.register(AgencyMembership)
class AgencyMembershipAdmin(admin.ModelAdmin):
    form = AgencyMembershipForm
    list_display = ("user", "agency", "role", "valid_from", "valid_to")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "agency__name", "agency__code")
    raw_id_fields = ("user", "agency")
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("user", "agency", "role") if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # use the "Thu hồi" action: the row is kept for history

    def save_model(
        self, request: HttpRequest, obj: AgencyMembership, form: Any, change: bool
    ) -> None:
        saved = membership_grant(
            actor=request.user,  # type: ignore[arg-type]
            user=obj.user,
            agency=obj.agency,
            role=obj.role,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
            request=request,
        )
        obj.pk = saved.pk

    @admin.action(description="Thu hồi vai trò (hết hiệu lực từ hôm nay)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[AgencyMembership]) -> None:
        for m in queryset.select_related("user", "agency"):
            try:
                membership_revoke(
                    actor=request.user,  # type: ignore[arg-type]
                    user=m.user,
                    agency=m.agency,
                    role=m.role,
                    request=request,
                )
            except MotcuaError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
        self.message_user(request, "Đã thu hồi vai trò đã chọn.")


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "username", "actor", "agency", "role", "ip_address")
    list_filter = ("kind",)
    search_fields = ("username",)
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
