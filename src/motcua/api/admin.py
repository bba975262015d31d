"""API clients in the admin: create (the key is shown once), revoke, issue a new key, issue or
revoke an OAuth2 client secret (shown once); the call log is read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from motcua.api.models import ApiCall, ApiClient, Scope
from motcua.api.services import (
    api_client_issue_secret,
    api_client_revoke,
    api_client_revoke_secret,
    api_client_rotate,
    api_client_set_key,
)
from motcua.audit.services import audit_log


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label="Quyền thao tác",
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ApiClient
        fields = ("name", "description", "user", "agencies", "scopes", "rate_limit_per_minute")


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ("name", "key_prefix", "is_active", "rate_limit_per_minute", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key_prefix")
    filter_horizontal = ("agencies",)
    raw_id_fields = ("user",)
    readonly_fields = (
        "key_prefix",
        "oauth_client_id",
        "oauth_secret_issued_at",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ("revoke", "rotate", "issue_secret", "revoke_secret")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        key = None
        if not change:
            key = api_client_set_key(obj)
        super().save_model(request, obj, form, change)
        audit_log(
            actor=request.user,  # type: ignore[arg-type]
            action="api.client_change" if change else "api.client_create",
            object_type="api_client",
            object_id=str(obj.pk),
            data={"name": obj.name, "scopes": obj.scopes},
        )
        if key is not None:
            messages.warning(
                request,
                f"Khóa API của “{obj.name}” (chỉ hiển thị một lần, hãy lưu lại ngay): {key}",
            )

    @admin.action(description="Thu hồi khóa (từ chối ngay lập tức)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            api_client_revoke(actor=request.user, client=client)  # type: ignore[arg-type]
        messages.success(request, f"Đã thu hồi {queryset.count()} khóa.")

    @admin.action(description="Cấp khóa mới (khóa cũ hết hiệu lực)")
    def rotate(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            key = api_client_rotate(actor=request.user, client=client)  # type: ignore[arg-type]
            messages.warning(request, f"Khóa mới của “{client.name}” (chỉ hiển thị một lần): {key}")

    @admin.action(description="Cấp client secret OAuth2 mới (mã truy cập cũ hết hiệu lực)")
    def issue_secret(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            client_id, secret = api_client_issue_secret(
                actor=request.user,  # type: ignore[arg-type]
                client=client,
            )
            messages.warning(
                request,
                f"OAuth2 của “{client.name}” (client secret chỉ hiển thị một lần, hãy lưu lại "
                f"ngay): client_id={client_id} client_secret={secret}",
            )

    @admin.action(description="Thu hồi client secret OAuth2 (từ chối ngay mã truy cập đã cấp)")
    def revoke_secret(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            api_client_revoke_secret(actor=request.user, client=client)  # type: ignore[arg-type]
        messages.success(request, f"Đã thu hồi client secret của {queryset.count()} hệ thống.")


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ("at", "client", "user", "method", "path", "status", "duration_ms")
    list_filter = ("status", "method", "client")
    date_hierarchy = "at"
    search_fields = ("path",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
