"""Subscribers and the outbox in the admin: the failed list (filter “Gửi thất bại”) and the
“Gửi lại” action; the results pushed to the personal data stores and the applicants' refusals,
read-only (written only by their services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from motcua.integrations.models import (
    Delivery,
    ResultStorePush,
    ResultStoreRefusal,
    Subscription,
)
from motcua.integrations.services import delivery_resend


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "url", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "url")
    filter_horizontal = ("agencies",)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "message_id",
        "subscription",
        "status",
        "attempts",
        "last_status",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "failed_at",
    )
    list_filter = ("status", "subscription")
    search_fields = ("message_id",)
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ("resend",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Gửi lại (thử lại trong 24 giờ mới)")
    def resend(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = delivery_resend(actor=request.user, deliveries=queryset)  # type: ignore[arg-type]
        messages.success(request, f"Đã xếp {count} thông điệp để gửi lại.")


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ResultStorePush)
class ResultStorePushAdmin(_ReadOnly):
    list_display = ("dossier", "pushed_at", "via", "result_code", "store_ref", "updated_at")
    list_filter = ("via",)
    search_fields = ("dossier__code", "result_code", "store_ref")
    list_select_related = ("dossier",)


@admin.register(ResultStoreRefusal)
class ResultStoreRefusalAdmin(_ReadOnly):
    list_display = ("dossier", "recorded_at", "recorded_by", "note")
    search_fields = ("dossier__code",)
    list_select_related = ("dossier", "recorded_by")
